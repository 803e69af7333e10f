"""Staff views of customers and purchases. Purchases are history from the data set: read-only.

Deleting a customer, or a login with a customer, erases the person (accounts.services.customer_erase):
the customer, its purchases and its login go together, and imports skip them from then on.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import capfirst
from rest_framework.authtoken.models import TokenProxy

from accounts.admin_paging import DepthCappedChangeList, EstimatedCountPaginator
from accounts.admin_search import (
    CUSTOMER_ID,
    MIN_CUSTOMER_ID_PREFIX,
    customer_id_prefix,
    customer_pks_by_login,
    customer_pks_for_search,
    logins_matching,
)
from accounts.forms import CustomerAdminForm
from accounts.models import Customer, ErasedCustomer, Purchase
from accounts.services import account_delete, customer_erase
from catalog.admin import admin_link
from catalog.article_ids import ARTICLE_ID_TERM
from catalog.models import Article
from catalog.pricing import display_price, staff_price
from storefront.plurals import counted

User = get_user_model()
# What a confirmation page returns: the nested list it shows, counts by model, the models the
# staff member lacks the permission to delete, and the objects protected from deletion.
DeletedObjects = tuple[list[Any], dict[str, int], set[str], list[Any]]
Selected = Sequence[Any] | QuerySet[Any]  # one object (in a list) or the objects an action selected

# DRF's token admin lists every customer's API key in plain text: anyone who sees the page can act
# as any customer. Staff never need a key; a customer gets a new one by logging in again.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


# A day (2020-09-22) or a month (2020-09) of purchases, found through the date index.
PURCHASE_DATE = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})(?:-(?P<day>[0-9]{1,2}))?")


class FixedChoicesFilter(admin.SimpleListFilter):
    """A filter over the values H&M's data has, listed as such: Django's own reads them with a
    SELECT DISTINCT over the whole table on every page (5-9 s over 28M purchases)."""

    choices_of_data: list[tuple[str, str]] = []

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return self.choices_of_data

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset if value is None else queryset.filter(**{str(self.parameter_name): value})


class ClubStatusFilter(FixedChoicesFilter):
    title = "club member status"
    parameter_name = "club_member_status"
    choices_of_data = [(value, value) for value in ("ACTIVE", "PRE-CREATE", "LEFT CLUB")] + [("", "(blank)")]


class FashionNewsFilter(FixedChoicesFilter):
    title = "fashion news frequency"
    parameter_name = "fashion_news_frequency"
    choices_of_data = [(value, value) for value in ("NONE", "Regularly", "Monthly")] + [("", "(blank)")]


# H&M's data set does not say which of its two sales channels is the shop and which is online (its
# Kaggle page leaves sales_channel_id undocumented): staff see the channel's number, not a guess.
SALES_CHANNELS = {1: "Channel 1", 2: "Channel 2"}


class SalesChannelFilter(FixedChoicesFilter):
    title = "channel"
    parameter_name = "sales_channel_id"
    choices_of_data = [(str(number), label) for number, label in SALES_CHANNELS.items()]


class CustomerChangeList(DepthCappedChangeList):
    narrowing_hint = "Search for a customer by id, or by a login's username or email, or filter the list."


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerAdminForm
    list_display = ["customer_id", "user", "club_member_status", "fashion_news_frequency", "age"]
    list_select_related = ["user"]
    search_fields = ["customer_id", "user__username", "user__email"]  # see get_search_results
    search_help_text = (
        f"The customer id or its start (at least {MIN_CUSTOMER_ID_PREFIX} characters, e.g. the 12 the "
        "pages show), or part of a login's username or email."
    )
    list_filter = [ClubStatusFilter, FashionNewsFilter]
    raw_id_fields = ["user"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return CustomerChangeList

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Customer], search_term: str
    ) -> tuple[QuerySet[Customer], bool]:
        """By index only: a customer id, or the customers whose id starts with the term together
        with those whose login has it in its username or email. Django's "=customer_id" compared
        UPPER(customer_id) and scanned 1.37M rows (2.6-3.6 s). A term can be both (a login named
        "facade42"; about 8% of six-hex-digit terms start some H&M id), so neither hides the other.

        Both are read as keys first, each through its own index (the id prefix through its
        pattern index, capped as the purchase admin caps it; the logins' customers through
        customer.user_id), and the page then reads those customers by primary key: an OR of the
        two conditions, or an IN over their UNION, left the planner free to read every customer."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if CUSTOMER_ID.fullmatch(term.lower()):
            return queryset.filter(customer_id=term.lower()), False
        customer_pks = customer_pks_for_search(request, term)
        if customer_pks:
            by_login = customer_pks_by_login(request, term)
            return queryset.filter(pk__in={*customer_pks, *by_login}), False
        # Alone, the logins' customers stay a subquery, which the list pages and counts as usual.
        return queryset.filter(user__in=logins_matching(term).values("pk")), False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The importer matches customers.csv rows on customer_id: a changed id would make the next
        # import add the customer again under the old id, with the purchases on one of the two.
        if obj is not None:
            return [*super().get_readonly_fields(request, obj), "customer_id", "purchase_history"]
        return list(super().get_readonly_fields(request, obj))

    @admin.display(description="purchases")
    def purchase_history(self, customer: Customer) -> str:
        """How many, linked to the purchase list searched by the customer's id: staff answering a
        customer's question about an order had to copy the id into that list's search by hand."""
        count = customer.purchases.count()
        if not count:
            return "None yet"
        url = f"{reverse('admin:accounts_purchase_changelist')}?{urlencode({'q': customer.customer_id})}"
        return format_html('<a href="{}">{}</a>', url, counted(count, "purchase"))

    def get_deleted_objects(self, objs: Selected, request: HttpRequest) -> DeletedObjects:
        """The customers, how many purchases go with each (customers_erased), and their logins.

        Purchases are read-only in their own admin (history from the data set), but a customer's go
        with the customer: deleting one needs the right to delete customers, not purchases.
        """
        deleted, counts = customers_erased(
            Customer.objects.filter(pk__in=[customer.pk for customer in objs]), request=request
        )
        perms_needed: set[str] = set()
        protected: list[Any] = []
        # The erasure takes the customers' logins too (Customer.user alone would be set to null).
        logins = list(User.objects.filter(customer__in=objs).order_by("pk"))
        if logins:
            deleted.extend(
                f"{capfirst(User._meta.verbose_name)}: {login} (the customer's login, with its API tokens)"
                for login in logins
            )
            counts[str(User._meta.verbose_name_plural)] = len(logins)
            if not request.user.has_perm(f"{User._meta.app_label}.delete_{User._meta.model_name}"):
                perms_needed.add(str(User._meta.verbose_name))
        return deleted, counts, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: Customer) -> None:
        customer_erase(customer=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        with transaction.atomic():
            for customer in queryset:
                customer_erase(customer=customer)


def customers_erased(
    customers: QuerySet[Customer], *, request: HttpRequest
) -> tuple[list[Any], dict[str, int]]:
    """What a delete confirmation lists of the customers a deletion erases (the customer admin's and
    the user admin's): each linked (in plain text for staff who may not view customers: the link
    would only open "permission denied", as Django's own confirmation has it), with how many
    purchases go with it, and their counts by model.

    Not Django's collector: it loaded every purchase of the customers to list each one, a link a
    purchase (a busy customer has thousands, a bulk delete of a few tens of thousands).
    """
    erased = list(customers.annotate(purchase_count=Count("purchases")).order_by("pk"))
    deleted: list[Any] = []
    may_view = admin.site.get_model_admin(Customer).has_view_permission(request)
    for customer in erased:
        name = f"{capfirst(Customer._meta.verbose_name)}: {customer}"
        deleted.append(admin_link(customer) if may_view else name)
        if customer.purchase_count:
            deleted.append([f"{capfirst(counted(customer.purchase_count, 'purchase'))}, erased with it"])
    counts = {str(Customer._meta.verbose_name_plural): len(erased)} if erased else {}
    purchases = sum(customer.purchase_count for customer in erased)
    if purchases:
        counts[str(Purchase._meta.verbose_name_plural)] = purchases
    return deleted, counts


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows staff may look at but never add, change or delete here (history, tombstones)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PurchaseChangeList(DepthCappedChangeList):
    """Purchases are listed by date only: the date index serves that order, while another column's
    (?o=4, the price) sorted all 28M rows (107 s). sortable_by only hides the other headers."""

    narrowing_hint = (
        "To see older purchases, search for a date (2020-09-22) or a month (2020-09), "
        "or for a customer or an article."
    )

    def get_ordering(self, request: HttpRequest, queryset: QuerySet[Any]) -> list[Any]:
        ordering = super().get_ordering(request, queryset)
        by_date = [
            field
            for field in ordering
            if isinstance(field, str) and field.lstrip("-") in {"t_dat", "id", "pk"}
        ]
        return by_date or ["-t_dat", "-id"]


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdmin):
    # Prices as the shop shows them: the stored 0.0845 was the €84.57 on the customer's account page.
    list_display = ["date", "customer", "article", "shown_price", "channel"]
    fields = ["date", "customer", "article", "price_with_data", "channel"]
    readonly_fields = ["date", "price_with_data", "channel"]
    list_select_related = ["customer", "article"]
    search_fields = ["customer__customer_id", "article__article_id"]  # see get_search_results
    search_help_text = (
        f"A customer id or its start (at least {MIN_CUSTOMER_ID_PREFIX} characters), an article id "
        "(with or without the leading 0), a date (2020-09-22) or a month (2020-09)."
    )
    list_filter = [SalesChannelFilter]
    ordering = ["-t_dat", "-id"]
    # Sorting 28M rows by another column took 107 s.
    sortable_by = ["date"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return PurchaseChangeList

    # The csv's column names (t_dat, sales_channel_id) read as "T DAT" and "SALES CHANNEL ID".
    @admin.display(description="date", ordering="t_dat")
    def date(self, purchase: Purchase) -> dt.date:
        return purchase.t_dat

    @admin.display(description="channel")
    def channel(self, purchase: Purchase) -> str:
        return SALES_CHANNELS.get(purchase.sales_channel_id, f"Channel {purchase.sales_channel_id}")

    @admin.display(description="price")
    def shown_price(self, purchase: Purchase) -> str:
        return display_price(purchase.price)

    @admin.display(description="price")
    def price_with_data(self, purchase: Purchase) -> str:
        return staff_price(purchase.price)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Purchase], search_term: str
    ) -> tuple[QuerySet[Purchase], bool]:
        """Staff paste a customer's id (or its start) or an article id, or type a date or a month;
        each is looked up by its index. Django's "=" lookups compared UPPER(text) of both and
        scanned 28M rows (141-163 s). Digits are an article id when such an article exists, else
        the start of a customer id (ids like "0108775" are both)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if CUSTOMER_ID.fullmatch(term.lower()):
            return queryset.filter(customer__customer_id=term.lower()), False
        if ARTICLE_ID_TERM.fullmatch(term) and Article.objects.filter(article_id=int(term)).exists():
            return queryset.filter(article_id=int(term)), False
        customer_pks = customer_pks_for_search(request, term)
        if customer_pks is not None:
            return queryset.filter(customer_id__in=customer_pks), False
        date = PURCHASE_DATE.fullmatch(term)
        if date:
            try:
                first, after = purchase_dates(**date.groupdict())
            except ValueError:
                messages.error(request, f"{term!r} is not a date: search for 2020-09-22 or 2020-09.")
                return queryset.none(), False
            return queryset.filter(t_dat__gte=first, t_dat__lt=after), False
        return queryset.none(), False


def purchase_dates(*, year: str, month: str, day: str | None) -> tuple[dt.date, dt.date]:
    """The first day searched and the day after the last: one day, or a whole month."""
    first = dt.date(int(year), int(month), int(day or 1))
    if day:
        return first, first + dt.timedelta(days=1)
    return first, (first + dt.timedelta(days=31)).replace(day=1)


PARTIAL_ERASED_ID_MESSAGE = (
    "To check whether a customer was erased, paste their whole customer id (64 characters); "
    "shorter terms match the start of the SHA-256 listed here."
)


@admin.register(ErasedCustomer)
class ErasedCustomerAdmin(ReadOnlyAdmin):
    """The tombstones, to see when erasures happened. Written only by the erasure: a removed one
    would let the next import bring the person back."""

    list_display = ["customer_id_sha256", "erased_at"]
    search_fields = ["customer_id_sha256"]  # see get_search_results
    search_help_text = (
        "The H&M customer id (to see whether that customer was erased), or the SHA-256 listed here "
        f"or its start (at least {MIN_CUSTOMER_ID_PREFIX} characters)."
    )
    ordering = ["-erased_at"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[ErasedCustomer], search_term: str
    ) -> tuple[QuerySet[ErasedCustomer], bool]:
        """Staff asked whether a customer was erased hold the customer's id, never its digest: an
        id is looked up by its digest. Django's "=" compared UPPER(digest) and read every row."""
        if not search_term.strip():
            return queryset, False
        term = customer_id_prefix(search_term)
        if term is None:
            return queryset.none(), False
        if CUSTOMER_ID.fullmatch(term):
            digests = [term, ErasedCustomer.digest_of(term)]
            return queryset.filter(customer_id_sha256__in=digests), False
        # Most likely the 12 characters the pages show of a customer id: its digest is unrelated
        # to it, so the empty list would read as "not erased" without this.
        messages.info(request, PARTIAL_ERASED_ID_MESSAGE)
        return queryset.filter(customer_id_sha256__startswith=term), False


admin.site.unregister(User)


@admin.register(User)
class ShopUserAdmin(UserAdmin):
    """Django's user admin, where deleting a login that shops as a customer erases the customer, and
    where staff set other logins' passwords but not their own."""

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        """Django's form here sets a password without asking for the current one: at a staff session
        left open, anyone could set the staff member's own. Theirs is changed at the admin's "Change
        password" instead, which asks for it within the login limits (accounts.views)."""
        if unquote(id) == str(request.user.pk):
            return redirect(reverse("admin:password_change", current_app=self.admin_site.name))
        return super().user_change_password(request, id, form_url)

    def get_deleted_objects(self, objs: Selected, request: HttpRequest) -> DeletedObjects:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        customers, customer_counts = customers_erased(Customer.objects.filter(user__in=objs), request=request)
        if customers:
            deleted.extend(customers)
            counts.update(customer_counts)
            if not request.user.has_perm("accounts.delete_customer"):
                perms_needed.add(str(Customer._meta.verbose_name))
        return deleted, counts, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        account_delete(user=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for user in queryset:
                account_delete(user=user)
