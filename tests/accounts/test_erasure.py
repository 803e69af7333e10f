"""Erasure at a customer's request (GDPR art. 17): accounts.services.customer_erase and the admin's
deletes of customers and of logins, which go through it."""

import hashlib

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token

from accounts.models import Customer, ErasedCustomer, Purchase
from accounts.services import customer_erase
from tests.admin_lists import listed
from tests.factories import ArticleFactory, CustomerFactory, PurchaseFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def alice():
    """A shopper with a login, an API token and purchases."""
    customer = CustomerFactory(user=UserFactory(username="alice"), age=31, postal_code="alice-postcode")
    PurchaseFactory.create_batch(3, customer=customer)
    Token.objects.create(user=customer.user)
    return customer


@pytest.fixture
def bob():
    customer = CustomerFactory(user=UserFactory(username="bob"))
    PurchaseFactory(customer=customer)
    return customer


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def assert_erased(customer):
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert not Purchase.objects.filter(customer_id=customer.pk).exists()
    assert not User.objects.filter(pk=customer.user_id).exists()
    assert not Token.objects.filter(user_id=customer.user_id).exists()
    digest = hashlib.sha256(customer.customer_id.encode()).hexdigest()
    assert ErasedCustomer.objects.filter(customer_id_sha256=digest).exists()


def test_erasing_removes_purchases_customer_login_and_token_and_keeps_only_a_hash(alice, bob):
    customer_erase(customer=alice)

    assert_erased(alice)
    # The tombstone holds no id, only its hash.
    assert ErasedCustomer.objects.count() == 1
    assert alice.customer_id not in ErasedCustomer.objects.get().customer_id_sha256
    # Nobody else is touched.
    assert Customer.objects.get() == bob
    assert Purchase.objects.filter(customer=bob).count() == 1
    assert User.objects.filter(username="bob").exists()


def test_a_customer_without_a_login_is_erased_too():
    customer = CustomerFactory()
    PurchaseFactory(customer=customer)
    customer_erase(customer=customer)
    assert not Customer.objects.exists()
    assert not Purchase.objects.exists()
    assert ErasedCustomer.objects.count() == 1


