from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm, AdminPasswordChangeForm
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, UserCreationForm
from django.contrib.auth.models import User
from django.http import HttpRequest

from accounts import login_limits
from accounts.admin_search import CUSTOMER_ID_LENGTH, HEX_DIGITS
from accounts.limits import MAX_AGE, MIN_AGE
from accounts.models import Customer
from accounts.password_lengths import PASSWORD_TOO_LONG, PASSWORD_TOO_LONG_CODE, password_too_long

# The code of a refusal at the login limits, apart from a wrong password (the API answers it with 429).
TOO_MANY_FAILURES = "too_many_failures"


class LoginForm(AuthenticationForm):
    """Django's login form that says so when failed logins have reached their limit."""

    def clean(self) -> dict[str, object]:
        username = self.cleaned_data.get("username")
        if username and self.request is not None and login_limits.logins_refused(self.request, username):
            raise forms.ValidationError(login_limits.refused_message(), code=TOO_MANY_FAILURES)
        return super().clean()

    def clean_password(self) -> str:
        # Said as it is: the backend refuses it unhashed, which the form would call a wrong password.
        password: str = self.cleaned_data["password"]
        if password_too_long(password):
            raise forms.ValidationError(PASSWORD_TOO_LONG, code=PASSWORD_TOO_LONG_CODE)
        return password

    def get_invalid_login_error(self) -> forms.ValidationError:
        # authenticate() answers None both for a wrong password and for a login the limits refused
        # (a store full while Redis is down, a count reached by attempts at once): the right
        # password was reported as wrong.
        if self.request is not None and login_limits.refused_by_the_limits(self.request):
            return forms.ValidationError(login_limits.refused_message(), code=TOO_MANY_FAILURES)
        return super().get_invalid_login_error()


class AdminLoginForm(LoginForm, AdminAuthenticationForm):
    """The admin's login form (staff only, in the admin's words) saying why it refuses as the
    shop's does: the backend's refusal of a password too long or of a login past the limits reads
    as a wrong password otherwise."""


