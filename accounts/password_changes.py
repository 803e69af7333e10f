"""API tokens end with the password they were taken under, however it changes.

A password can change through the account page, the admin's "change password" form (which can also
turn password logins off), `manage.py changepassword`, a password reset or code calling
`set_password`. All of them end in saving the user, so the user model's post_save is the one place
that sees every one; views and commands need not remember to revoke.

It must not fire on other saves: a login's `last_login` update, a staff member editing a name, or
Django re-hashing a correct password with a newer hasher at login (`check_password`'s upgrade,
which Django itself says is no password change). Django marks a real change the way its own
`password_changed` hook reads it: `set_password` keeps the raw password on the instance until the
save, and the upgrade path clears that mark before saving.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models.signals import post_save

from accounts.services import user_tokens_revoke


def password_was_set(user: User) -> bool:
    """Whether this save stores a new password: one set with set_password (the mark Django's
    AbstractBaseUser.save reads to call password_changed), or password logins turned off."""
    return getattr(user, "_password", None) is not None or not user.has_usable_password()


def end_tokens_on_password_change(
    sender: type[User],
    instance: User,
    created: bool,
    raw: bool,
    update_fields: frozenset[str] | None,
    **_kwargs: Any,
) -> None:
    """post_save receiver of the user model: a new password ends the user's API tokens."""
    # A new user has no tokens yet; a fixture load (raw) is no password change.
    if created or raw:
        return
    if update_fields is not None and "password" not in update_fields:
        return
    if password_was_set(instance):
        user_tokens_revoke(user=instance)


def install() -> None:
    post_save.connect(
        end_tokens_on_password_change,
        sender=settings.AUTH_USER_MODEL,
        dispatch_uid="accounts.password_changes",
    )
