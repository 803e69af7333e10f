"""Changelist pages over tables of millions of rows (purchases, customers): counts, pages, depth.

Django's admin counts every row of a list and cuts its pages by OFFSET over the listed rows with
their joins. Over 25.5M purchases at H&M scale that took 1.3-1.7 s for a filtered count (one sales
channel) and 5.4 s for page 10,000 (an OFFSET of a million joined rows). Here:

- the unfiltered total is PostgreSQL's own row estimate (pg_class.reltuples), and a filtered one is
  counted exactly only as far as the listed pages reach (EXACT_COUNT_LIMIT): above that the
  planner's estimate stands in (a customer's, an article's or a day's purchases stay exact);
- a page is cut on primary keys first, then its rows are read with their joins by key;
- no more than MAX_PAGES pages are listed: nobody reads page 10,000 of a purchase history, and the
  message on the last one says how to find older rows (a date, a customer).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

from catalog.importer.bulk_indexes import planner_rows

MAX_PAGES = 1_000
# The most rows the listed pages show (1,000 pages of the admin's 100): a count beyond them only
# decides how the pagination reads, so an estimate does.
EXACT_COUNT_LIMIT = MAX_PAGES * 100


def planner_estimate(queryset: QuerySet[Any]) -> int:
    """How many rows the planner expects the queryset to return (EXPLAIN, nothing is run)."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """Exact counts of an unfiltered 31.8M-row table take seconds on every changelist page;
    PostgreSQL's planner statistics give a good-enough total instantly. Pages are cut on keys and
    stop at MAX_PAGES (see the module docstring)."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if connection.vendor != "postgresql" or not isinstance(queryset, QuerySet):
            return super().count
        if not queryset.query.where:
            with connection.cursor() as cursor:
                estimate = planner_rows(cursor, queryset.model._meta.db_table)
            if estimate is not None:
                return estimate
        counted = queryset.order_by()[: EXACT_COUNT_LIMIT + 1].count()
        if counted <= EXACT_COUNT_LIMIT:
            return counted
        return max(planner_estimate(queryset), counted)

    @cached_property
    def num_pages(self) -> int:
        return min(super().num_pages, MAX_PAGES)

    def page(self, number: Any) -> Page:
        """The page's rows, read by key: OFFSET skips keys only, not the rows and their joins."""
        page = super().page(number)
        if isinstance(self.object_list, QuerySet) and isinstance(page.object_list, QuerySet):
            keys = list(page.object_list.values_list("pk", flat=True))
            # The list's own ordering, which the admin makes total (it ends with the key).
            page.object_list = self.object_list.filter(pk__in=keys)
        return page


class DepthCappedChangeList(ChangeList):
    """A changelist whose pages stop at MAX_PAGES; a deeper page number shows the last one, and
    that page says how to reach what lies beyond."""

    # What narrows the list enough to see past the last page; each admin says it in its words.
    narrowing_hint = "Search or filter to narrow the list."

    def get_results(self, request: HttpRequest) -> None:
        self.page_num = min(self.page_num, MAX_PAGES)
        super().get_results(request)
        if self.page_num == MAX_PAGES and self.result_count > MAX_PAGES * self.list_per_page:
            messages.info(
                request,
                f"Only the first {MAX_PAGES:,} pages are listed (about {self.result_count:,} "
                f"{self.opts.verbose_name_plural} in all). {self.narrowing_hint}",
            )
