"""Content search API: by words, by photo, and "looks like this" for one article.

    GET  /api/v1/search/?q=red+striped+top     full-text and text-to-photo, blended (paginated)
    POST /api/v1/search/image/                 multipart: `image`, optional index_group, product_type, colour
    GET  /api/v1/articles/<article_id>/similar/

Search endpoints are throttled per user and per IP (settings: search_user, search_anon).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api import (
    LIST_PARAMETERS,
    ArticleListItemSerializer,
    ArticleListView,
    ArticlePagination,
    ArticleSerializer,
)
from catalog.filters import FacetSelection, InvalidFilter, SortOption
from catalog.models import format_article_id
from catalog.search import normalise_query
from catalog.selectors import ProductCards, article_for_page
from catalog.spelling import EXACT_PARAM, parse_exact, searched_query
from catalog.vocabulary import asks_for_a_colour
from recommendations.content.photo_search_slots import PhotoSearchesBusy, search_uploaded_photo
from recommendations.content.selectors import FILTER_LABELS, InvalidSearchFilter, parse_search_filters
from recommendations.content.serving import content_model, similar_articles
from recommendations.types import Recommendation
from recommendations.uploads import check_request_size
from storefront.query_params import query_whole_number
from storefront.throttles import SEARCH_THROTTLES


def _not_blank_pattern() -> str:
    """A pattern matching any character that `normalise_query` keeps (it drops what Python's
    str.split() does), written out so that ECMA-262 regexes, which OpenAPI patterns are, read it
    as Python does: their `\\S` takes \\x1c-\\x1f and \\x85 for characters, \\ufeff for a blank."""
    blanks = [code for code in range(0x10000) if chr(code).isspace()]  # none lie beyond
    ranges: list[tuple[int, int]] = []
    for code in blanks:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))

    def escaped(code: int) -> str:
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    parts = (escaped(low) if low == high else f"{escaped(low)}-{escaped(high)}" for low, high in ranges)
    return f"[^{''.join(parts)}]"


# `q` needs a character that is not a blank: the schema's plain string let a client send " " and
# meet a 400 the schema did not foresee (found by schemathesis).
QUERY_SCHEMA = {"type": "string", "minLength": 1, "pattern": _not_blank_pattern()}
MAX_SIMILAR = 48
DEFAULT_SIMILAR = 12


class RecommendedArticleSerializer(serializers.Serializer[Recommendation]):
    article = ArticleSerializer()
    reason = serializers.CharField()
    score = serializers.FloatField(help_text="Cosine similarity in the content space, higher is closer.")


def _results(recommendations: list[Recommendation], request: Request) -> list[dict[str, Any]]:
    context = {"request": request}
    return [dict(RecommendedArticleSerializer(item, context=context).data) for item in recommendations]


class SearchResultSerializer(ArticleListItemSerializer):
    """A search result: a listed article. Its own class so that the schema names the search's page
    (`PaginatedSearchResultList`, with `query` and `spelling_corrected`) apart from the articles
    list's, which drf-spectacular otherwise names alike and keeps only one of."""


class SearchPagination(ArticlePagination):
    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"].update(
            query={
                "type": "string",
                "example": "black jeans",
                "description": "The words the results are for: `q`, or its spelling correction.",
            },
            spelling_corrected={
                "type": "boolean",
                "description": "True when `query` corrects the spelling of `q`; "
                "`exact=1` searches the words as typed.",
            },
        )
        paginated["required"] = [*paginated["required"], "query", "spelling_corrected"]
        return paginated


