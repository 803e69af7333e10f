"""axe-core's WCAG 2.0/2.1 A and AA rules on every page a shopper reaches, and on the staff's
training pages, at a desktop's and a 360 px phone's width, in the light and the dark scheme
(tests/browser/axe.py). A failure lists each element: the page and view, the rule, the element.

Shop the look's results come first: the trained catalogue is made once per module, and a
transactional browser test empties the database after it (tests/browser/test_shop_the_look_on_a_phone.py).
"""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Customer
from catalog.models import Article
from recommendations.models import ModelVersion, TrainingRun
from tests.browser.axe import violations_in_every_view
from tests.browser.test_admin_contrast import METRICS
from tests.browser.test_contrast import retired_article  # noqa: F401  (fixture)
from tests.browser.test_page_errors import one_search_a_minute  # noqa: F401  (fixture)
from tests.browser.test_shopping_flow import shop  # noqa: F401  (fixture)
from tests.browser.test_small_screens import (  # noqa: F401  (fixtures)
    ANONYMOUS_PAGES,
    login_refusals,
    long_history,
    served_error_pages,
)
from tests.factories import UserFactory
from tests.recommendations import dummy_kind
from tests.recommendations.collaborative.conftest import planted_shop, trained_model  # noqa: F401
from tests.recommendations.conftest import dispatched  # noqa: F401  (fixture)
from tests.recommendations.content.conftest import trained, trained_content  # noqa: F401  (fixtures)
from tests.recommendations.hostile_files import encoded
from tests.recommendations.photos import garment_photo
from tests.recommendations.test_admin import train

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def audit_each(page, urls, disabled: tuple[str, ...] = ()) -> list[str]:
    found = []
    for url in urls:
        page.goto(url)
        found += violations_in_every_view(page, disabled=disabled)
    return found


def test_shop_the_look_empty_refused_and_with_results_breaks_no_rule(trained, page, tmp_path):  # noqa: F811
    page.goto("/shop-the-look/")
    found = violations_in_every_view(page, "shop the look, empty")

    not_a_photo = tmp_path / "invoice.jpg"
    not_a_photo.write_bytes(b"%PDF-1.4 not a photo")
    page.set_input_files("#look-photo", str(not_a_photo))
    page.get_by_role("button", name="Find similar pieces").click()
    page.get_by_test_id("upload-error").wait_for()
    found += violations_in_every_view(page, "shop the look, refused")

    photo = tmp_path / "bag.jpg"
    photo.write_bytes(encoded(garment_photo(8, "Blue", variant=30), "JPEG", quality=90))
    page.set_input_files("#look-photo", str(photo))
    page.locator("[data-crop-image]").wait_for(state="visible")
    found += violations_in_every_view(page, "shop the look, photo chosen")
    page.get_by_role("button", name="Find similar pieces").click()
    page.get_by_test_id("look-results").wait_for()
    found += violations_in_every_view(page, "shop the look, results")
    assert not found, "\n".join(found)


def test_every_page_a_visitor_reaches_breaks_no_rule(served_error_pages, long_history, retired_article):  # noqa: F811
    page = served_error_pages
    found = audit_each(
        page,
        [
            *ANONYMOUS_PAGES,
            retired_article.get_absolute_url(),
            "/search/?q=blck",  # "Showing results for black"
            "/c/ladieswear/?colour=nope",  # a filter that could not be applied
            "/c/ladieswear/?page=2",  # no second page: 404
        ],
    )
    page.goto("/c/ladieswear/")
    for _level in ("section", "product group"):  # each with its own links to the level below
        with page.expect_navigation():
            page.locator(".subcategories a").first.click()
        found += violations_in_every_view(page)
    found += login_refusals(page, violations_in_every_view)  # 403 (no CSRF cookie), the form's errors
    page.goto("/accounts/signup/")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("alert").first.wait_for()
    found += violations_in_every_view(page, "sign-up with errors")
    assert not found, "\n".join(found)