def test_the_erased_users_other_sessions_are_signed_out(client, alice):
    client.force_login(alice.user)
    assert client.get("/accounts/").status_code == 200
    customer_erase(customer=alice)
    response = client.get("/accounts/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_deleting_a_customer_in_the_admin_erases_them(superuser_client, alice, bob):
    url = f"/admin/accounts/customer/{alice.pk}/delete/"
    confirmation = superuser_client.get(url)
    assert "User: alice (the customer&#x27;s login, with its API tokens)" in confirmation.text
    assert superuser_client.post(url, {"post": "yes"}).status_code == 302
    assert_erased(alice)
    assert Customer.objects.get() == bob


def test_the_bulk_delete_of_customers_erases_each(superuser_client, alice, bob):
    response = superuser_client.post(
        "/admin/accounts/customer/",
        {"action": "delete_selected", "_selected_action": [alice.pk, bob.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert_erased(alice)
    assert_erased(bob)


def test_staff_who_may_not_delete_logins_cannot_erase_a_customer_with_one(client, alice):
    staff = UserFactory(username="support", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_customer", "delete_customer"]))
    client.force_login(staff)
    assert client.post(f"/admin/accounts/customer/{alice.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Customer.objects.filter(pk=alice.pk).exists()


def test_deleting_a_login_in_the_admin_erases_its_customer_and_says_so(superuser_client, alice, bob):
    url = f"/admin/auth/user/{alice.user.pk}/delete/"
    confirmation = superuser_client.get(url)
    assert f'Customer: <a href="/admin/accounts/customer/{alice.pk}/change/">{alice}</a>' in confirmation.text
    assert "3 purchases, erased with it" in confirmation.text
    assert superuser_client.post(url, {"post": "yes"}).status_code == 302
    assert_erased(alice)
    assert Customer.objects.get() == bob


def test_the_login_delete_confirmation_counts_purchases_as_the_customer_admin_does(superuser_client, bob):
    """It said "its 1 purchases", and thousands without a separator."""
    carol = CustomerFactory(user=UserFactory(username="carol"))
    article = ArticleFactory()
    Purchase.objects.bulk_create(PurchaseFactory.build(customer=carol, article=article) for _ in range(1_000))

    page = superuser_client.post(
        "/admin/auth/user/", {"action": "delete_selected", "_selected_action": [bob.user.pk, carol.user.pk]}
    ).text

    assert "1 purchases" not in page
    assert "1,000 purchases" in page
    assert "1 purchase, erased with it" in page and "1,000 purchases, erased with it" in page
    assert f'href="/admin/accounts/customer/{carol.pk}/change/"' in page


def test_the_bulk_delete_of_logins_erases_their_customers_and_deletes_the_others(superuser_client, alice):
    loner = UserFactory(username="loner")
    response = superuser_client.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [alice.user.pk, loner.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert_erased(alice)
    assert not User.objects.filter(pk=loner.pk).exists()


def test_staff_see_the_tombstones_but_cannot_remove_them(superuser_client, alice):
    customer_erase(customer=alice)
    tombstone = ErasedCustomer.objects.get()
    listing = superuser_client.get("/admin/accounts/erasedcustomer/")
    assert tombstone.customer_id_sha256 in listing.text
    assert alice.customer_id not in listing.text
    url = f"/admin/accounts/erasedcustomer/{tombstone.pk}/delete/"
    assert superuser_client.post(url, {"post": "yes"}).status_code == 403


def admin_history_text():
    return " ".join(f"{entry.object_repr} {entry.change_message}" for entry in LogEntry.objects.all())


def test_the_admin_history_keeps_no_name_of_an_erased_customer(superuser_client, alice, bob):
    # Staff edited both customers and alice's login before; then alice is erased in the admin.
    for url, data in (
        (f"/admin/accounts/customer/{alice.pk}/change/", {"postal_code": "new-postcode"}),
        (f"/admin/accounts/customer/{bob.pk}/change/", {"postal_code": "bob-postcode"}),
    ):
        form = superuser_client.get(url).context["adminform"].form
        values = {name: value for name, value in form.initial.items() if value is not None}
        assert superuser_client.post(url, {**values, **data}).status_code == 302
    assert alice.customer_id[:12] in admin_history_text()

    deleted = superuser_client.post(f"/admin/accounts/customer/{alice.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302

    assert_erased(alice)
    history = admin_history_text()
    assert alice.customer_id[:12] not in history and "alice" not in history
    # The entries stay, blanked: staff still see that a customer was changed and then deleted.
    erased = LogEntry.objects.filter(object_id=str(alice.pk), object_repr="(erased)")
    assert sorted(erased.values_list("action_flag", flat=True)) == [CHANGE, DELETION]
    # Other customers' history is untouched.
    assert LogEntry.objects.get(object_id=str(bob.pk)).object_repr == str(bob)


def test_deleting_a_login_without_a_customer_blanks_its_name_in_the_history(superuser_client):
    loner = UserFactory(username="loner-with-a-name")
    assert superuser_client.post(f"/admin/auth/user/{loner.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=loner.pk).exists()
    assert "loner-with-a-name" not in admin_history_text()
    assert LogEntry.objects.get(object_id=str(loner.pk)).action_flag == DELETION


def test_staff_find_whether_a_customer_was_erased_by_the_customers_id(superuser_client, alice, bob):
    customer_erase(customer=alice)
    customer_erase(customer=bob)
    alices = ErasedCustomer.objects.get(customer_id_sha256=ErasedCustomer.digest_of(alice.customer_id))
    url = "/admin/accounts/erasedcustomer/"
    for term in (
        alice.customer_id,
        alice.customer_id.upper(),
        alices.customer_id_sha256,
        alices.customer_id_sha256[:12],
    ):
        response = superuser_client.get(url, {"q": f" {term} "})
        assert listed(response) == [alices], term
    assert len(listed(superuser_client.get(url))) == 2
    assert listed(superuser_client.get(url, {"q": "alice"})) == []
