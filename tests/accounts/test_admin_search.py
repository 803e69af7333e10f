"""Staff find customers and purchases by the start of a customer id, as pages and logs show it
(12 characters), through an index; and whether a customer was erased, by their whole id."""

import hashlib

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection

from accounts.admin import CustomerAdmin, PurchaseAdmin
from accounts.admin_search import MAX_LOGIN_CUSTOMERS, customer_pks_by_login, customers_by_id_prefix
from accounts.models import Customer, ErasedCustomer, Purchase
from accounts.services import customer_erase
from tests.admin_lists import CROWD, listed
from tests.factories import ArticleFactory, CustomerFactory, PurchaseFactory, UserFactory
from tests.query_plans import analyze, query_plan

pytestmark = pytest.mark.django_db

CUSTOMERS = "/admin/accounts/customer/"
PURCHASES = "/admin/accounts/purchase/"
ERASED = "/admin/accounts/erasedcustomer/"


@pytest.fixture
def crowd():
    """CROWD customers with H&M-like ids, each with a purchase, and the planner's statistics."""
    article = ArticleFactory()
    customers = Customer.objects.bulk_create(
        Customer(customer_id=hashlib.sha256(f"crowd-{n}".encode()).hexdigest()) for n in range(CROWD)
    )
    Purchase.objects.bulk_create(
        Purchase(t_dat="2020-09-01", customer=customer, article=article, price=0.01, sales_channel_id=1)
        for customer in customers
    )
    analyze("accounts_customer", "accounts_purchase")
    return customers


@pytest.mark.parametrize("length", [6, 12, 40])
def test_a_customer_is_found_by_the_start_of_their_id(staff_client, crowd, length):
    alice = crowd[7]
    assert listed(staff_client.get(CUSTOMERS, {"q": f" {alice.customer_id[:length].upper()} "})) == [alice]


def test_fewer_than_six_characters_are_no_customer_id(staff_client, crowd):
    assert listed(staff_client.get(CUSTOMERS, {"q": crowd[7].customer_id[:5]})) == []


def test_a_login_whose_name_looks_like_an_id_is_still_found(staff_client, crowd):
    cafe = CustomerFactory(user=UserFactory(username="facade42"))
    assert listed(staff_client.get(CUSTOMERS, {"q": "facade"})) == [cafe]


def test_a_term_that_starts_an_id_and_is_in_a_login_finds_both(staff_client, crowd, rf):
    by_id = CustomerFactory(customer_id="facade" + "0" * 58)
    by_login = CustomerFactory(user=UserFactory(username="facade42"))
    by_email = CustomerFactory(user=UserFactory(username="shopper", email="123456@example.com"))
    also_by_id = CustomerFactory(customer_id="123456" + "f" * 58)
    for term, both in (("facade", [by_id, by_login]), ("123456", [by_email, also_by_id])):
        assert sorted(listed(staff_client.get(CUSTOMERS, {"q": term})), key=lambda c: c.pk) == both
    admin = CustomerAdmin(Customer, None)
    found, _ = admin.get_search_results(rf.get(CUSTOMERS), Customer.objects.all(), "facade")
    plan = query_plan(found)
    assert "Seq Scan on accounts_customer" not in plan, plan


def test_the_customer_id_prefix_is_looked_up_by_an_index(rf, crowd):
    admin = CustomerAdmin(Customer, None)
    prefix = crowd[7].customer_id[:12]
    found, _ = admin.get_search_results(rf.get(CUSTOMERS), Customer.objects.all(), prefix)
    # The keys of the customers the prefix names, then those customers by their keys.
    plan = query_plan(customers_by_id_prefix(prefix).values("pk"))
    assert "Seq Scan" not in plan and "Index Scan using accounts_customer_customer_id" in plan, plan
    plan = query_plan(found)
    assert "Seq Scan" not in plan and "accounts_customer_pkey" in plan, plan


def test_purchases_are_found_by_the_start_of_a_customer_id(staff_client, crowd, rf):
    alice = crowd[7]
    found = listed(staff_client.get(PURCHASES, {"q": alice.customer_id[:12]}))
    assert [purchase.customer for purchase in found] == [alice]
    admin = PurchaseAdmin(Purchase, None)
    queryset, _ = admin.get_search_results(rf.get(PURCHASES), Purchase.objects.all(), alice.customer_id[:12])
    plan = query_plan(queryset)
    assert "Seq Scan" not in plan and "purchase_customer_date" in plan, plan


