import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from accounts.demo_users import SHOPPER_PASSWORD, STAFF_PASSWORD, demo_users_ensure
from accounts.models import Customer
from tests.factories import ArticleFactory, CustomerFactory, PurchaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shoppers():
    """Four customers with 2, 5, 8 and 11 purchases; the busiest three get logins."""
    ladieswear = ArticleFactory()
    menswear = ArticleFactory(index_group_name="Menswear")
    customers = []
    for n, article in zip((2, 5, 8, 11), (ladieswear, menswear, ladieswear, ladieswear), strict=True):
        customer = CustomerFactory()
        PurchaseFactory.create_batch(n, customer=customer, article=article)
        customers.append(customer)
    return customers


def test_it_creates_a_staff_login_and_shoppers_linked_to_busy_customers(shoppers, client):
    logins = demo_users_ensure()

    assert [login.username for login in logins] == ["admin", "shopper1", "shopper2", "shopper3"]
    assert User.objects.get(username="admin").is_staff
    linked = {login.customer_id for login in logins if not login.staff}
    assert linked == {customer.customer_id for customer in shoppers[1:]}
    assert client.login(username="shopper1", password=SHOPPER_PASSWORD)
    assert client.login(username="admin", password=STAFF_PASSWORD)


def test_shoppers_cover_different_index_groups_first(shoppers):
    logins = demo_users_ensure()

    groups = [login.favourite_group for login in logins if not login.staff]
    assert groups[:2] == ["Ladieswear", "Menswear"]


def test_running_it_again_changes_nothing(shoppers):
    first = demo_users_ensure()
    links = dict(Customer.objects.filter(user__isnull=False).values_list("user__username", "customer_id"))

    second = demo_users_ensure()

    assert second == first
    assert User.objects.count() == 4
    assert (
        dict(Customer.objects.filter(user__isnull=False).values_list("user__username", "customer_id"))
        == links
    )


def test_the_command_prints_the_logins_and_says_they_are_for_the_demo_only(shoppers, capsys):
    call_command("create_demo_users")

    output = capsys.readouterr().out
    assert "demo only" in output
    assert f"admin / {STAFF_PASSWORD}" in output
    assert f"shopper1 / {SHOPPER_PASSWORD}" in output


def test_without_purchases_only_the_staff_login_is_made(capsys):
    call_command("create_demo_users")

    assert list(User.objects.values_list("username", flat=True)) == ["admin"]
    assert "import purchases first" in capsys.readouterr().out
