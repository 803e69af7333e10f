"""H&M article ids: 10-digit numbers, written zero-padded ("0108775015"). Free of Django, so that
the importer's schema (read by the demo generator's worker processes) shares the model's limits."""

import re

ARTICLE_ID_DIGITS = 10
# Product URLs route ids of one to ten digits (catalog.converters): a larger id could never be shown.
MIN_ARTICLE_ID = 1
MAX_ARTICLE_ID = 10**ARTICLE_ID_DIGITS - 1
# An article id as staff type it in the admin's searches: with or without the leading zero, which
# counts among the ten digits (an 11th digit names no article: "01234567890" is not 1234567890).
ARTICLE_ID_TERM = re.compile(rf"[0-9]{{1,{ARTICLE_ID_DIGITS}}}")
