"""Reads for account pages and the `me` API."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.paginator import Page, Paginator

from accounts.models import Customer, Purchase
from catalog.selectors import CARD_DEFERRED_FIELDS, page_of

# Purchases per page of the account history: a few months for a typical customer.
HISTORY_PAGE_SIZE = 48


def customer_for_user(user: AbstractBaseUser | AnonymousUser) -> Customer | None:
    """The shopper record of a logged-in user; None for anonymous users and staff without one."""
    if not user.is_authenticated:
        return None
    return Customer.objects.filter(user_id=user.pk).first()


def purchase_history_page(customer: Customer, page_number: str | int | None) -> Page:
    """One page of the customer's purchases, newest first, with their articles (two queries)."""
    purchases = Purchase.objects.for_customer(customer).defer(
        *(f"article__{name}" for name in CARD_DEFERRED_FIELDS)
    )
    page = page_of(Paginator(purchases, HISTORY_PAGE_SIZE), page_number)
    page.object_list = list(page.object_list)
    return page
