"""Staff see prices as shoppers do: the purchase list and the purchase and article pages showed the
stored 0.0845…, while the customer's account page said €84.57 for the same purchase."""

from __future__ import annotations

import pytest

from tests.factories import ArticleFactory, PurchaseFactory

pytestmark = pytest.mark.django_db


def test_the_purchase_list_shows_the_price_the_shopper_saw(staff_client):
    purchase = PurchaseFactory(price=0.0845745762711864)
    page = staff_client.get("/admin/accounts/purchase/").text
    assert "€84.57" in page and "0.0845745762711864" not in page
    view = staff_client.get(f"/admin/accounts/purchase/{purchase.pk}/change/").text
    assert "€84.57 (data: 0.0845745762711864)" in view


def test_the_article_page_shows_its_price_as_the_shop_does_and_read_only(staff_client):
    article = ArticleFactory(price=0.0676252437288136)
    page = staff_client.get(f"/admin/catalog/article/{article.article_id}/change/").text
    assert "€67.63 (data: 0.0676252437288136)" in page
    assert 'name="price"' not in page
