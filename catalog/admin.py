"""Staff views of the catalogue: search, filters and a preview of each article's photo."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from catalog.models import Article
from catalog.pricing import display_price
from catalog.templatetags.catalog_tags import article_alt_text, article_image_url

# Small enough for a changelist row, big enough to recognise a garment.
PREVIEW_HEIGHT = 72


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = [
        "thumbnail",
        "display_id",
        "prod_name",
        "colour_group_name",
        "product_type_name",
        "index_group_name",
        "shown_price",
        "popularity",
        "first_sold_on",
    ]
    list_display_links = ["thumbnail", "display_id", "prod_name"]
    # `=article_id` and `=product_code` are exact matches on integers (Django skips them for text).
    search_fields = ["=article_id", "=product_code", "prod_name", "detail_desc"]
    list_filter = [
        "index_group_name",
        "product_group_name",
        "garment_group_name",
        "graphical_appearance_name",
        "perceived_colour_master_name",
    ]
    ordering = ["-popularity", "article_id"]
    readonly_fields = ["preview", "search_vector", "image_sha256", "price", "first_sold_on", "popularity"]
    # The search document is long and useless to edit by hand.
    exclude = ["search_vector"]
    show_full_result_count = False
    list_per_page = 50

    @admin.display(description="Photo")
    def thumbnail(self, article: Article) -> SafeString:
        return format_html(
            '<img src="{}" alt="{}" height="{}" loading="lazy" style="width:auto">',
            article_image_url(article),
            article_alt_text(article),
            PREVIEW_HEIGHT,
        )

    @admin.display(description="Photo preview")
    def preview(self, article: Article) -> SafeString:
        return format_html(
            '<img src="{}" alt="{}" style="max-width:320px;height:auto">',
            article_image_url(article, thumbnail=False),
            article_alt_text(article),
        )

    @admin.display(description="Article id", ordering="article_id")
    def display_id(self, article: Article) -> str:
        return article.display_id

    @admin.display(description="Price", ordering="price")
    def shown_price(self, article: Article) -> str:
        return display_price(article.price)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return super().get_queryset(request).defer("search_vector", "detail_desc")
