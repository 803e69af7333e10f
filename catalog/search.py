"""Lexical search over articles: PostgreSQL full-text on `Article.search_vector`, icontains on SQLite.

The search document weights what a shopper types: the name most (A), then type, colour and
pattern (B), then where it sits in the shop (C), then the free-text description (D). Keep
`SEARCH_DOCUMENT_SQL` and `_search_query` in step: both use the `english` configuration.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils.module_loading import import_string

from catalog.models import Article

SEARCH_CONFIG = "english"

# Words are read alike in the document and in queries (`_as_search_words`): a hyphen between two
# letters joins them ("T-shirt" is the word `tshirt`; PostgreSQL would also index its parts, so
# "checked shirt" found checked T-shirts and "leggings", stemmed to `leg`, found wide-leg
# trousers), and a slash separates ("Baby/Children" is two words; PostgreSQL keeps it one token,
# so "baby" and "children" never matched the index group).
JOINED_HYPHEN_PATTERN = r"(?<=\w)-(?=\w)"


def _document_words(column_sql: str) -> str:
    return f"regexp_replace(translate({column_sql}, '/', ' '), '{JOINED_HYPHEN_PATTERN}', '', 'g')"


# An SQL expression over catalog_article's columns; the importer, the refresh service and
# migration 0003 use it. The garment group is left out: its names describe how a garment is made
# for H&M's buyers ("Dressed" is tailoring, stemmed to `dress`, so "dress" found every blazer).
_NAME = _document_words("coalesce(prod_name, '')")
_KIND = _document_words(
    "concat_ws(' ', product_type_name, colour_group_name, perceived_colour_master_name,"
    " graphical_appearance_name)"
)
_PLACE = _document_words(
    "concat_ws(' ', department_name, index_group_name, section_name, product_group_name)"
)
_DESCRIPTION = _document_words("coalesce(detail_desc, '')")
SEARCH_DOCUMENT_SQL = f"""
    setweight(to_tsvector('{SEARCH_CONFIG}', {_NAME}), 'A')
    || setweight(to_tsvector('{SEARCH_CONFIG}', {_KIND}), 'B')
    || setweight(to_tsvector('{SEARCH_CONFIG}', {_PLACE}), 'C')
    || setweight(to_tsvector('{SEARCH_CONFIG}', {_DESCRIPTION}), 'D')
