"""Deep pages at scale: listings, search with facet counts, and the admin; median time per URL.

    DATABASE_URL=postgres://…/DB .venv/bin/python benchmarks/deep_pages_bench.py [--repeats 5]

Reads a catalogue already imported into DATABASE_URL (at H&M's scale for figures that mean
anything: `generate_demo_data --articles 105542 --customers 1371980` + `import_hm`). Each URL is
fetched with Django's test client after one warm-up: with the web server's connection settings
(storefront.web_connections), the facet counts computed on every request (as for the first
visitor of a selection) and, for the admin, a staff login (`bench-staff`, created once). It prints
the median over --repeats and its ratio to /healthz, measured in the same run.

It only uses the shop's URLs, so the same script measures any checkout: run it from another
worktree's root (`cd ../main && .venv/bin/python ../wt-x/benchmarks/deep_pages_bench.py`) for a
before/after comparison on the same database.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.search_quality import setup_django  # noqa: E402

PAGE_SIZE = 24
DEEP_ADMIN_PAGE = 10_000


def urls() -> list[str]:
    """The first and the last pages of the biggest lists, searches for common words, the admin."""
    from django.db.models import Count

    from catalog.categories import category_tree
    from catalog.models import Article

    on_sale = Article.objects.browsable().count()
    group = next(iter(category_tree().values()))  # the biggest index group
    last_api_page = max(1, math.ceil(on_sale / PAGE_SIZE))
    last_group_page = max(1, math.ceil(group.count / PAGE_SIZE))
    colour = (
        Article.objects.browsable().values_list("colour_group_code").annotate(n=Count("pk")).order_by("-n")
    )[0][0]
    return [
        "/api/v1/articles/",
        f"/api/v1/articles/?page={last_api_page}",
        f"/api/v1/articles/?page={last_api_page // 2}&ordering=newest",
        f"/api/v1/articles/?page={last_api_page * 2 // 3}&ordering=price_desc",
        f"/c/{group.slug}/",
        f"/c/{group.slug}/?page={last_group_page}",
        f"/c/{group.slug}/?page={last_group_page * 2 // 3}&sort=price_asc",
        "/search/?q=top",
        "/search/?q=cotton",
        f"/search/?q=cotton&colour={colour}",
        "/admin/accounts/purchase/",
        f"/admin/accounts/purchase/?p={DEEP_ADMIN_PAGE}",
        "/admin/accounts/purchase/?sales_channel_id=1",
        f"/admin/accounts/customer/?p={DEEP_ADMIN_PAGE}",
        "/admin/catalog/article/",
        "/admin/catalog/article/?_facets=True",
    ]


def median_ms(client: object, url: str, repeats: int) -> tuple[int, float]:
    times = []
    status = 0
    for attempt in range(repeats + 1):
        started = time.perf_counter()
        status = client.get(url).status_code  # type: ignore[attr-defined]
        if attempt:  # the first is the warm-up
            times.append((time.perf_counter() - started) * 1000)
    return status, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed requests per URL")
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client

    import catalog.selectors
    from catalog.services import catalog_cache_clear

    try:
        from storefront import web_connections
    except ImportError:  # a checkout from before web_connections: its wsgi.py set locks only
        from storefront import db_locks as web_connections  # type: ignore[no-redef]
    web_connections.install()
    # Counts cached before (by a page or an earlier run) are forgotten, and none are kept: Django's
    # cache does not keep a 0-second entry. The rest of the catalogue cache fills at the warm-ups.
    catalog_cache_clear()
    catalog.selectors.FACETS_CACHE_SECONDS = 0
    staff, _ = get_user_model().objects.get_or_create(
        username="bench-staff", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(staff)
    _, baseline = median_ms(client, "/healthz", args.repeats)
    print(f"{'median ms':>10} {'x healthz':>10}  status  url (median of {args.repeats})")
    print(f"{baseline:10.1f} {1:10.0f}  200     /healthz")
    for url in urls():
        status, median = median_ms(client, url, args.repeats)
        print(f"{median:10.1f} {median / baseline:10.0f}  {status}     {url}", flush=True)


if __name__ == "__main__":
    main()
