"""Catalogue text is shown, never run: payloads in every text field of an article, on every page
that shows them, under the shop's Content-Security-Policy (the `page` fixture fails a test whose
pages the policy refused anything on)."""

from __future__ import annotations

import pytest

from catalog.services import article_refresh_search_vectors
from tests.factories import ArticleFactory, StaffUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=1">',
    "</script><script>window.__xss=1</script>",
    "javascript:window.__xss=1",
    "'><svg onload=window.__xss=1>",
]
TEXT_FIELDS = [
    "prod_name",
    "product_type_name",
    "product_group_name",
    "graphical_appearance_name",
    "colour_group_name",
    "perceived_colour_master_name",
    "department_name",
    "index_group_name",
    "section_name",
    "garment_group_name",
    "detail_desc",
]
RAN = "() => window.__xss !== undefined || document.querySelector('[onerror],[onload]') !== null"


@pytest.fixture
def hostile_article():
    fields = {name: f"{PAYLOADS[n % len(PAYLOADS)]} {name}" for n, name in enumerate(TEXT_FIELDS)}
    article = ArticleFactory(popularity=9, **fields)
    article_refresh_search_vectors()
    return article


def test_payloads_in_catalogue_text_show_as_text_on_every_page(page, hostile_article):
    group = page.locator(".category-nav a").first
    pages = [
        "/",
        hostile_article.get_absolute_url(),
        "/search/?q=window",
        "/search/?q=windw",  # the spelling suggestion repeats the words
        "/search/?q=%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E",
    ]
    page.goto("/")
    pages.append(group.get_attribute("href"))
    for url in pages:
        page.goto(url)
        assert not page.evaluate(RAN), url
    page.goto(hostile_article.get_absolute_url())
    assert page.locator("h1").inner_text() == f"{PAYLOADS[0]} prod_name"
    assert page.title().startswith(PAYLOADS[0])


def test_the_admin_and_the_api_docs_work_under_the_policy(page, live_server, hostile_article):
    StaffUserFactory(username="olga_ops", password="a-long-staff-password", is_superuser=True)
    page.goto("/admin/login/")
    page.fill("#id_username", "olga_ops")
    page.fill("#id_password", "a-long-staff-password")
    page.click("input[type=submit]")
    for url in ["/admin/catalog/article/", f"/admin/catalog/article/{hostile_article.pk}/change/"]:
        page.goto(url)
        assert not page.evaluate(RAN), url
    page.goto("/api/docs/")
    # Swagger UI's start-up script is a file of its own; inline, the policy would refuse it.
    page.get_by_text("/api/v1/articles/", exact=True).first.wait_for()