def test_a_refused_search_breaks_no_rule(page, one_search_a_minute):  # noqa: F811
    page.goto("/search/?q=dress")
    page.goto("/search/?q=dress")
    page.get_by_test_id("search-error").wait_for()
    found = violations_in_every_view(page)
    assert not found, "\n".join(found)


def test_a_customers_pages_and_recommendations_break_no_rule(page, trained_model):  # noqa: F811
    carol = UserFactory(username="carol")
    Customer.objects.filter(pk=4).update(user=carol)  # an even customer: Ladieswear 1000-1019
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/")
    assert page.locator("[data-slot=customers-like-you]").count() == 1
    found = audit_each(
        page,
        [
            "/",  # For you
            "/accounts/",  # For you, Customers like you, the purchases
            Article.objects.get(pk=1002).get_absolute_url(),  # Customers also bought
            "/accounts/password/",
            "/accounts/delete/",
        ],
    )
    page.goto("/accounts/password/")
    page.get_by_role("button", name="Change password").click()
    page.get_by_role("alert").wait_for()
    found += violations_in_every_view(page, "password change with errors")
    page.locator("#id_old_password").fill("correct-horse-battery")
    page.locator("#id_new_password1").fill("a-new-long-phrase-7")
    page.locator("#id_new_password2").fill("a-new-long-phrase-7")
    page.get_by_role("button", name="Change password").click()
    page.get_by_role("heading", name="Password changed").wait_for()
    found += violations_in_every_view(page, "password changed")
    page.goto("/accounts/delete/")
    page.get_by_role("button", name="Delete my account").click()
    page.locator(".errorlist").wait_for()
    found += violations_in_every_view(page, "account deletion with errors")
    assert not found, "\n".join(found)


@pytest.fixture
def staff_page(page, live_server):
    client = Client()
    client.force_login(UserFactory(username="olga_ops", is_staff=True, is_superuser=True))
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


@pytest.fixture
def rollback_version(dummy_kind_registered, dispatched, artifacts_root):  # noqa: F811
    """A version trained for real, its files intact, that staff may roll back to (v2 is active)."""
    train(value=1)
    train(value=2)
    return ModelVersion.objects.get(kind=dummy_kind.KIND_NAME, version=1)


def test_the_staff_training_pages_break_no_rule(staff_page, rollback_version):
    runs = [
        TrainingRun.objects.create(kind="collaborative", status=status, progress=progress, metrics=METRICS)
        for status, progress in [("succeeded", 100), ("failed", 40), ("running", 55)]
    ]
    # No files at "v1": its activation page is the refusal, with no form.
    lost_version = ModelVersion.objects.create(
        kind="collaborative", version=1, path="v1", format_version=1, run=runs[0], is_active=False
    )
    # Django's own admin stylesheet (admin/css/base.css) tells the breadcrumbs' links from
    # their text by colour alone: not our templates, and the same on every admin page.
    disabled = ("link-in-text-block",)
    found = audit_each(
        staff_page,
        [
            "/admin/recommendations/trainingrun/",
            f"/admin/recommendations/trainingrun/{runs[1].pk}/change/",
            f"/admin/recommendations/trainingrun/{runs[2].pk}/change/",
            "/admin/recommendations/modelversion/",
            "/admin/recommendations/trainingschedule/",
        ],
        disabled=disabled,
    )
    staff_page.goto(f"/admin/recommendations/modelversion/{rollback_version.pk}/activate/")
    activate = staff_page.get_by_role("button", name=f"Activate {rollback_version}")
    assert activate.count() == 1, "the confirmation form is audited, not a refusal"
    found += violations_in_every_view(staff_page, "activation confirmation", disabled)
    staff_page.goto(f"/admin/recommendations/modelversion/{lost_version.pk}/activate/")
    staff_page.get_by_text(f"{lost_version} cannot be activated:").wait_for()
    found += violations_in_every_view(staff_page, "activation refused", disabled)
    assert not found, "\n".join(found)
