"""Writes that span users and customers."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.models import Customer

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
