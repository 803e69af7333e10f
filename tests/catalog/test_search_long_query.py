"""A long query (pasted text, a URL: up to 200 characters) is quoted short in the page's headings,
and whole in the search box: quoted whole, in the heading and again in "We couldn't find", it
filled the first screen and a half of a 320 px phone."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

LONG_QUERY = "superlongword" * 15  # 195 characters, no spaces to wrap at


def test_the_headings_quote_a_long_query_short_and_the_search_box_keeps_it_whole(client):
    page = client.get("/search/", {"q": LONG_QUERY}).text
    headings = re.findall(r"<h[12][^>]*>(.*?)</h[12]>", page, flags=re.S)
    quoted = [heading for heading in headings if "superlongword" in heading]
    assert len(quoted) == 2
    assert all(LONG_QUERY not in heading and "…" in heading for heading in quoted)
    assert f'value="{LONG_QUERY}"' in page
