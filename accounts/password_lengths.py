"""The longest password the shop takes, checked before any password is hashed.

A login sent a 5 MB password: it was parsed, run character by character through DRF's check for
surrogates on the token login, then hashed (PBKDF2's million rounds; for an unknown username too,
as Django hashes one anyway to keep the timing even) before it was refused, seconds of a web
thread's CPU for one request. Sign-up and the password change took one and stored it, so every
later login of that account would have paid again.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError

# The limit Django itself held from 1.4.8 to 1.6 (CVE-2013-1443, denial of service through long
# passwords): passphrases and password managers' longest (a few hundred characters) fit well within.
MAX_PASSWORD_LENGTH = 4096
PASSWORD_TOO_LONG = f"Passwords are at most {MAX_PASSWORD_LENGTH} characters."
PASSWORD_TOO_LONG_CODE = "password_too_long"  # noqa: S105 (an error code)


def password_too_long(password: str | None) -> bool:
    return password is not None and len(password) > MAX_PASSWORD_LENGTH


class MaximumLengthValidator:
    """AUTH_PASSWORD_VALIDATORS' check of a new password (sign-up, password change, the admin's
    forms): none is stored that no login would take."""

    def validate(self, password: str, user: AbstractBaseUser | None = None) -> None:
        if password_too_long(password):
            raise ValidationError(PASSWORD_TOO_LONG, code=PASSWORD_TOO_LONG_CODE)

    def get_help_text(self) -> str:
        return f"Your password cannot be longer than {MAX_PASSWORD_LENGTH} characters."
