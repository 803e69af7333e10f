"""Staff views of customers and purchases. Purchases are history from the data set: read-only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property
from rest_framework.authtoken.models import TokenProxy

from accounts.models import Customer, Purchase

# DRF's token admin lists every customer's API key in plain text: anyone who sees the page can act
# as any customer. Staff never need a key; a customer gets a new one by logging in again.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


class EstimatedCountPaginator(Paginator):
    """Exact counts of an unfiltered 31.8M-row table take seconds on every changelist page;
    PostgreSQL's planner statistics give a good-enough total instantly."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if connection.vendor == "postgresql" and isinstance(queryset, QuerySet) and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            # reltuples is -1 before the table was first analysed; count exactly then.
            if row and row[0] >= 0:
                return int(row[0])
        return super().count


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["customer_id", "user", "club_member_status", "fashion_news_frequency", "age"]
    list_select_related = ["user"]
    search_fields = ["=customer_id", "user__username", "user__email"]
    list_filter = ["club_member_status", "fashion_news_frequency"]
    raw_id_fields = ["user"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The importer matches customers.csv rows on customer_id: a changed id would make the next
        # import add the customer again under the old id, with the purchases on one of the two.
        if obj is not None:
            return [*super().get_readonly_fields(request, obj), "customer_id"]
        return list(super().get_readonly_fields(request, obj))

    def get_deleted_objects(
        self, objs: Sequence[Any] | QuerySet[Any], request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # Purchases are read-only in their own admin (history from the data set), but a customer's
        # go with the customer: deleting one needs the right to delete customers, not purchases.
        perms_needed.discard(str(Purchase._meta.verbose_name))
        return deleted, counts, perms_needed, protected


@admin.register(Purchase)
class PurchaseAdmin(admin.ModelAdmin):
    list_display = ["t_dat", "customer", "article", "price", "sales_channel_id"]
    list_select_related = ["customer", "article"]
    # Staff paste a customer's full 64-hex id (or an article id); exact matches use the indexes.
    search_fields = ["=customer__customer_id", "=article__article_id"]
    search_help_text = "Exact customer id (64 hex characters) or article id."
    list_filter = ["sales_channel_id"]
    ordering = ["-t_dat", "-id"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
