"""Every admin list runs as many queries for a page of many rows as for a page of two: no query
per row (a related object, a count) that would turn a page of 100 into 100 round trips."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import ErasedCustomer
from recommendations.models import ModelVersion, TrainingRun
from tests.factories import ArticleFactory, CustomerFactory, PurchaseFactory, UserFactory

pytestmark = pytest.mark.django_db

FEW, MANY = 2, 12


def customers(count):
    for _ in range(count):
        CustomerFactory(user=UserFactory())


def purchases(count):
    PurchaseFactory.create_batch(count)


def articles(count):
    ArticleFactory.create_batch(count)


def erased(count):
    start = ErasedCustomer.objects.count()
    for number in range(start, start + count):
        ErasedCustomer.objects.create(customer_id_sha256=ErasedCustomer.digest_of(f"erased-{number}"))


def runs(count):
    """Finished runs by staff, each with the version it published, the last one active; every
    other one held back by the quality gate (its badge reads whether staff activated it since)."""
    for number in range(count):
        run = TrainingRun.objects.create(
            kind="trending",
            status="succeeded",
            metrics={"map12": 0.1},
            triggered_by=UserFactory(),
            held_back=number % 2 == 0,
        )
        version = ModelVersion.objects.filter(kind="trending").count() + 1
        ModelVersion.objects.filter(kind="trending").update(is_active=False)
        ModelVersion.objects.create(
            kind="trending",
            version=version,
            path=f"trending/v{version:04d}",
            format_version=1,
            run=run,
            is_active=True,
            activated_by=run.triggered_by,
            activated_at=timezone.now() if number % 4 == 0 else None,
        )


def groups(count):
    for number in range(Group.objects.count(), Group.objects.count() + count):
        Group.objects.create(name=f"group {number}")


LISTS = {
    "/admin/accounts/customer/": customers,
    "/admin/accounts/purchase/": purchases,
    "/admin/catalog/article/": articles,
    "/admin/accounts/erasedcustomer/": erased,
    "/admin/auth/user/": customers,  # each with its login
    "/admin/recommendations/trainingrun/": runs,
    "/admin/recommendations/modelversion/": runs,
    "/admin/recommendations/trainingschedule/": lambda count: None,
    "/admin/auth/group/": groups,
}


@pytest.mark.parametrize("url", list(LISTS))
def test_an_admin_list_runs_the_same_queries_for_many_rows_as_for_few(staff_client, queries_for, url):
    LISTS[url](FEW)
    queries_for(staff_client, url)  # caches warmed (filter choices, sessions)
    few = queries_for(staff_client, url)
    LISTS[url](MANY - FEW)
    many = queries_for(staff_client, url)
    assert len(many) == len(few), "\n".join(many)
