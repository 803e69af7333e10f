"""The catalogue's own words, for spelling correction and to tell when a query names a colour.

Built from what search matches: the lexemes of the articles' search documents (`ts_stat` over
`search_vector`), and the words of their names and of the attribute columns shoppers search by
(product type, colour, pattern, department, ...), which give the whole words that lexemes lack
("blouse" is the lexeme `blous`, "jeans" `jean`, "leggings" `leg`): a correction is shown to the
shopper and searched again. Descriptions, the bulk of the text, give their lexemes only:
parsing them again would cost seconds at H&M scale. Cached per catalogue generation, so an
import or an admin save (both clear the catalogue cache) brings in the new words.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import CharField, Count, F, Value

from catalog.filters import COLOUR_FACET, ArticleFilters
from catalog.models import Article
from catalog.search import JOINED_HYPHEN_PATTERN, with_synonyms
from catalog.selectors import CATALOG_GENERATION_KEY, cached_in_generation

VOCABULARY_CACHE_KEY = "catalog:vocabulary:v1"
# Rebuilt after each import or admin save anyway; the expiry only bounds how long a change made
# behind the shop's back (a manual SQL fix) goes unseen, as for the category tree.
VOCABULARY_CACHE_SECONDS = 10 * 60
# The columns whose words are preferred corrections ("blck" is "black", a colour, before "back",
# a word of descriptions). The colour columns also say which words name a colour.
ATTRIBUTE_FIELDS = (
    "product_type_name",
    "product_group_name",
    "graphical_appearance_name",
    "department_name",
    "index_group_name",
    "section_name",
)
COLOUR_FIELDS = ("colour_group_name", "perceived_colour_master_name")
# Whole words, but not preferred: names hold made-up words too ("Tilly", "Luna").
NAME_FIELD = "prod_name"
# "Dark", "Light", "Dusty Light": they qualify a colour ("dark blue") but name none ("light jacket").
COLOUR_QUALIFIER_FIELD = "perceived_colour_value_name"
# A word as a shopper types it: letters, maybe joined by hyphens ("t-shrit"). Not a word glued to
# digits ("2pack"), nor one after a hyphen that follows a space: websearch syntax excludes that
# word ("strap -dres"), so it is not what the shopper asks for (and a misspelt exclusion excludes
# nothing, which is harmless).
QUERY_WORD = re.compile(r"(?<![\w-])[^\W\d_]+(?:-[^\W\d_]+)*(?![\w-])")
# websearch syntax: `or` between two words is an operator, not a word.
OPERATORS = frozenset({"or"})
# Words as the search document reads them (catalog.search._document_words): a slash separates,
# a hyphen between letters joins ("T-shirt" is `tshirt`).
_WORD = re.compile(r"[^\W_]+")
# The English stemmer of the `english` configuration, which the search document uses.
STEMMER = "english_stem"
# Stems depend only on the word, never on the catalogue; a bound keeps the memo small.
STEM_MEMO_ENTRIES = 10_000

_stem_memo: dict[str, tuple[str, ...]] = {}
_stem_memo_lock = threading.Lock()


def document_words(text: str) -> list[str]:
    """The words of `text` as the search document has them, lower case: "Baby/Children T-shirt" ->
    ["baby", "children", "tshirt"]."""
    return _WORD.findall(re.sub(JOINED_HYPHEN_PATTERN, "", text.replace("/", " ")).lower())


@dataclass
class Vocabulary:
    # Word -> how many articles on sale have it: the lexemes of the search documents and the
    # words of the names and attribute columns, which are whole words where a lexeme may not be.
    article_counts: dict[str, int]
    lexemes: frozenset[str]
    attribute_words: frozenset[str]
    colour_words: frozenset[str]
    # Built in each process from article_counts, after the vocabulary is cached (catalog.spelling).
    spelling_index: object = field(default=None, repr=False)

    def knows(self, word: str) -> bool:
        """True for a word the search documents, names or attribute columns hold as it is."""
        return word in self.article_counts

    def names_a_colour(self, query: str) -> bool:
        """True when a word the query asks for is a colour of the catalogue ("black", "blue" in
        "dark blue"), read in the catalogue's words first ("navy" is dark blue)."""
        asked = " ".join(match.group(0) for match in QUERY_WORD.finditer(with_synonyms(query)))
        return not self.colour_words.isdisjoint(document_words(asked))


def asks_for_a_colour(*, filters: ArticleFilters, query: str) -> bool:
    """A colour filter or a colour in the words: search then shows each matching article, colour
    variants of one product included; otherwise one card per product (catalog.selectors)."""
    return bool(filters.selected.get(COLOUR_FACET.param)) or (
        bool(query) and catalogue_vocabulary().names_a_colour(query)
    )


