"""The error pages' landmarks: each search has its own name, and the content sits in <main>."""

import re

import pytest
from django.core.exceptions import DisallowedHost
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string

from storefront.api_errors import refused_request_message


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


@pytest.mark.parametrize("template", ["400.html", "403_csrf.html", "500.html", "503.html"])
def test_no_error_page_links_to_javascript_the_content_security_policy_blocks(template):
    # storefront.content_security allows scripts from the shop's own files only: a javascript:
    # address (the busy page's "back" link) did nothing.
    assert "javascript:" not in render_to_string(template, {"message": "An import is running."})


def photos(count: int) -> dict[str, SimpleUploadedFile]:
    return {f"image{n}": SimpleUploadedFile(f"{n}.jpg", b"x", "image/jpeg") for n in range(count)}


@pytest.mark.django_db
def test_a_photo_search_with_more_files_than_django_reads_says_so_as_json(client, settings):
    response = client.post("/api/v1/search/image/", photos(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1))
    assert response.status_code == 400
    assert response.json() == {
        "detail": "That request carries more than 100 files. Send one photo at a time."
    }


@pytest.mark.django_db
def test_shop_the_look_with_more_form_fields_than_django_reads_says_so_on_a_page(client, settings):
    fields = {f"field{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post("/shop-the-look/", fields)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    heading = r"<main>\s*<h1>That request could not be read</h1>\s*<p>[^<]*1,000 form fields"
    assert re.search(heading, response.text)


def test_a_refused_host_is_not_repeated_back():
    assert "evil" not in refused_request_message(DisallowedHost("Invalid HTTP_HOST header: 'evil.example'"))
