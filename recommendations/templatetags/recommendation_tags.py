"""Recommendation widgets for pages: one inclusion tag per shelf, all rendered by one template.

    {% load recommendation_tags %}
    {% trending_now index_group=None limit=12 %}
    {% for_you customer limit=12 %}
    {% also_bought article limit=12 %}
    {% customers_like_you customer limit=12 %}
    {% looks_like_this article limit=12 %}

A shelf is an extra on a page whose main content is something else, so a recommender that fails
is logged and its shelf left out instead of turning a product page into a 500. When "For you" falls
back to trending, a "Trending now" shelf later on the same page is left out: it would repeat it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django import template
from django.utils.text import slugify

from accounts.models import Customer
from catalog.models import Article
from recommendations import feed, trending
from recommendations.content import serving
from recommendations.types import Recommendation

register = template.Library()
logger = logging.getLogger(__name__)

WIDGET_TEMPLATE = "recommendations/widget.html"
# Set in the page's context by a "For you" shelf that shows trending instead.
TRENDING_SHOWN = "_trending_shown"


def _shelf(title: str, items: list[Recommendation], note: str = "", slot: str = "") -> dict[str, Any]:
    return {"title": title, "items": items, "note": note, "slot": slot or slugify(title)}


def _safely(title: str, load: Callable[[], list[Recommendation]]) -> list[Recommendation]:
    try:
        return load()
    except Exception:
        logger.exception("The %r shelf failed; the page is shown without it", title)
        return []


@register.inclusion_tag(WIDGET_TEMPLATE, takes_context=True)
def trending_now(
    context: template.Context, index_group: str | None = None, limit: int = 12
) -> dict[str, Any]:
    title = f"Trending in {index_group}" if index_group else "Trending now"
    if index_group is None and context.get(TRENDING_SHOWN):
        return _shelf(title, [])
    # The best-selling colour of each product: the demo's home page showed four colours of one top
    # among its twelve trending cards.
    items = _safely(title, lambda: trending.trending_products(index_group, limit, per_product=1))
    return _shelf(title, items, slot="trending")


@register.inclusion_tag(WIDGET_TEMPLATE, takes_context=True)
def for_you(context: template.Context, customer: Customer | None, limit: int = 12) -> dict[str, Any]:
    if customer is None:
        return _shelf("For you", [])
    try:
        result = feed.recommend_for_customer(customer, limit)
    except Exception:
        logger.exception("The 'For you' shelf failed; the page is shown without it")
        return _shelf("For you", [])
    if result.fallback and result.items:
        context[TRENDING_SHOWN] = True
    return _shelf("For you", result.items, note=result.note if result.fallback else "", slot="for-you")


@register.inclusion_tag(WIDGET_TEMPLATE)
def also_bought(article: Article, limit: int = 12) -> dict[str, Any]:
    title = "Customers also bought"
    return _shelf(title, _safely(title, lambda: feed.also_bought(article, limit)), slot="also-bought")


@register.inclusion_tag(WIDGET_TEMPLATE)
def customers_like_you(customer: Customer | None, limit: int = 12) -> dict[str, Any]:
    title = "Customers like you"
    if customer is None:
        return _shelf(title, [])
    return _shelf(
        title, _safely(title, lambda: feed.customers_like_you(customer, limit)), slot="customers-like-you"
    )


@register.inclusion_tag(WIDGET_TEMPLATE)
def looks_like_this(article: Article, limit: int = 12) -> dict[str, Any]:
    title = "Looks like this"
    return _shelf(
        title, _safely(title, lambda: serving.similar_articles(article, limit)), slot="looks-like-this"
    )
