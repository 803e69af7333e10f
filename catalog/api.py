"""The articles API: `GET /api/v1/articles/` (browse filters, `q`, ordering, pages) and one article."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.categories import category_tree, find_category
from catalog.filters import (
    FACETS,
    RELEVANCE,
    SORT_OPTIONS,
    ArticleFilters,
    CategoryPath,
    FacetSelection,
    InvalidFilter,
    SortOption,
    parse_sort,
)
from catalog.models import Article, format_article_id
from catalog.pricing import display_price
from catalog.search import article_id_in_query, normalise_query
from catalog.selectors import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    ArticleCards,
    article_for_page,
    article_variants,
    filtered_articles,
    ordered_articles,
    with_variant_counts,
)
from storefront.pagination import PageNumberPagination
from storefront.throttles import QueryAnonThrottle, QueryUserThrottle


class ArticlePagination(PageNumberPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


def _media_url(request: Request | None, article: Article, path: str) -> str | None:
    if not path:
        return None
    url = article.photo_url(path)
    return request.build_absolute_uri(url) if request is not None else url


class ArticleSerializer(serializers.ModelSerializer[Article]):
    article_id = serializers.SerializerMethodField(help_text="Zero-padded to 10 digits, as H&M prints it.")
    name = serializers.CharField(source="prod_name")
    colour = serializers.CharField(source="colour_group_name")
    colour_code = serializers.IntegerField(source="colour_group_code")
    product_type = serializers.CharField(source="product_type_name")
    product_group = serializers.CharField(source="product_group_name")
    pattern = serializers.CharField(source="graphical_appearance_name")
    index_group = serializers.CharField(source="index_group_name")
    section = serializers.CharField(source="section_name")
    garment_group = serializers.CharField(source="garment_group_name")
    department = serializers.CharField(source="department_name")
    display_price = serializers.SerializerMethodField(help_text="The price as the shop shows it.")
    price_from_other_colours = serializers.BooleanField(
        read_only=True,
        help_text="True when the article never sold and its price is the median of its product's "
        "colours that did (H&M prices every colour of a product the same).",
    )
    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The product page.")

    class Meta:
        model = Article
        fields = [
            "article_id",
            "product_code",
            "name",
            "colour",
            "colour_code",
            "product_type",
            "product_group",
            "pattern",
            "index_group",
            "section",
            "garment_group",
            "department",
            "price",
            "display_price",
            "price_from_other_colours",
            "first_sold_on",
            "popularity",
            "image_url",
            "thumbnail_url",
            "url",
        ]

    def get_article_id(self, article: Article) -> str:
        return format_article_id(article.article_id)

    def get_display_price(self, article: Article) -> str | None:
        return display_price(article.price) or None

    def get_image_url(self, article: Article) -> str | None:
        return _media_url(self.context.get("request"), article, article.image)

    def get_thumbnail_url(self, article: Article) -> str | None:
        return _media_url(self.context.get("request"), article, article.image_thumbnail or article.image)

    def get_url(self, article: Article) -> str:
        request: Request | None = self.context.get("request")
        path = article.get_absolute_url()
        return request.build_absolute_uri(path) if request is not None else path


class ArticleListItemSerializer(ArticleSerializer):
    variant_count = serializers.IntegerField(read_only=True, help_text="Colours this product comes in.")

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "variant_count"]


class VariantSerializer(ArticleSerializer):
    class Meta(ArticleSerializer.Meta):
        fields = ["article_id", "colour", "colour_code", "price", "display_price", "thumbnail_url", "url"]


class ArticleDetailSerializer(ArticleSerializer):
    description = serializers.CharField(source="detail_desc")
    is_available = serializers.BooleanField(
        read_only=True, help_text="False once taken off sale: no list shows it, its page says so."
    )
    variants = serializers.SerializerMethodField(help_text="Every colour of the product, this one included.")

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "description", "is_available", "variants"]

    @extend_schema_field(VariantSerializer(many=True))
    def get_variants(self, article: Article) -> list[dict[str, Any]]:
        variants = self.context.get("variants")
        if variants is None:
            variants = article_variants(article)
        return list(VariantSerializer(variants, many=True, context=self.context).data)


ORDERINGS = [RELEVANCE.key, *SORT_OPTIONS]
CATALOGUE_NAME = "One the catalogue does not have is a 400 that lists those it has."
LIST_PARAMETERS = [
    OpenApiParameter(
        "q", OpenApiTypes.STR, description="Full-text query (name, description, type, colour, ...)."
    ),
    OpenApiParameter(
        "ordering",
        OpenApiTypes.STR,
        enum=ORDERINGS,
        description="Default: relevance with `q`, otherwise popular. Relevance needs `q`.",
    ),
    # The catalogue's own names, which change with its data, so the schema cannot list them: a name
    # it does not have is a 400 that lists those it has.
    OpenApiParameter(
        "index_group",
        OpenApiTypes.STR,
        description=f"Index group slug or name, e.g. `ladieswear`. {CATALOGUE_NAME}",
    ),
    OpenApiParameter(
        "section",
        OpenApiTypes.STR,
        description=f"Section slug or name (needs `index_group`). {CATALOGUE_NAME}",
    ),
    OpenApiParameter(
        "product_group", OpenApiTypes.STR, description=f"Product group slug or name. {CATALOGUE_NAME}"
    ),
    *[
        OpenApiParameter(
            facet.param,
            OpenApiTypes.INT,
            many=True,
            description=f"{facet.label} code (`{facet.code_field}`); repeat for any of several.",
        )
        for facet in FACETS
    ],
]


def _unknown(param: str, value: str, choices: list[str]) -> ValidationError:
    return ValidationError(
        {param: [f"Unknown {param.replace('_', ' ')} {value!r}; use one of: {', '.join(choices)}."]}
    )


def _category_path(params: Any) -> CategoryPath:
    """Resolve `index_group`, `section`, `product_group` (slugs or names) to names, or say why not."""
    group_param, section_param, product_group_param = (
        (params.get(name) or "").strip() for name in ("index_group", "section", "product_group")
    )
    tree = category_tree()
    group = find_category(tree, group_param) if group_param else None
    if group_param and group is None:
        raise _unknown("index_group", group_param, list(tree))
    section = None
    if section_param:
        if group is None:
            raise ValidationError(
                {"section": ["Give `index_group` too: section names repeat across groups."]}
            )
        section = find_category(group.sections, section_param)
        if section is None:
            raise _unknown("section", section_param, list(group.sections))
    product_group_name = None
    if product_group_param:
        sections = (
            [section]
            if section
            else [s for g in ([group] if group else tree.values()) for s in g.sections.values()]
        )
        known = {pg.slug: pg for sec in sections for pg in sec.product_groups.values()}
        product_group = find_category(known, product_group_param)
        if product_group is None:
            raise _unknown("product_group", product_group_param, sorted(known))
        product_group_name = product_group.name
    return CategoryPath(group.name if group else None, section.name if section else None, product_group_name)


class ArticleListView(generics.ListAPIView[Article]):
    """Articles with the browse filters, optional full-text `q`, an ordering, one page at a time."""

    serializer_class = ArticleListItemSerializer
    pagination_class = ArticlePagination
    throttle_classes = [QueryUserThrottle, QueryAnonThrottle]

    def get_queryset(self) -> QuerySet[Article]:
        params = self.request.query_params
        query = normalise_query(params.get("q"))
        try:
            filters = ArticleFilters.from_params(params)
            sort = parse_sort(params.get("ordering"), allow_relevance=True)
        except InvalidFilter as error:
            raise ValidationError(
                {"ordering" if error.param == "sort" else error.param: [error.message]}
            ) from None
        if sort.key == RELEVANCE.key and not query and params.get("ordering"):
            raise ValidationError({"ordering": ["`relevance` needs a text query in `q`."]})
        article_id = article_id_in_query(query) if query else None
        if article_id is not None:
            pasted = Article.objects.browsable().filter(article_id=article_id)
            if pasted.exists():
                # The id printed on a tag, as the search page takes it: that one article.
                return pasted
        selection = FacetSelection(_category_path(params), filters)
        return self.results(selection=selection, sort=sort, query=query)

    def results(self, *, selection: FacetSelection, sort: SortOption, query: str) -> QuerySet[Article]:
        """The listed articles, in order (the search API lists them its own way)."""
        # Only ids and the count are read from it: pages read their rows card-ready (cards_in_order).
        return ordered_articles(filtered_articles(selection=selection, query=query), sort, query)

    def paginate_queryset(self, queryset: Any) -> Any:
        """The page, cut on ids first (ArticleCards), with its articles' colour counts (counted for
        the page only)."""
        cards: Any = ArticleCards(queryset) if isinstance(queryset, QuerySet) else queryset
        page = super().paginate_queryset(cards)
        return None if page is None else with_variant_counts(page)

    @extend_schema(parameters=LIST_PARAMETERS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ArticleDetailView(APIView):
    @extend_schema(responses=ArticleDetailSerializer)
    def get(self, request: Request, article_id: int) -> Response:
        article = article_for_page(article_id)
        if article is None:
            raise NotFound(
                f"No article with id {format_article_id(article_id)}. Article ids are the 9-10 digit numbers "
                "on product pages (leading zero optional); list them with GET /api/v1/articles/."
            )
        context = {"request": request, "variants": article_variants(article)}
        return Response(ArticleDetailSerializer(article, context=context).data)
