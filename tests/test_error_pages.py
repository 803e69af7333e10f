"""The error pages' landmarks: each search has its own name, and the content sits in <main>."""

import re

import pytest
from django.template.loader import render_to_string


@pytest.mark.django_db
def test_the_not_found_page_names_its_second_search_apart_from_the_header_one(client):
    page = client.get("/no-such-page/").text
    searches = re.findall(r'<form[^>]*role="search"[^>]*>', page)
    assert len(searches) == 2
    assert 'aria-label="Search again"' in searches[1]
    assert 'aria-label="Search again"' not in searches[0]


def test_the_server_error_page_has_its_message_in_main():
    page = render_to_string("500.html")
    assert re.search(r"<main>\s*<h1>Something went wrong", page)


def test_the_busy_page_has_its_message_in_main():
    page = render_to_string("503.html", {"message": "An import is running."})
    assert re.search(r"<main>\s*<h1>Busy for a moment</h1>\s*<p>An import is running.</p>", page)
