"""Writes that span users and customers."""

from __future__ import annotations

import secrets

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from rest_framework.authtoken.models import Token

from accounts.models import Customer, ErasedCustomer, Purchase

# H&M customer ids are 64 hex characters (a sha256); new shoppers get ids of the same shape.
CUSTOMER_ID_BYTES = 32


def new_customer_id() -> str:
    return secrets.token_hex(CUSTOMER_ID_BYTES)


def customer_sign_up(*, username: str, email: str, password: str) -> User:
    """Create a login and the customer record it shops as, together or not at all."""
    with transaction.atomic():
        user = get_user_model().objects.create_user(username=username, email=email, password=password)
        Customer.objects.create(
            customer_id=new_customer_id(),
            user=user,
            club_member_status="ACTIVE",
            fashion_news_frequency="NONE",
        )
    return user


def user_tokens_revoke(*, user: User) -> int:
    """Deletes the user's API tokens; the next token login gets a new key. Returns how many."""
    deleted, _ = Token.objects.filter(user_id=user.pk).delete()
    return deleted


def customer_erase(*, customer: Customer) -> None:
    """Erases a customer at their request (GDPR art. 17), in one transaction: their purchases, the
    customer record and its login (whose API tokens go with it; its browser sessions stop being
    signed in, since they name a user that no longer exists). What stays is a tombstone holding
    a SHA-256 of H&M's customer_id, so that importing the same csv files again skips the person.
    """
    with transaction.atomic():
        # Purchases before the tombstone: a purchase import locks the purchase table first and the
        # tombstones after it (catalog/importer/erased_customers.py); the same order here means an
        # erasure waits for an import, or an import for an erasure, and never both for each other.
        Purchase.objects.filter(customer_id=customer.pk).delete()
        ErasedCustomer.objects.get_or_create(
            customer_id_sha256=ErasedCustomer.digest_of(customer.customer_id)
        )
        user_id = customer.user_id
        _admin_history_forget(Customer, customer.pk)
        customer.delete()
        if user_id is not None:
            _admin_history_forget(get_user_model(), user_id)
            get_user_model().objects.filter(pk=user_id).delete()


def account_delete(*, user: User) -> None:
    """A login closed by its owner (or by staff): erased with its customer record when it has one
    (customer_erase), otherwise simply deleted."""
    customer = Customer.objects.filter(user_id=user.pk).first()
    if customer is None:
        with transaction.atomic():
            _admin_history_forget(get_user_model(), user.pk)
            user.delete()
    else:
        customer_erase(customer=customer)


ERASED_REPR = "(erased)"


def _admin_history_forget(model: type[Model], pk: int) -> None:
    """Blanks what the admin's history wrote about the record: its name (a customer's id, a
    username) and the change messages. The entries stay, so staff still see that someone
    changed or deleted a record, and when; the admin's deletion entry, written just before the
    delete, is blanked too."""
    LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model), object_id=str(pk)).update(
        object_repr=ERASED_REPR, change_message=""
    )
