from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

from accounts import login_limits


class LoginForm(AuthenticationForm):
    """Django's login form that says so when failed logins have reached their limit."""

    def clean(self) -> dict[str, object]:
        username = self.cleaned_data.get("username")
        if username and self.request is not None and login_limits.logins_refused(self.request, username):
            raise forms.ValidationError(login_limits.refused_message(), code="too_many_failures")
        return super().clean()


class SignUpForm(UserCreationForm):
    email = forms.EmailField(required=True, help_text="For order confirmations; never shown to others.")

    class Meta:
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email address exists already. Log in instead?")
        return email