"""

# Longer queries are pasted text, not searches; cutting them keeps the query plan cheap.
MAX_QUERY_CHARS = 200
# SQLite's fallback ANDs one match per word; more words than this only slow it down.
MAX_FALLBACK_TERMS = 8
# Words shoppers type for what the catalogue names otherwise, rewritten before both halves of the
# search (the words and the photos). The catalogue's own words are on the right: H&M's colour
# "Dark Blue", product types "Trousers", "T-shirt", "Sweater", "Sneakers", index groups
# "Baby/Children", "Menswear", "Ladieswear". A replacement, not an alternative: websearch syntax
# ANDs words and cannot say "(navy or dark blue) trousers". Found missing by the search audit (navy trousers
# found none of 22 dark blue trousers; pants found 30 of 202 trousers, only by their photos).
SYNONYMS = {
    "navy": "dark blue",
    "pants": "trousers",
    "tee": "t-shirt",
    "tees": "t-shirts",
    "jumper": "sweater",
    "jumpers": "sweaters",
    "pullover": "sweater",
    "trainer": "sneaker",
    "trainers": "sneakers",
    "kids": "children",
    "men": "menswear",
    "mens": "menswear",
    "men's": "menswear",
    "women": "ladieswear",
    "womens": "ladieswear",
    "women's": "ladieswear",
    "ladies": "ladieswear",
}
# A whole word only: not "men" inside "women" or "men's", nor "tee" in "teen" or "t-tee"; but an
# excluded one too ("trousers -navy"), whose minus follows no letter: the catalogue never says "navy".
_SYNONYM_WORDS = "|".join(re.escape(word) for word in sorted(SYNONYMS, key=len, reverse=True))
SYNONYM_PATTERN = re.compile(rf"(?<![\w'])(?<!\w-)({_SYNONYM_WORDS})(?![\w'-])", re.IGNORECASE)
ARTICLE_ID_PATTERN = re.compile(r"^0?\d{8,10}$")
# websearch syntax's exclusion: a minus starting a word or a quoted phrase ("dress -black",
# -"slip dress"); a minus inside a phrase or a word excludes nothing. Rarer forms PostgreSQL also
# reads as one ("top - dress") still exclude from the word matches, not from the photos'.
# The phrase alternative comes first so that a phrase's own minus is skipped with it.
_PHRASE_OR_EXCLUSION = re.compile(r'"[^"]*"?|(?<![^\s(])-("[^"]*"?|[^\s"()]+)')
# Reciprocal rank fusion's constant: 60 is the value its authors found robust across collections.
RRF_K = 60

logger = logging.getLogger(__name__)


def normalise_query(raw: str | None) -> str:
    return " ".join((raw or "").split())[:MAX_QUERY_CHARS]


def with_synonyms(query: str) -> str:
    """The query in the catalogue's words (see SYNONYMS): "navy pants" -> "dark blue trousers",
    "trousers -navy" -> 'trousers -"dark blue"'."""

    def rewrite(match: re.Match[str]) -> str:
        words = SYNONYMS[match.group(1).lower()]
        before = query[: match.start()]
        # An excluded word of two is quoted, else "-dark blue" would exclude "dark" and ask for
        # "blue"; not inside a phrase (an odd count of quotes before it), which is quoted already.
        if " " in words and before.endswith("-") and before.count('"') % 2 == 0:
            return f'"{words}"'
        return words

    return SYNONYM_PATTERN.sub(rewrite, query)


def article_id_in_query(query: str) -> int | None:
    """Shoppers paste the id printed on a tag (`0108775015`); that finds the one article."""
    return int(query) if ARTICLE_ID_PATTERN.match(query) else None


def split_exclusions(query: str) -> tuple[str, list[str]]:
    """The words a query asks for, and those it excludes: 'jersey -dress -"slip top"' ->
    ("jersey", ["dress", '"slip top"']). Photos are matched to the first only: a text encoder
    reads "jersey -dress" as something about dresses."""
    excluded: list[str] = []

    def take(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(0)  # a quoted phrase, kept whole
        excluded.append(match.group(1))
        return " "

    return " ".join(_PHRASE_OR_EXCLUSION.sub(take, query).split()), excluded


def _as_search_words(query: str) -> str:
    """The query read as the search document is (see JOINED_HYPHEN_PATTERN): "t-shirts" -> "tshirts".

    "strap -dress" keeps its exclusion: that hyphen follows a space, not a letter.
    """
    return re.sub(JOINED_HYPHEN_PATTERN, "", query.replace("/", " "))


def _search_query(query: str) -> SearchQuery:
    # websearch syntax: quoted phrases, `or`, `-excluded`; never a syntax error for shoppers.
    return SearchQuery(_as_search_words(query), search_type="websearch", config=SEARCH_CONFIG)


def semantic_matches(query: str, *, standalone: bool = False) -> list[int]:
    """Article ids that match `query` by meaning (their photos), best first; [] when unavailable.

    The catalogue knows nothing of models: settings.SEARCH_SEMANTIC_MATCHES names a function
    `(query, *, standalone) -> [article_id, ...]` (recommendations.content.search.semantic_matches
    in this shop), so the dependency points from recommendations to catalog only. `standalone`
    asks for the matches strong enough to be shown when no word of the query matched anything.
    A failing ranker costs the blend, never the search page.
    """
    ranker_path = getattr(settings, "SEARCH_SEMANTIC_MATCHES", "")
    if not ranker_path:
        return []
    try:
        return [int(article_id) for article_id in import_string(ranker_path)(query, standalone=standalone)]
    except Exception:
        logger.exception("Semantic search failed for %r; showing full-text results only", query)
        return []


def _fallback_condition(query: str) -> Q:
    """The SQLite demo has no full-text engine: every word must appear in one of the fields, and
    no excluded one (`-red`, `-"dark red"`: an article with all of its words) may. A quoted
    phrase's words count one by one, without their quote marks.

    Exclusions are split off first, as PostgreSQL's websearch syntax reads them: taken for a word,
    "-red" was required, minus sign and all, so "dress -red" found a "dark-red" dress and no other.
    They all apply, however long the query: past MAX_FALLBACK_TERMS it is wanted words that are
    left out (a wider result the shopper can narrow), never an exclusion (a "-black" that silently
    shows black dresses)."""
    wanted, excluded = split_exclusions(query)
    excluded_terms = [_fallback_terms(phrase) for phrase in excluded]
    room = MAX_FALLBACK_TERMS - sum(len(terms) for terms in excluded_terms)
    # One wanted word at least: "dress" and nine exclusions must not become "anything but ...".
    condition = Q()
    for term in _fallback_terms(wanted)[: max(1, room)]:
        condition &= _in_any_field(term)
    for terms in excluded_terms:
        if terms:  # `-""` excludes nothing
            condition &= ~_has_the_whole_words(terms)
    return condition


def _fallback_terms(query: str) -> list[str]:
    """The words of `query` without quote marks, each once ("dress dress" asks for one word)."""
    terms = (word.strip('"') for word in query.split())
    return list({term.casefold(): term for term in terms if term}.values())


def _in_any_field(term: str) -> Q:
    # Anywhere in a field, the start of a word included: "dress" finds "dresses" as PostgreSQL's
    # stemming does.
    return _any_field("icontains", term)


def _has_the_whole_words(terms: list[str]) -> Q:
    r"""An article with each of `terms` as a whole word in one of its fields: an excluded "red" is
    not the "red" of "Tiered" or "embroidered", which icontains matched. A word starts and ends
    at a character that is not a letter, digit or underscore, or at a field's ends: `\W`, `^` and
    `$` read the same in Python's re, which Django's SQLite REGEXP calls (case-insensitively for
    every script with iregex's `(?i)`, where SQLite's own LIKE folds ASCII alone), and in
    PostgreSQL's regular expressions (`~*`), where `\b` would be a backspace."""
    condition = Q()
    for term in terms:
        condition &= _any_field("iregex", rf"(^|\W){re.escape(term)}(\W|$)")
    return condition