_COUNTED_COLUMNS = (NAME_FIELD, *ATTRIBUTE_FIELDS, *COLOUR_FIELDS, COLOUR_QUALIFIER_FIELD)
# One scan for every column (GROUPING SETS); a query per column scanned the table ten times (1 s
# of the build at H&M scale, 0.35 s in one scan).
_COLUMN_VALUE_COUNTS_SQL = f"""
    SELECT CASE {" ".join(f"WHEN GROUPING({column}) = 0 THEN '{column}'" for column in _COUNTED_COLUMNS)} END,
        COALESCE({", ".join(_COUNTED_COLUMNS)}),
        count(*)
    FROM catalog_article
    WHERE is_available
    GROUP BY GROUPING SETS ({", ".join(f"({column})" for column in _COUNTED_COLUMNS)})
"""


def _column_value_counts() -> list[tuple[str, str, int]]:
    """(column, value, articles) for each value of the name, attribute and colour columns (45k
    distinct names at H&M scale, a few hundred values of the others)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_COLUMN_VALUE_COUNTS_SQL)
            return [(column, value, articles) for column, value, articles in cursor.fetchall()]
    # SQLite has no GROUPING SETS; its demo catalogue is small.
    parts = [
        Article.objects.browsable()
        .order_by()
        .values(value=F(column))
        .annotate(column=Value(column, output_field=CharField()), count=Count("article_id"))
        .values_list("column", "value", "count")
        for column in _COUNTED_COLUMNS
    ]
    return list(parts[0].union(*parts[1:], all=True))


def _lexeme_counts() -> list[tuple[str, int]]:
    if connection.vendor != "postgresql":
        return []  # the SQLite demo has no search documents (its search is a substring match)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word, ndoc FROM ts_stat("
            "'SELECT search_vector FROM catalog_article WHERE is_available AND search_vector IS NOT NULL')"
        )
        return [(word, ndoc) for word, ndoc in cursor.fetchall()]


def build_vocabulary() -> Vocabulary:
    """Two queries over the articles on sale: 0.7-1.1 s for 106,000 articles (the demo catalogue
    copied to H&M scale, on a busy 2-core machine), once per catalogue generation."""
    counts: dict[str, int] = {}
    lexemes = set()
    for word, articles in _lexeme_counts():
        counts[word] = articles
        lexemes.add(word)
    word_counts: dict[str, int] = {}
    attributes: set[str] = set()
    colours: set[str] = set()
    qualifiers: set[str] = set()
    for column, value, articles in _column_value_counts():
        for word in set(document_words(value or "")):
            if column == COLOUR_QUALIFIER_FIELD:
                qualifiers.add(word)
                continue
            if column in COLOUR_FIELDS:
                colours.add(word)
            if column != NAME_FIELD:
                attributes.add(word)
            word_counts[word] = word_counts.get(word, 0) + articles
    for word, articles in word_counts.items():
        # A word in several columns ("denim" as a pattern and a department) is counted in each;
        # the count only orders candidate corrections, so an overcount is harmless.
        counts[word] = max(counts.get(word, 0), articles)
    return Vocabulary(
        article_counts=counts,
        lexemes=frozenset(lexemes),
        attribute_words=frozenset(attributes),
        colour_words=frozenset(colours - qualifiers),
    )


# A search reads the vocabulary on every request; fetching and unpickling the shared copy (a
# few hundred kB at H&M scale) each time would cost more than the correction itself, so each
# process keeps its own for as long as the catalogue generation stays the same.
_process_copy: tuple[object, float, Vocabulary] | None = None
_process_copy_lock = threading.Lock()


def catalogue_vocabulary() -> Vocabulary:
    """The vocabulary of the current catalogue generation: one small cache read when unchanged."""
    global _process_copy
    generation = cache.get(CATALOG_GENERATION_KEY)
    now = time.monotonic()
    copy = _process_copy
    if copy is not None and copy[0] == generation and copy[1] > now:
        return copy[2]
    vocabulary = cached_in_generation(VOCABULARY_CACHE_KEY, VOCABULARY_CACHE_SECONDS, build_vocabulary)
    with _process_copy_lock:
        _process_copy = (generation, now + VOCABULARY_CACHE_SECONDS, vocabulary)
    return vocabulary


def stems(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each word's lexemes as the search document's stemmer makes them ("sweaters" -> ("sweater",),
    a stop word -> ()); one query for the words not seen before by this process, none otherwise."""
    words = set(words)
    with _stem_memo_lock:
        found = {word: _stem_memo[word] for word in words if word in _stem_memo}
    missing = sorted(words - found.keys())
    if missing and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT word, ts_lexize(%s::regdictionary, word) FROM unnest(%s::text[]) AS word",
                [STEMMER, missing],
            )
            computed = {word: tuple(lexemes or ()) for word, lexemes in cursor.fetchall()}
        with _stem_memo_lock:
            if len(_stem_memo) + len(computed) > STEM_MEMO_ENTRIES:
                _stem_memo.clear()
            _stem_memo.update(computed)
        found.update(computed)
    return found
