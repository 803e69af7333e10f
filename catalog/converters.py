"""URL converters: article ids (H&M prints them zero-padded to ten digits; both forms resolve) and
category slugs."""

from __future__ import annotations

from django.urls import register_converter

from catalog.article_ids import ARTICLE_ID_TERM
from catalog.models import format_article_id


class ArticleIdConverter:
    regex = ARTICLE_ID_TERM.pattern

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return format_article_id(int(value))


class CategorySlugConverter:
    """Category slugs keep letters of every script (`東京-capsule`), which Django's `slug` refuses."""

    regex = r"[-\w]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


# Registered here, once, because both catalog/urls.py and catalog/api_urls.py use it and either
# may be imported first.
register_converter(ArticleIdConverter, "article_id")
register_converter(CategorySlugConverter, "category")