def _any_field(lookup: str, value: str) -> Q:
    condition = Q()
    for field in (
        "prod_name",
        "product_type_name",
        "colour_group_name",
        "graphical_appearance_name",
        "department_name",
        "index_group_name",
        "detail_desc",
    ):
        condition |= Q(**{f"{field}__{lookup}": value})
    return condition


def _word_condition(query: str) -> Q:
    if connection.vendor == "postgresql":
        return Q(search_vector=_search_query(query))
    return _fallback_condition(query)


def _excluded_condition(phrase: str) -> Q:
    """Articles that an excluded word or phrase (split_exclusions) leaves out."""
    if connection.vendor == "postgresql":
        return Q(search_vector=_search_query(phrase))
    return _has_the_whole_words(_fallback_terms(phrase))


def matching_articles(queryset: QuerySet[Article], query: str) -> QuerySet[Article]:
    """Narrow `queryset` to articles matching `query` (no ordering, so facet counts can reuse it).

    A match is lexical (the words) or semantic (photos that look like the words, see
    `semantic_matches`), so "red striped top" also finds red striped tops described otherwise.
    When no word matches anything in the shop (a typo, another language, something the shop does
    not sell) only much closer photos are shown, never a page of near misses; and an article
    number that is no article finds nothing (it looked like a T-shirt to the photo model).
    """
    query = with_synonyms(query)
    if article_id_in_query(query) is not None:
        return queryset.none()
    words = _word_condition(query)
    # Decided over the whole shop, not the filtered queryset, so that each facet's count (counted
    # with the other facets' filters) sees the same matches as the result list.
    words_match_in_shop = Exists(Article.objects.browsable().filter(words))
    wanted, excluded = split_exclusions(query)
    photos = Q(article_id__in=semantic_matches(wanted)) & Q(words_match_in_shop)
    photos_alone = Q(article_id__in=semantic_matches(wanted, standalone=True))
    photo_matches = photos | photos_alone
    # "dress -black": a photo of a black dress may look like "dress", but the shopper said no.
    for phrase in excluded:
        photo_matches &= ~_excluded_condition(phrase)
    return queryset.filter(words | photo_matches)


def order_by_relevance(queryset: QuerySet[Article], query: str) -> QuerySet[Article]:
    """Best match first (ties: the more popular article); SQLite only knows popularity.

    With semantic matches the two rankings are merged by reciprocal rank fusion (Cormack, Clarke
    and Büttcher, 2009): score = 1/(k + lexical position) + 1/(k + semantic position), each term
    only for the ranking an article appears in. RRF needs no calibration between full-text ranks
    and cosine similarities, which live on unrelated scales.
    """
    query = with_synonyms(query)
    # Word matches first, so that semantic-only matches do not take lexical positions. A flag, not
    # rank > 0: ts_rank gives a document without the words 1e-20, not 0.
    word_match = Case(When(_word_condition(query), then=Value(1)), default=Value(0))
    rank: Expression = word_match
    if connection.vendor == "postgresql":
        rank = SearchRank(F("search_vector"), _search_query(query))
    queryset = queryset.annotate(word_match=word_match, rank=rank)
    lexical_order = [F("word_match").desc(), F("rank").desc(), F("popularity").desc(), F("article_id").asc()]
    semantic = semantic_matches(split_exclusions(query)[0])
    if not semantic:
        return queryset.order_by(*lexical_order)
    semantic_position = Case(
        *(
            When(article_id=article_id, then=Value(position))
            for position, article_id in enumerate(semantic, 1)
        ),
        default=None,
        output_field=FloatField(),
    )
    lexical_position = Window(RowNumber(), order_by=lexical_order)
    # Semantic-only matches must not earn a lexical position.
    lexical_score = Case(
        When(word_match=1, then=Value(1.0) / (Value(RRF_K) + lexical_position)),
        default=Value(0.0),
        output_field=FloatField(),
    )
    semantic_score = Coalesce(Value(1.0) / (Value(RRF_K) + semantic_position), Value(0.0))
    return queryset.annotate(
        relevance=ExpressionWrapper(lexical_score + semantic_score, FloatField())
    ).order_by(F("relevance").desc(), *lexical_order)