class SignUpForm(UserCreationForm):
    email = forms.EmailField(
        required=True,
        help_text="For order confirmations; never shown to others.",
        # Browsers and password managers fill it in (WCAG 1.3.5), as they do the other fields.
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta:
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email address exists already. Log in instead?")
        return email


WRONG_PASSWORD = "That is not your password."  # noqa: S105 (a message, not a password)


def password_confirms(request: HttpRequest, user: User, password: str) -> bool:
    """Whether `password` is the signed-in user's, checked as a login is: failures count towards
    the login limits (accounts/login_limits.py), so a session left open cannot be used to guess it."""
    confirmed = authenticate(request, username=user.get_username(), password=password)
    return confirmed is not None and confirmed.pk == user.pk


def check_current_password(request: HttpRequest, user: User, password: str, *, wrong: str, code: str) -> None:
    """A form field's check of the signed-in user's password (password_confirms), refused with
    the reason once the login limits are reached; `wrong` and `code` say it was not the password."""
    if password_too_long(password):  # refused unhashed by the backend: said as it is
        raise forms.ValidationError(PASSWORD_TOO_LONG, code=PASSWORD_TOO_LONG_CODE)
    if login_limits.logins_refused(request, user.get_username()):
        raise forms.ValidationError(login_limits.refused_message(), code=TOO_MANY_FAILURES)
    if not password_confirms(request, user, password):
        if login_limits.refused_by_the_limits(request):  # refused, not wrong
            raise forms.ValidationError(login_limits.refused_message(), code=TOO_MANY_FAILURES)
        raise forms.ValidationError(wrong, code=code)


class CountedPasswordChangeForm(PasswordChangeForm):
    """Django's password change, whose current password was checked with `check_password` alone:
    anyone at a session left open could guess it at full speed (30 wrong guesses in a row, none
    refused), then set their own. It is checked as a login is now."""

    def __init__(self, user: User, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        old_password: str = self.cleaned_data["old_password"]
        check_current_password(
            self.request,
            self.user,
            old_password,
            wrong=str(self.error_messages["password_incorrect"]),
            code="password_incorrect",
        )
        return old_password


class CountedAdminPasswordChangeForm(CountedPasswordChangeForm, AdminPasswordChangeForm):
    """The admin's "Change password" for the staff member signed in, checked the same way."""


class AccountDeleteForm(forms.Form):
    """Asks for the password before an account is deleted: a session left open is not enough."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request, self.user = request, user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        check_current_password(self.request, self.user, password, wrong=WRONG_PASSWORD, code="wrong_password")
        return password


# FN and Active as customers.csv writes them: H&M's file has "1.0" or nothing; "0.0" is the "no"
# that a file written by hand may give, and the importer takes it.
CSV_FLAG_CHOICES = [("", "blank"), ("1.0", "1.0"), ("0.0", "0.0")]


class CustomerCsvFlagField(forms.TypedChoiceField):
    """FN or Active of customers.csv as a choice of the values the file writes. The importer takes
    any number there, so a customer's stored value may be another one (0.5): CustomerAdminForm
    offers it too, selected, and a save that leaves it selected keeps it. A checkbox showed 0.0
    ticked and saved it as 1.0."""

    def __init__(self, *, column: str, **kwargs: Any) -> None:
        super().__init__(
            choices=CSV_FLAG_CHOICES,
            coerce=float,
            empty_value=None,
            required=False,
            label=column,
            help_text=f"As customers.csv's {column} column writes it.",
            **kwargs,
        )

    def offer_stored(self, value: float | None) -> None:
        """Adds a stored value that is none of the usual choices, so that it is shown and kept."""
        if value is not None and value not in (1.0, 0.0):
            # repr gives back the same float when coerced, so the kept value is the stored one.
            self.choices = [*CSV_FLAG_CHOICES, (repr(value), f"{value!r} (as stored)")]


class CustomerAdminForm(forms.ModelForm):
    """The admin's customer form. An id typed when adding one must be of the form staff find
    customers by: the list's search reads a whole id in lower case (and a start from six
    characters), and so does the staff API's lookup, so "hello" or an id in capitals was added
    and could not be found again. The id cannot be changed afterwards (CustomerAdmin)."""

    fn = CustomerCsvFlagField(column="FN")
    active = CustomerCsvFlagField(column="Active")
    # The model's PositiveSmallIntegerField took 300; the importer refuses what this refuses.
    age = forms.IntegerField(required=False, min_value=MIN_AGE, max_value=MAX_AGE)

    class Meta:
        model = Customer
        # Every field, as the admin's default form has (CustomerAdmin makes the id read-only once
        # added). A list here becomes the admin's whole form and hid each field added later.
        fields = "__all__"  # noqa: DJ007

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("fn", "active"):
            field = self.fields[name]
            assert isinstance(field, CustomerCsvFlagField)
            field.offer_stored(getattr(self.instance, name))

    def clean_customer_id(self) -> str:
        # An id pasted in capitals (or with a space) is the customer's id all the same.
        customer_id = self.cleaned_data["customer_id"].strip().lower()
        problem = customer_id_problem(customer_id)
        if problem:
            raise forms.ValidationError(
                f"{problem} A customer id is {CUSTOMER_ID_LENGTH} characters of 0-9 and a-f, as in "
                "customers.csv and as the shop gives a customer who signs up; staff and the API find "
                "a customer by it."
            )
        return customer_id


def customer_id_problem(customer_id: str) -> str | None:
    """What keeps a lower-case id from being a customer id, in words, or None."""
    if len(customer_id) != CUSTOMER_ID_LENGTH:
        return f"{customer_id!r} is {len(customer_id)} characters, not {CUSTOMER_ID_LENGTH}."
    for position, character in enumerate(customer_id, start=1):
        if character not in HEX_DIGITS:
            return f"{character!r} at position {position} is not 0-9 or a-f."
    return None
