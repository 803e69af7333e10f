"""Staff views of the catalogue: search, filters and a preview of each article's photo."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, Q, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from accounts.models import Purchase
from catalog.admin_filters import CACHED_FILTER_FIELDS, CachedValuesFilter, OnSaleFilter
from catalog.article_ids import ARTICLE_ID_TERM
from catalog.forms import ArticleAdminForm
from catalog.importer.article_stats import PRICE_WINDOW_DAYS
from catalog.models import Article
from catalog.pricing import display_price, staff_price
from catalog.services import (
    PHOTO_FIELDS,
    PhotoNotStored,
    article_replace_photo,
    articles_delete,
    articles_refresh_derived,
    articles_set_availability,
)
from catalog.templatetags.catalog_tags import article_alt_text, article_image_url
from storefront.plurals import counted

# Small enough for a changelist row, big enough to recognise a garment.
PREVIEW_HEIGHT = 72
# What a save does not change at once: the models learn of an article or photo when retrained
# (recommendations.content.serving leaves a photo out until the index holds it).
NEW_PHOTO_NOTE = (
    "Photo search, shop the look and “Looks like this” leave the article out until the next "
    "content training run has indexed its new photo (Recommendations → Training runs)."
)
NEW_ARTICLE_NOTE = (
    "Listings and search by words show the new article now; “Trending now” and “Customers also "
    "bought” list it once it has sold and the trending and collaborative models are retrained."
)
# Where an article's price comes from (catalog.importer.article_stats, README "Prices"): no field
# can change it. A save here prices only the saved colour (catalog.services.articles_price_from_colours).
PRICE_SOURCE = (
    f"The median paid over the data's last {PRICE_WINDOW_DAYS} days, or over all its sales when it "
    "sold nothing in them, set by each import of transactions_train.csv. A colour that never sold "
    "takes the median of its product's colours that did: at once when added here to a product that "
    "sold, otherwise at the next import. It cannot be changed here."
)
# A best seller has thousands of purchases; the refusal to delete it names a few, not every one.
PROTECTED_LISTED = 10


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
        "is_available",
    ]
    list_display_links = ["thumbnail", "display_id", "prod_name"]
    search_fields = ["prod_name", "detail_desc"]  # and ids: see get_search_results
    search_help_text = (
        "An article id (0108775015, with or without the leading 0) or product code (0108775), "
        "or words of the name or description."
    )
    # Choices from the cache and counts in one pass: see catalog.admin_filters.
    list_filter = [
        ("is_available", OnSaleFilter),
        *((field, CachedValuesFilter) for field in CACHED_FILTER_FIELDS),
    ]
    ordering = ["-popularity", "article_id"]
    form = ArticleAdminForm
    # The slug follows the name and colour (see save_model), the photo fields follow the uploaded
    # photo (the form's "New photo"); the rest comes from imports.
    readonly_fields = [
        "preview",
        "slug",
        "search_vector",
        *PHOTO_FIELDS,
        "price_with_data",
        "first_sold_on",
        "popularity",
    ]
    # The search document is long and useless to edit by hand; the price is read-only (it comes
    # from the purchases) and shown as the shop shows it, by price_with_data.
    exclude = ["search_vector", "price"]
    show_full_result_count = False
    list_per_page = 50
    actions = ["take_off_sale", "put_back_on_sale"]

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

    @admin.display(description="Price")
    def price_with_data(self, article: Article) -> str:
        # Read-only, and staff who came to change it found nothing saying why: say where it comes from.
        return format_html(
            '{}<div class="help">{}</div>',
            staff_price(article.price, from_other_colours=article.price_from_other_colours),
            PRICE_SOURCE,
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return super().get_queryset(request).defer("search_vector", "detail_desc")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Article], search_term: str
    ) -> tuple[QuerySet[Article], bool]:
        """An id or a product code by their indexes, anything else by name and description.

        Django's "=article_id" compared the ids as text (UPPER(article_id::text) = '0108775015'),
        so the zero-padded id every page shows found nothing, and the OR with the name searches
        read the whole catalogue for it. Digits that name no article or product are words of a
        name after all ("501" jeans), as they are in the purchase admin's search.
        """
        term = search_term.strip()
        if ARTICLE_ID_TERM.fullmatch(term):
            number = int(term)
            by_id = queryset.filter(Q(article_id=number) | Q(product_code=number))
            if by_id.exists():
                return by_id, False
        return super().get_search_results(request, queryset, search_term)

    def get_readonly_fields(self, request: HttpRequest, obj: Article | None = None) -> list[str]:
        # The id is the primary key and every purchase refers to it: changing it would not move
        # the row but try to update one that does not exist (a 500). It is set once, when added.
        fields = list(super().get_readonly_fields(request, obj))
        return ["article_id", *fields] if obj is not None else fields

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except PhotoNotStored as error:
            # Raised as the admin's transaction committed (article_replace_photo): the form's other
            # changes are saved, the article keeps its old photo. A 500 page said none of that.
            self.message_user(request, str(error), messages.ERROR)
            if object_id is None:
                # Added all the same: the blank add form offered to add it again (a duplicate id).
                return HttpResponseRedirect(reverse("admin:catalog_article_change", args=[error.article_id]))
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request: HttpRequest, obj: Article, form: ModelForm[Article], change: bool) -> None:
        if not change or {"prod_name", "colour_group_name"} & set(form.changed_data):
            # Links to the old slug keep working: the product page redirects to the canonical URL.
            obj.slug = obj.make_slug()
        super().save_model(request, obj, form, change)
        articles_refresh_derived(article_ids=[obj.article_id])
        photo = form.cleaned_data.get("photo")
        if photo:
            # Last: its files are written as the save commits, after the rest (see its docstring).
            article_replace_photo(article=obj, data=photo)
        if not change:
            self.message_user(request, NEW_ARTICLE_NOTE, messages.INFO)
        if photo:
            self.message_user(request, NEW_PHOTO_NOTE, messages.WARNING)

    def delete_model(self, request: HttpRequest, obj: Article) -> None:
        articles_delete(article_ids=[obj.article_id])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        articles_delete(article_ids=queryset.values_list("article_id", flat=True))

    @admin.action(description="Take off sale (hide from the shop; page and order history stay)")
    def take_off_sale(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        changed = articles_set_availability(
            article_ids=queryset.values_list("article_id", flat=True), available=False
        )
        self.message_user(request, f"{counted(changed, 'article')} taken off sale.")

    @admin.action(description="Put back on sale")
    def put_back_on_sale(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        changed = articles_set_availability(
            article_ids=queryset.values_list("article_id", flat=True), available=True
        )
        self.message_user(request, f"{counted(changed, 'article')} put back on sale.")

    def get_deleted_objects(
        self, objs: Sequence[Article] | QuerySet[Article], request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
        refusal = sold_articles_refusal(objs)
        if refusal is not None:
            return refusal
        return super().get_deleted_objects(objs, request)


def sold_articles_refusal(
    articles: Sequence[Article] | QuerySet[Article],
) -> tuple[list[Any], dict[str, int], set[str], list[Any]] | None:
    """What the delete page shows for articles that have sold (purchases PROTECT them), or None.

    Django's collector loads every purchase of the articles to list them, and a best seller has
    ~50k at H&M scale: its delete page took 7.3 s to say no. The first few purchases and a count
    say the same. No permission is reported missing either: purchases are read-only history, so
    Django also listed "purchase" as a permission the user lacks, and said that first; the real
    reason is that the article sold, and the template offers "Take off sale" instead.
    """
    sold = Purchase.objects.filter(article__in=articles)
    # A purchase's name is its customer's id (Purchase.__str__): read with it, not a query each.
    listed = list(sold.select_related("customer").order_by()[: PROTECTED_LISTED + 1])
    if not listed:
        return None
    protected: list[Any] = [admin_link(purchase) for purchase in listed[:PROTECTED_LISTED]]
    if len(listed) > PROTECTED_LISTED:
        protected.append(f"… and {sold.count() - PROTECTED_LISTED:,} more")
    deleted: list[Any] = [admin_link(article) for article in articles]
    return deleted, {str(Article._meta.verbose_name_plural): len(deleted)}, set(), protected


def admin_link(obj: Model) -> SafeString:
    """An object as Django's delete pages list it: its kind and a link to its admin page."""
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return format_html('{}: <a href="{}">{}</a>', capfirst(opts.verbose_name), url, obj)
