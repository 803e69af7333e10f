"""Demo logins: a staff user and a few shoppers linked to customers with long purchase histories.

DEMO ONLY. The passwords are fixed and printed so that anyone trying the demo can log in; never
run this against a shop with real customers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count

from accounts.models import Customer, Purchase

STAFF_USERNAME = "admin"
# Published on purpose (README, command output): these logins exist only in the demo.
STAFF_PASSWORD = "demo-admin-password"  # noqa: S105
SHOPPER_PASSWORD = "demo-shopper-password"  # noqa: S105
SHOPPERS = 3
# Customers considered for the shopper logins: the most active ones, picked across index groups
# so that the demo shows different tastes.
CANDIDATES = 200


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    staff: bool
    customer_id: str = ""
    purchases: int = 0
    favourite_group: str = ""


def demo_users_ensure() -> list[DemoLogin]:
    """Creates or refreshes the demo logins (same names and passwords every run); returns them."""
    with transaction.atomic():
        logins = [_ensure_staff()]
        for number, customer in enumerate(_shopper_customers(), start=1):
            logins.append(_ensure_shopper(f"shopper{number}", customer))
    return logins


def _ensure_staff() -> DemoLogin:
    user = _user(STAFF_USERNAME)
    user.is_staff = True
    user.is_superuser = True
    user.set_password(STAFF_PASSWORD)
    user.save(update_fields=["is_staff", "is_superuser", "password"])
    return DemoLogin(STAFF_USERNAME, STAFF_PASSWORD, staff=True)


def _user(username: str) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
    return user


def _shopper_customers() -> list[Customer]:
    """Customers for shopper1..N: those already linked stay; the rest are picked fresh."""
    chosen: list[Customer] = []
    for number in range(1, SHOPPERS + 1):
        linked = Customer.objects.filter(user__username=f"shopper{number}").first()
        if linked is not None:
            chosen.append(linked)
    busiest = list(
        Purchase.objects.filter(customer__user__isnull=True)
        .values("customer_id")
        .annotate(purchases=Count("id"))
        .order_by("-purchases", "customer_id")
        .values_list("customer_id", flat=True)[:CANDIDATES]
    )
    groups = _favourite_groups(busiest)
    seen_groups = {groups.get(customer.pk) for customer in chosen}
    # First one customer per favourite index group, then the busiest of the rest.
    for candidate in busiest:
        if len(chosen) >= SHOPPERS:
            break
        if groups.get(candidate) not in seen_groups:
            seen_groups.add(groups.get(candidate))
            chosen.append(Customer(pk=candidate))
    for candidate in busiest:
        if len(chosen) >= SHOPPERS:
            break
        if all(customer.pk != candidate for customer in chosen):
            chosen.append(Customer(pk=candidate))
    return [Customer.objects.get(pk=customer.pk) for customer in chosen[:SHOPPERS]]


def _favourite_groups(customer_pks: list[int]) -> dict[int, str]:
    counts = (
        Purchase.objects.filter(customer_id__in=customer_pks)
        .values("customer_id", "article__index_group_name")
        .annotate(purchases=Count("id"))
        .order_by("customer_id", "-purchases", "article__index_group_name")
        .values_list("customer_id", "article__index_group_name", "purchases")
    )
    favourite: dict[int, str] = {}
    for customer_pk, group, _purchases in counts:
        favourite.setdefault(customer_pk, group)
    return favourite


def _ensure_shopper(username: str, customer: Customer) -> DemoLogin:
    user = _user(username)
    user.set_password(SHOPPER_PASSWORD)
    user.save(update_fields=["password"])
    if customer.user_id != user.pk:
        Customer.objects.filter(user=user).exclude(pk=customer.pk).update(user=None)
        customer.user = user
        customer.save(update_fields=["user"])
    purchases = customer.purchases.count()
    return DemoLogin(
        username,
        SHOPPER_PASSWORD,
        staff=False,
        customer_id=customer.customer_id,
        purchases=purchases,
        favourite_group=_favourite_groups([customer.pk]).get(customer.pk, ""),
    )
