"""Personal recommendations API.

    GET /api/v1/me/recommendations/?k=12                       the caller's "For you" feed
    GET /api/v1/articles/<article_id>/also-bought/?k=12        "Customers also bought" (public)
    GET /api/v1/customers/<customer_id>/recommendations/?k=12  any customer's feed (staff only)

A customer only ever reaches their own feed: /me/ reads `request.user`'s customer record and has
no id to tamper with; the customer-id endpoint is for staff. Each item is the article's display
fields plus `reason` (a sentence for the shopper) and `score` (higher is better, for ranking).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import LoggedInAPIView
from accounts.models import Customer
from accounts.selectors import customer_for_user
from catalog.api import ArticleSerializer
from catalog.models import Article, format_article_id
from catalog.selectors import article_for_page
from recommendations import feed
from recommendations.api.permissions import staff_with
from recommendations.types import Recommendation
from storefront.query_params import query_whole_number

DEFAULT_K = 12
MAX_K = 48
K_PARAMETER = OpenApiParameter(
    "k",
    {"type": "integer", "minimum": 1, "maximum": MAX_K, "default": DEFAULT_K},
    description=f"How many items, 1-{MAX_K} (default {DEFAULT_K}; empty is the default).",
)


class RecommendationItemSerializer(ArticleSerializer):
    """An article's display fields plus why and how strongly it is recommended."""

    reason = serializers.SerializerMethodField(help_text='E.g. "Because you bought Tilly top", "Buy again".')
    score = serializers.SerializerMethodField(help_text="Higher ranks first; comparable within one response.")

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "reason", "score"]

    def get_reason(self, article: Article) -> str:
        return str(self.context["recommendations"][article.article_id].reason)

    def get_score(self, article: Article) -> float:
        return round(float(self.context["recommendations"][article.article_id].score), 6)


FeedResponse = inline_serializer(
    "FeedResponse",
    {
        "fallback": serializers.BooleanField(
            help_text="True when these are not personal (trending instead)."
        ),
        "note": serializers.CharField(help_text="Why the feed fell back, for the shopper; empty otherwise."),
        "items": RecommendationItemSerializer(many=True),
    },
)
ItemsResponse = inline_serializer(
    "RecommendationItemsResponse", {"items": RecommendationItemSerializer(many=True)}
)


def serialise_items(items: list[Recommendation], request: Request) -> list[dict[str, Any]]:
    context = {"request": request, "recommendations": {item.article.article_id: item for item in items}}
    return list(
        RecommendationItemSerializer([item.article for item in items], many=True, context=context).data
    )


def parse_k(request: Request) -> int:
    return query_whole_number(request.query_params, "k", default=DEFAULT_K, minimum=1, maximum=MAX_K)


def _feed_response(customer: Customer | None, k: int, request: Request) -> Response:
    result = feed.recommend_for_customer(customer, k)
    return Response(
        {"fallback": result.fallback, "note": result.note, "items": serialise_items(result.items, request)}
    )


class MyRecommendationsView(LoggedInAPIView):
    @extend_schema(parameters=[K_PARAMETER], responses=FeedResponse, operation_id="me_recommendations")
    def get(self, request: Request) -> Response:
        return _feed_response(customer_for_user(request.user), parse_k(request), request)


class CustomerRecommendationsView(LoggedInAPIView):
    """Staff: the feed a given customer sees (customer_id is H&M's 64-character hex id). It shows what
    they bought, so it asks for the admin's permission to view customers."""

    permission_classes = [staff_with(GET="accounts.view_customer")]

    @extend_schema(parameters=[K_PARAMETER], responses=FeedResponse, operation_id="customer_recommendations")
    def get(self, request: Request, customer_id: str) -> Response:
        k = parse_k(request)
        customer = Customer.objects.filter(customer_id=customer_id.lower()).first()
        if customer is None:
            raise NotFound(
                f"No customer with id {customer_id!r}: "
                "customer ids are the 64-character hex ids of customers.csv."
            )
        return _feed_response(customer, k, request)


class AlsoBoughtView(APIView):
    @extend_schema(parameters=[K_PARAMETER], responses=ItemsResponse, operation_id="article_also_bought")
    def get(self, request: Request, article_id: int) -> Response:
        k = parse_k(request)
        article = article_for_page(article_id)
        if article is None:
            raise NotFound(f"No article with id {format_article_id(article_id)}.")
        return Response({"items": serialise_items(feed.also_bought(article, k), request)})
