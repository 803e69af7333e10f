"""Search relevance on an imported catalogue: precision@12, products per page and time per query.

    DATABASE_URL=postgres://…/DB .venv/bin/python benchmarks/search_quality.py [--repeats 5]

Reads a catalogue already in DATABASE_URL (`generate_demo_data` + `import_hm`; with a trained
content model under ARTIFACTS_ROOT the photo blend takes part, as in the shop). Each query is
judged against the catalogue's own attributes (a "dress" is an article of product type Dress),
so no hand labels are needed. Per query it prints:

- the query the results are for (a spelling correction, when the search made one),
- precision@12: relevant articles among the first 12 results of GET /api/v1/search/ over 12,
- products@12: distinct products (product_code) among those 12: colour variants of one product
  crowd a page when this is low,
- the median time of the search page (/search/?q=…) over --repeats runs, after one warm-up, and
  the CPU time of this process in it (the Python side: on a busy machine it varies far less than
  the wall time, which also waits for PostgreSQL and for other processes).

It only uses the shop's URLs, so the same script measures any checkout: run it from another
worktree's root (`cd ../main && .venv/bin/python ../wt-x/benchmarks/search_quality.py`) for a
before/after comparison on the same database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

# The checkout being measured is the current directory, not necessarily this file's.
sys.path.insert(0, str(Path.cwd()))

Item = dict[str, Any]
TOPS = {"Top", "Vest top", "T-shirt"}


def of_type(*types: str) -> Callable[[Item], bool]:
    return lambda item: item["product_type"] in types


def both(*judges: Callable[[Item], bool]) -> Callable[[Item], bool]:
    return lambda item: all(judge(item) for judge in judges)


def colour(*names: str) -> Callable[[Item], bool]:
    return lambda item: item["colour"] in names


def pattern(name: str) -> Callable[[Item], bool]:
    return lambda item: item["pattern"] == name


def jeans(item: Item) -> bool:
    denim = "jeans" in item["name"].lower() or item["pattern"] == "Denim"
    return item["product_type"] == "Trousers" and denim


# (query, what a relevant article is); misspelt queries first.
QUERIES: list[tuple[str, Callable[[Item], bool]]] = [
    ("trousres", of_type("Trousers")),
    ("jumpr", of_type("Sweater")),
    ("dres", of_type("Dress")),
    ("blck jeans", both(colour("Black"), jeans)),
    ("sweter", of_type("Sweater")),
    ("hoodei", of_type("Hoodie")),
    ("stripped top", both(pattern("Stripe"), of_type(*TOPS))),
    ("blck dress", both(colour("Black"), of_type("Dress"))),
    ("dress", of_type("Dress")),
    ("black dress", both(colour("Black"), of_type("Dress"))),
    ("striped top", both(pattern("Stripe"), of_type(*TOPS))),
    ("top", of_type(*TOPS)),
    ("trousers", of_type("Trousers")),
    ("hoodie", of_type("Hoodie")),
    ("cardigan", of_type("Cardigan")),
    ("white sneakers", both(colour("White"), of_type("Sneakers"))),
    ("navy trousers", both(colour("Dark Blue"), of_type("Trousers"))),
    ("blue", lambda item: "Blue" in item["colour"]),
]
PAGE = 12


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to the PostgreSQL database holding the imported catalogue.")
    os.environ.setdefault("ALLOW_INSECURE_SECRET_KEY", "1")
    os.environ.setdefault("HTTPS", "0")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SEARCH_THROTTLE_USER"] = os.environ["SEARCH_THROTTLE_ANON"] = "1000000/min"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storefront.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings

    # Pages render without `collectstatic`: static URLs need no manifest here.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override_settings(STORAGES=storages).enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed page loads per query")
    parser.add_argument(
        "--synthetic-words", type=int, default=40_000, help="size of the large vocabulary timed (H&M's scale)"
    )
    args = parser.parse_args()
    setup_django()
    from django.test import Client

    client = Client()
    heading = ["query", "searched for", "P@12", "products@12", "count", "page ms", "cpu ms"]
    print("{:<16} {:<16} {:>5} {:>11} {:>6} {:>8} {:>7}".format(*heading))
    precisions = []
    for query, relevant in QUERIES:
        response = client.get("/api/v1/search/", {"q": query, "page_size": str(PAGE)})
        assert response.status_code == 200, (query, response.status_code, response.content[:200])
        body = response.json()
        results = body["results"]
        precision = sum(1 for item in results if relevant(item)) / PAGE
        precisions.append(precision)
        products = len({item["product_code"] for item in results})
        client.get("/search/", {"q": query})  # warm-up: the first search of a word encodes it
        timings, cpu = [], []
        for _ in range(args.repeats):
            started, started_cpu = time.perf_counter(), time.process_time()
            page = client.get("/search/", {"q": query})
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert page.status_code == 200, (query, page.status_code)
        searched = body.get("query", query)
        print(
            f"{query:<16} {searched:<16} {precision:>5.2f} {products:>11} {body['count']:>6}"
            f" {statistics.median(timings):>8.1f} {statistics.median(cpu):>7.1f}"
        )
    print(f"mean precision@12 {statistics.mean(precisions):.3f} over {len(QUERIES)} queries")
    time_spelling(args.synthetic_words)


def _median_ms(run: Callable[[], object], repeats: int = 50) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def synthetic_words(count: int, seed: int = 7) -> list[str]:
    """Word-like strings of 1-4 syllables: letters cluster as in real words, unlike random ones."""
    import random

    rng = random.Random(seed)
    consonants, vowels = "bcdfghjklmnprstvwyz", "aeiou"
    words: set[str] = set()
    while len(words) < count:
        syllables = rng.choice([1, 2, 2, 3, 3, 4])
        words.add(
            "".join(
                rng.choice(["", rng.choice(consonants)])
                + rng.choice(vowels)
                + rng.choice(["", rng.choice(consonants)])
                for _ in range(syllables)
            )
        )
    return sorted(words)


def time_spelling(synthetic_count: int) -> None:
    """What spelling correction adds to a search: the vocabulary build (once per catalogue
    generation), then per query the matching, the first time a word is seen ("new") and again
    (remembered), on this catalogue's vocabulary and on one of H&M's size."""
    try:
        from catalog.spelling import SpellingIndex, spelling_correction
        from catalog.vocabulary import Vocabulary, build_vocabulary, catalogue_vocabulary
    except ImportError:
        return  # a checkout without spelling correction
    build_ms = _median_ms(build_vocabulary, repeats=5)
    vocabulary = catalogue_vocabulary()
    print(f"\nvocabulary: {len(vocabulary.article_counts):,} words, built in {build_ms:.0f} ms")
    words = synthetic_words(synthetic_count)
    synthetic = Vocabulary(
        article_counts={**dict.fromkeys(words, 1), **vocabulary.article_counts},
        lexemes=vocabulary.lexemes | frozenset(words),
        attribute_words=vocabulary.attribute_words,
        colour_words=vocabulary.colour_words,
    )

    def new(query: str, vocabulary: Vocabulary) -> None:
        if isinstance(vocabulary.spelling_index, SpellingIndex):
            vocabulary.spelling_index.closest.clear()
        spelling_correction(query, vocabulary)

    large = f"{len(synthetic.article_counts):,} words"
    print(f"{'ms per query':<29} {'this catalogue':>16} {large:>16}")
    print(f"{'query':<12} {'corrected':<16} {'new':>8} {'again':>7} {'new':>8} {'again':>7}")
    for query in ["dress", "striped top", "dres", "blck jeans", "trousres", "stripped top", "xyzzy qwrty"]:
        corrected = spelling_correction(query)  # the first time looks stems up in PostgreSQL
        print(
            f"{query:<12} {corrected or '-':<16}"
            f" {_median_ms(partial(new, query, vocabulary)):>8.2f}"
            f" {_median_ms(partial(spelling_correction, query)):>7.2f}"
            f" {_median_ms(partial(new, query, synthetic), repeats=20):>8.2f}"
            f" {_median_ms(partial(spelling_correction, query, synthetic)):>7.2f}"
        )


if __name__ == "__main__":
    main()
