"""What benchmarks/load_bench.py asks for: URLs of real categories and articles, shopper tokens,
search words and shopper photos, read from (and, for the logins, written to) the shop's database.

Runs inside Django (the bench calls `django.setup()` first). The logins it makes are named
`loadbench-N` and linked to customers without a login; they are reused on the next run.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

# Realistic searches: plain words, synonyms the shop translates, typos the speller corrects,
# a word the shop does not sell and an article number.
SEARCH_QUERIES = [
    "dress",
    "black dress",
    "blck jeans",
    "trousres",
    "jumpr",
    "dres",
    "navy tee",
    "striped shirt",
    "denim shorts",
    "kids sweater",
    "mens trainers",
    "white top",
    "red skirt",
    "hoodie",
    "floral blouse",
    "womens jacket",
    "swimwear",
    "socks",
    "pullover grey",
    "leather boots",
]
CATEGORY_SORTS = ["", "popular", "newest", "price_asc", "price_desc"]
ARTICLE_SAMPLE = 2000
LOGIN_PREFIX = "loadbench-"


@dataclass
class Targets:
    categories: list[tuple[str, int]]  # (browse URL, articles in it)
    articles: list[tuple[int, str]]  # (article id, canonical product page URL)
    tokens: list[str]  # API tokens of customers with purchases
    staff_token: str
    static_files: list[str]  # the stylesheet and script every page links (WhiteNoise serves them)
    thumbnails: list[str]  # card photos (served by Django only where SERVE_MEDIA is on: the demo)
    photos: list[bytes] = field(default_factory=list)  # JPEG photos framed as shoppers take them


def collect(*, logins: int, photos: int, seed: int) -> Targets:
    from django.conf import settings
    from django.templatetags.static import static

    from catalog.models import Article

    rng = random.Random(seed)
    ids = list(Article.objects.browsable().values_list("article_id", flat=True))
    sample = rng.sample(ids, min(ARTICLE_SAMPLE, len(ids)))
    rows = list(Article.objects.filter(article_id__in=sample).defer("search_vector", "detail_desc"))
    articles = [(article.article_id, article.get_absolute_url()) for article in rows]
    return Targets(
        categories=_categories(),
        articles=articles,
        tokens=_customer_tokens(logins),
        staff_token=_staff_token(),
        static_files=[static("css/site.css"), static("js/site.js")],
        thumbnails=[
            settings.MEDIA_URL + article.image_thumbnail for article in rows if article.image_thumbnail
        ],
        photos=_shopper_photos(photos, rng),
    )


def _categories() -> list[tuple[str, int]]:
    from django.urls import reverse

    from catalog.categories import category_tree

    urls: list[tuple[str, int]] = []
    for group in category_tree().values():
        urls.append((reverse("catalog:browse", args=[group.slug]), group.count))
        for section in group.sections.values():
            urls.append((reverse("catalog:browse-section", args=[group.slug, section.slug]), section.count))
            for product_group in section.product_groups.values():
                url = reverse(
                    "catalog:browse-product-group", args=[group.slug, section.slug, product_group.slug]
                )
                urls.append((url, product_group.count))
    return urls


def _customer_tokens(count: int) -> list[str]:
    from django.contrib.auth.models import User
    from django.db.models import Count
    from rest_framework.authtoken.models import Token

    from accounts.models import Customer

    existing = list(Customer.objects.filter(user__username__startswith=LOGIN_PREFIX).select_related("user"))
    users = [customer.user for customer in existing if customer.user is not None]
    if len(users) < count:
        fresh = (
            Customer.objects.filter(user__isnull=True)
            .annotate(bought=Count("purchases"))
            .filter(bought__gte=5)
            .order_by("-bought", "pk")[: count - len(users)]
        )
        for customer in fresh:
            user, _ = User.objects.get_or_create(username=f"{LOGIN_PREFIX}{customer.pk}")
            customer.user = user
            customer.save(update_fields=["user"])
            users.append(user)
    return [Token.objects.get_or_create(user=user)[0].key for user in users[:count]]


def _staff_token() -> str:
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    user, _ = User.objects.get_or_create(username=f"{LOGIN_PREFIX}staff")
    if not user.is_superuser:
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    return Token.objects.get_or_create(user=user)[0].key


def _shopper_photos(count: int, rng: random.Random) -> list[bytes]:
    """Catalogue photos pasted off-centre on a phone-sized light background, as JPEG."""
    from PIL import Image

    from catalog.models import Article

    paths = list(
        Article.objects.browsable().exclude(image="").order_by("?").values_list("image", flat=True)[:count]
    )
    from django.core.files.storage import default_storage

    photos = []
    for path in paths:
        with default_storage.open(path) as handle:
            garment = Image.open(handle).convert("RGB")
        canvas = Image.new("RGB", (1200, 1600), (235 + rng.randrange(20), 230, 225))
        garment = garment.resize((700, 700 * garment.height // garment.width))
        canvas.paste(garment, (rng.randrange(0, 450), rng.randrange(0, 800)))
        buffer = io.BytesIO()
        canvas.save(buffer, "JPEG", quality=85)
        photos.append(buffer.getvalue())
    return photos
