"""Reads for account pages and the `me` API."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.paginator import Page, Paginator

from accounts.models import Customer, Purchase
from catalog.models import format_article_id
from catalog.pricing import display_price
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


def customer_data_export(user: User) -> dict[str, Any]:
    """Everything the shop holds about a login and the customer it shops as, ready for JSON: what
    a customer downloads from their account page or GET /api/v1/me/data/ (GDPR art. 15 and 20).

    Every column of the customer record but the two keys (the row id; the login, given apart), so
    that a column added later is exported without anyone remembering to; purchases oldest first.
    """
    customer = customer_for_user(user)
    data: dict[str, Any] = {
        "login": {
            "username": user.get_username(),
            "email": user.email,
            "date_joined": user.date_joined.isoformat(),
        },
        "customer": None,
        "purchases": [],
    }
    if customer is None:
        return data
    data["customer"] = {
        field.name: getattr(customer, field.attname)
        for field in Customer._meta.concrete_fields
        if field.name not in ("id", "user")
    }
    purchases = (
        Purchase.objects.filter(customer=customer)
        .order_by("t_dat", "id")
        .values_list("t_dat", "article_id", "article__prod_name", "price", "sales_channel_id")
    )
    data["purchases"] = [
        {
            "date": day.isoformat(),
            "article_id": format_article_id(article_id),
            "name": name,
            "price": price,
            "display_price": display_price(price),
            "sales_channel_id": channel,
        }
        for day, article_id, name, price, channel in purchases
    ]
    return data