class SearchView(ArticleListView):
    """Full-text search blended with text-to-photo similarity (reciprocal rank fusion), best first.

    A word the catalogue does not know is read as the closest one it does ("blck jeans" searches
    "black jeans"), unless `exact=1`; the response says which words it searched. Like the search
    page, it lists one article per product (the best placed of its colours; `variant_count` says
    how many there are) unless a colour is asked for, by the `colour` filter or in the words.
    """

    throttle_classes = SEARCH_THROTTLES
    serializer_class = SearchResultSerializer
    pagination_class = SearchPagination
    typed = ""
    searched = ""
    exact = False

    def get_queryset(self) -> Any:
        self.typed = self.searched = normalise_query(self.request.query_params.get("q"))
        if not self.typed:
            raise ValidationError({"q": ["Type what you are looking for, e.g. ?q=red+striped+top."]})
        try:
            self.exact = parse_exact(self.request.query_params.get(EXACT_PARAM))
        except InvalidFilter as error:
            raise ValidationError({error.param: [error.message]}) from None
        return super().get_queryset()

    def results(self, *, selection: FacetSelection, sort: SortOption, query: str) -> Any:
        self.searched = searched_query(query, exact=self.exact)
        ordered = super().results(selection=selection, sort=sort, query=self.searched)
        if asks_for_a_colour(filters=selection.filters, query=self.searched):
            return ordered
        # One per product, as the search page shows them; `variant_count` says how many colours.
        return ProductCards(ordered)

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["query"] = self.searched
        response.data["spelling_corrected"] = self.searched != self.typed
        return response

    @extend_schema(
        parameters=[
            *LIST_PARAMETERS,
            OpenApiParameter(
                "q",
                QUERY_SCHEMA,
                required=True,
                description="What to look for, e.g. `red striped top`; without it (or blank) a 400.",
            ),
            OpenApiParameter(
                EXACT_PARAM,
                OpenApiTypes.BOOL,
                description="Search the words as typed: no spelling correction. Default false.",
            ),
        ],
        operation_id="search",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema_field(OpenApiTypes.BINARY)
class PhotoField(serializers.ImageField):
    """A photo sent as a file of the multipart body: the schema says binary (drf-spectacular's
    default for an image field is a URL string, which a generated client would send)."""


class ImageSearchView(APIView):
    parser_classes = [MultiPartParser]
    throttle_classes = SEARCH_THROTTLES

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # The declared size first, before authentication: SessionAuthentication's CSRF check reads
        # request.POST, which spooled a body of any size to a temporary file before post() ran.
        # UploadRejected is answered by storefront.api_errors.exception_handler.
        check_request_size(request._request)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "ImageSearchRequest",
                {
                    "image": PhotoField(help_text="JPEG, PNG or WebP, one photo."),
                    **{
                        name: serializers.CharField(
                            required=False,
                            allow_blank=True,
                            # Shown as the field's starting value by the docs' "Try it out", which
                            # otherwise sent the word "string" as a filter: a 400 for a mere photo.
                            default="",
                            help_text=f"{label}: a name or slug of one of the photographed articles on "
                            "sale; empty is no filter. Another is a 400 that lists them.",
                        )
                        for name, label in FILTER_LABELS.items()
                    },
                },
            )
        },
        responses={
            200: inline_serializer(
                "ImageSearchResponse",
                {"available": serializers.BooleanField(), "results": RecommendedArticleSerializer(many=True)},
            ),
            413: OpenApiResponse(description="The photo is over the size or pixel limit the message names."),
            415: OpenApiResponse(description="Not a JPEG, PNG or WebP photo (the message says what it is)."),
            503: OpenApiResponse(
                description="Too many photo searches at once: `Retry-After` says when to try again."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        try:
            # Reads the whole upload: a slow one holds a thread, but no photo search slot.
            filters = parse_search_filters(request.data)
            searched = search_uploaded_photo(request, filters)
        except InvalidSearchFilter as error:
            return Response({error.field: [error.api_message]}, status=status.HTTP_400_BAD_REQUEST)
        except PhotoSearchesBusy as busy:
            return Response(
                {"detail": busy.message}, status=busy.status, headers={"Retry-After": str(busy.retry_after)}
            )
        return Response({"available": searched.available, "results": _results(searched.results, request)})


class SimilarArticlesView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MAX_SIMILAR, "default": DEFAULT_SIMILAR},
                description=(
                    f"How many articles, 1-{MAX_SIMILAR} (default {DEFAULT_SIMILAR}; empty is the default)."
                ),
            )
        ],
        responses=inline_serializer(
            "SimilarArticlesResponse",
            {"available": serializers.BooleanField(), "results": RecommendedArticleSerializer(many=True)},
        ),
    )
    def get(self, request: Request, article_id: int) -> Response:
        article = article_for_page(article_id)
        if article is None:
            raise NotFound(f"No article with id {format_article_id(article_id)}.")
        limit = query_whole_number(
            request.query_params, "limit", default=DEFAULT_SIMILAR, minimum=1, maximum=MAX_SIMILAR
        )
        available = content_model() is not None
        results = similar_articles(article, limit) if available else []
        return Response({"available": available, "results": _results(results, request)})
