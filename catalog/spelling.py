"""Spelling correction for search: "trousres" reads as "trousers", "blck jeans" as "black jeans".

A word of the query that the catalogue does not know (see catalog.vocabulary) is replaced by the
closest word it does, within a few typing slips (Damerau-Levenshtein distance, the usual measure
of typos: a swapped pair of letters is one slip). The search page then says "Showing results for
…" with a link to search the words as typed (`exact=1`), and the search API says which words it
searched. Matching runs in Python over the cached vocabulary, never a query per word.
"""

from __future__ import annotations

from collections.abc import Iterable

from catalog.filters import InvalidFilter
from catalog.search import SYNONYMS
from catalog.vocabulary import OPERATORS, QUERY_WORD, Vocabulary, catalogue_vocabulary, stems

# Slips allowed by word length, as Elasticsearch's `fuzziness: AUTO` (its authors' default): none
# below 3 letters (too many words are a slip apart: "tp" could be "top" or "tip"), one up to 5
# letters ("dres", "blck", "jumpr"), two from 6 ("trousres" is one swap, "sweaterr" one extra).
MIN_CORRECTED_LENGTH = 3
TWO_SLIPS_FROM_LENGTH = 6
# Words whose closest word a process remembers (per vocabulary): a few MB at most.
CLOSEST_MEMO_ENTRIES = 10_000
EXACT_PARAM = "exact"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def parse_exact(raw: str | None) -> bool:
    """`exact=1` searches the words as typed, without spelling correction."""
    value = (raw or "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InvalidFilter(EXACT_PARAM, f"{raw!r} is not a yes or no; use 1 to search the words as typed, or 0")


def slips(first: str, second: str, limit: int) -> int:
    """Damerau-Levenshtein distance (optimal string alignment), or `limit + 1` once it exceeds `limit`."""
    if abs(len(first) - len(second)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(second) + 1))
    for i, first_char in enumerate(first, 1):
        current = [i] + [0] * len(second)
        for j, second_char in enumerate(second, 1):
            cost = first_char != second_char
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and first_char == second[j - 2] and first[i - 2] == second_char:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)


def _characters(word: str) -> int:
    """A bit per character (folded into 63 bits). One slip changes at most two bits of it, so two
    words further apart in bits than twice the allowed slips are skipped without a distance."""
    bits = 0
    for character in word:
        bits |= 1 << (ord(character) % 63)
    return bits


class SpellingIndex:
    """The vocabulary arranged for matching, built once per process and vocabulary."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(words)
        self.alphabet = "".join(sorted({character for word in self.words for character in word}))
        self.by_length: dict[int, list[tuple[int, str]]] = {}
        for word in sorted(self.words):
            self.by_length.setdefault(len(word), []).append((_characters(word), word))
        # Each word's answer, for the next search of it (the next page, another filter).
        self.closest: dict[str, str | None] = {}

    def one_slip_away(self, word: str) -> set[str]:
        """Words one slip from `word`, by trying every slip (about 54 per letter, dictionary look-ups
        only), as Norvig's corrector does: far cheaper than a distance to every word."""
        splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
        edits = {left + right[1:] for left, right in splits if right}
        edits |= {left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1}
        edits |= {left + c + right[1:] for left, right in splits if right for c in self.alphabet}
        edits |= {left + c + right for left, right in splits for c in self.alphabet}
        edits.discard(word)
        return edits & self.words

    def two_slips_away(self, word: str) -> set[str]:
        """Words exactly two slips from `word` (when none is one slip away): a distance to each
        word of a close length whose characters differ from the word's by four at most."""
        bits = _characters(word)
        found = set()
        for length in range(len(word) - 2, len(word) + 3):
            for candidate_bits, candidate in self.by_length.get(length, ()):
                if (bits ^ candidate_bits).bit_count() <= 4 and slips(word, candidate, 2) == 2:
                    found.add(candidate)
        return found


def _index(vocabulary: Vocabulary) -> SpellingIndex:
    index = vocabulary.spelling_index
    if not isinstance(index, SpellingIndex):
        # Shoppers' own words that the search reads in the catalogue's ("jumpr" is "jumper").
        synonyms = (word for word in SYNONYMS if word.isalpha())
        index = vocabulary.spelling_index = SpellingIndex([*vocabulary.article_counts, *synonyms])
    return index


def allowed_slips(word: str) -> int:
    return 2 if len(word) >= TWO_SLIPS_FROM_LENGTH else 1


def closest_word(word: str, vocabulary: Vocabulary) -> str | None:
    """The vocabulary word fewest slips from `word`; ties go to attribute words (types, colours,
    patterns), then to the word on more articles, then to the first in alphabetical order. None
    when none is close enough."""
    index = _index(vocabulary)
    if word in index.closest:
        return index.closest[word]
    candidates = index.one_slip_away(word)
    if not candidates and allowed_slips(word) == 2:
        candidates = index.two_slips_away(word)
    # A synonym has no articles of its own: any catalogue word as close wins ("jens" is "jeans",
    # not "mens").
    closest = min(
        candidates,
        key=lambda candidate: (
            candidate not in vocabulary.attribute_words,
            -vocabulary.article_counts.get(candidate, 0),
            candidate,
        ),
        default=None,
    )
    if len(index.closest) >= CLOSEST_MEMO_ENTRIES:
        index.closest.clear()
    index.closest[word] = closest
    return closest


def _document_form(word: str) -> str:
    return word.replace("-", "").lower()


def spelling_correction(query: str, vocabulary: Vocabulary | None = None) -> str | None:
    """The query with each word unknown to the catalogue replaced by the closest known word, or
    None when every word is known (or no unknown word has a close one).

    Known: a word as the search documents, names or attribute columns hold it, one of SYNONYMS, or one
    whose stem the documents hold ("sweaters", "dotted"), including stop words, which have none.
    """
    matches = [
        match
        for match in QUERY_WORD.finditer(query)
        if len(match.group(0)) >= MIN_CORRECTED_LENGTH and match.group(0).lower() not in OPERATORS
    ]
    if not matches:
        return None
    vocabulary = vocabulary or catalogue_vocabulary()
    if not vocabulary.lexemes:
        return None  # no search documents (the SQLite demo): nothing to tell known words by
    unknown = {
        _document_form(match.group(0))
        for match in matches
        if not vocabulary.knows(_document_form(match.group(0))) and match.group(0).lower() not in SYNONYMS
    }
    if not unknown:
        return None
    unknown = {word for word, lexemes in stems(unknown).items() if not set(lexemes) <= vocabulary.lexemes}
    replacements = {word: closest_word(word, vocabulary) for word in unknown}
    if not any(replacements.values()):
        return None
    corrected = []
    end = 0
    for match in matches:
        replacement = replacements.get(_document_form(match.group(0)))
        if replacement:
            corrected += [query[end : match.start()], replacement]
            end = match.end()
    return "".join([*corrected, query[end:]])


def searched_query(query: str, *, exact: bool) -> str:
    """What a search looks for: the shopper's words, or their spelling correction unless `exact`."""
    if exact or not query:
        return query
    return spelling_correction(query) or query