def test_digits_are_an_article_id_when_the_article_exists_else_a_customer_id(staff_client):
    top = ArticleFactory(article_id=108775015, prod_name="Strap top")
    bought_top = PurchaseFactory(article=top)
    digits = CustomerFactory(customer_id="20200915" + "a" * 56)
    bought_other = PurchaseFactory(customer=digits)
    for term in ("0108775015", "108775015"):
        assert listed(staff_client.get(PURCHASES, {"q": term})) == [bought_top]
    assert listed(staff_client.get(PURCHASES, {"q": "20200915"})) == [bought_other]


def test_a_prefix_shared_by_a_crowd_asks_for_more_of_the_id(staff_client):
    Customer.objects.bulk_create(Customer(customer_id=f"abcdef{n:058x}") for n in range(101))
    response = staff_client.get(PURCHASES, {"q": "abcdef"})
    assert listed(response) == []
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "More than 100 customer ids start with 'abcdef': type more of the id."
    ]
    response = staff_client.get(CUSTOMERS, {"q": "abcdef"})
    assert listed(response) == []
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "More than 100 customer ids start with 'abcdef': type more of the id."
    ]


def test_a_login_is_found_when_a_crowd_of_ids_starts_with_the_term(staff_client):
    Customer.objects.bulk_create(Customer(customer_id=f"abcdef{n:058x}") for n in range(101))
    login = CustomerFactory(user=UserFactory(username="abcdefine"))
    assert listed(staff_client.get(CUSTOMERS, {"q": "abcdef"})) == [login]


def test_a_term_in_a_crowd_of_logins_that_also_starts_an_id_reads_a_capped_number(staff_client, rf):
    # Digits are common in usernames and emails, and six of them may start a customer id: every
    # login customer was read into the page's query.
    crowd_size = MAX_LOGIN_CUSTOMERS + 5
    fans = [CustomerFactory(user=UserFactory(username=f"fan123456x{n}")) for n in range(crowd_size)]
    by_id = CustomerFactory(customer_id="123456" + "f" * 58)
    request = rf.get(CUSTOMERS, {"q": "123456"})
    request._messages = CookieStorage(request)
    found, _ = CustomerAdmin(Customer, None).get_search_results(request, Customer.objects.all(), "123456")
    assert set(found) == {by_id, *fans[:MAX_LOGIN_CUSTOMERS]}
    response = staff_client.get(CUSTOMERS, {"q": "123456"})
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        f"More than {MAX_LOGIN_CUSTOMERS} logins contain '123456': the customers of the first "
        f"{MAX_LOGIN_CUSTOMERS} are listed. Type more of the username or email."
    ]


def test_the_customers_of_matching_logins_are_read_by_their_login_never_by_walking_the_customers(rf, crowd):
    # Capped with ORDER BY pk LIMIT over a subquery of the logins, PostgreSQL may walk the customer
    # primary key until it meets enough of them, and reads every customer when fewer match: it did
    # over 1.4M customers when it guessed many matches. Without sorts it takes that walk here.
    CustomerFactory(user=UserFactory(username="facade42"))
    executed = []

    def record(execute, sql, params, many, context):
        executed.append((sql, params))
        return execute(sql, params, many, context)

    request = rf.get(CUSTOMERS)
    request._messages = CookieStorage(request)
    with connection.execute_wrapper(record):
        assert len(customer_pks_by_login(request, "facade")) == 1
    plans = [query_plan(sql, params, switched_off=("sort", "seqscan")) for sql, params in executed]
    assert not any("accounts_customer_pkey" in plan for plan in plans), "\n\n".join(plans)


def test_the_short_id_of_an_erased_customer_asks_for_the_whole_id(staff_client):
    alice = CustomerFactory()
    customer_erase(customer=alice)
    response = staff_client.get(ERASED, {"q": alice.customer_id})
    digest = ErasedCustomer.digest_of(alice.customer_id)
    assert [erased.customer_id_sha256 for erased in listed(response)] == [digest]
    assert list(get_messages(response.wsgi_request)) == []
    response = staff_client.get(ERASED, {"q": alice.customer_id[:12]})
    assert listed(response) == []
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "To check whether a customer was erased, paste their whole customer id (64 characters); "
        "shorter terms match the start of the SHA-256 listed here."
    ]
