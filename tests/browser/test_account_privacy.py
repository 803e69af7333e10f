"""On a phone, a customer downloads their data and deletes their account from the account page."""

from __future__ import annotations

import json

import pytest

from accounts.models import Customer
from tests.browser.conftest import PHONE
from tests.factories import CustomerFactory, PurchaseFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def test_on_a_phone_a_customer_downloads_their_data_and_deletes_their_account(page):
    alice = CustomerFactory(user=UserFactory(username="alice"))
    PurchaseFactory(customer=alice)
    page.set_viewport_size(PHONE)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/")

    download_link = page.get_by_role("link", name="Download my data")
    assert download_link.is_visible()
    with page.expect_download() as download:
        download_link.click()
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert data["customer"]["customer_id"] == alice.customer_id
    assert len(data["purchases"]) == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("link", name="Delete my account").click()
    page.wait_for_url("**/accounts/delete/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    button = page.get_by_role("button", name="Delete my account")
    box = button.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    page.get_by_label("Your password").fill(PASSWORD)
    button.click()
    page.wait_for_url(lambda url: url.endswith("/"))
    done = page.get_by_text("Your account and everything the shop held about you have been deleted.")
    assert done.is_visible()
    assert not Customer.objects.filter(pk=alice.pk).exists()
