"""Account pages: sign-up, the account page with purchase history, password change, the data
download and account deletion. Login and logout are Django's own views with the shop's templates
and a message saying what happened (see urls.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import admin, messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.forms import (
    AccountDeleteForm,
    AdminLoginForm,
    CountedAdminPasswordChangeForm,
    CountedPasswordChangeForm,
    SignUpForm,
)
from accounts.selectors import customer_data_export, customer_for_user, purchase_history_page
from accounts.services import account_delete, customer_sign_up
from storefront.throttles import SIGN_UP_REFUSED, SignUpThrottle, throttled_page


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    next_page = _page_to_go_back_to(request)
    if request.user.is_authenticated:
        return HttpResponseRedirect(next_page or reverse("accounts:account"))
    form = SignUpForm(request.POST or None)
    if request.method == "POST":
        # Counted before the form is checked: its checks say whether an email address has an
        # account here, which must not be asked of the shop at speed.
        throttled = throttled_page(
            request,
            lambda message: _refused_sign_up(request, message),
            throttles=[SignUpThrottle],
            refused=SIGN_UP_REFUSED,
        )
        if throttled is not None:
            return throttled
    if request.method == "POST" and form.is_valid():
        user = customer_sign_up(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend="accounts.login_limits.LoginLimitBackend")
        messages.success(request, "Welcome! Your account is ready.")
        # Not redirect(): it takes a slash-free, dot-free `next` ("welcome") for a URL name, and
        # its failing reverse() answered 500 after the account was made and logged in.
        return HttpResponseRedirect(next_page or reverse("accounts:account"))
    return render(request, "accounts/signup.html", {"form": form, "next": next_page})


def _page_to_go_back_to(request: HttpRequest) -> str:
    """The shop's page a shopper signing up came from (`next`, as logging in takes it), or ""
    for none, another site's or a relative one: the shop's links give a path, and "welcome"
    would lead from the sign-up page to /accounts/signup/welcome, a 404."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if _is_a_path_on_this_site(request, target) else ""


def _is_a_path_on_this_site(request: HttpRequest, target: str) -> bool:
    on_this_site = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return on_this_site and target.startswith("/")


def _refused_sign_up(request: HttpRequest, message: str) -> HttpResponse:
    """The form back unchecked, with what was typed but the passwords, and why it was refused."""
    unchecked = SignUpForm(initial={name: request.POST.get(name, "") for name in ("username", "email")})
    return render(
        request,
        "accounts/signup.html",
        {"form": unchecked, "refused": message, "next": _page_to_go_back_to(request)},
    )


@require_safe
@login_required
def account(request: HttpRequest) -> HttpResponse:
    customer = customer_for_user(request.user)
    page = purchase_history_page(customer, request.GET.get("page")) if customer else None
    context = {
        "customer": customer,
        "page_obj": page,
        "purchases": page.object_list if page else [],
        "page_range": list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
        if page
        else [],
    }
    return render(request, "accounts/account.html", context)


def _signed_in_user(request: HttpRequest) -> User:
    # Only a signed-in user gets past login_required.
    assert isinstance(request.user, User)
    return request.user


@require_safe
@never_cache
@login_required
def account_data(request: HttpRequest) -> HttpResponse:
    """The signed-in customer's data as a JSON file (the same as GET /api/v1/me/data/)."""
    response = JsonResponse(customer_data_export(_signed_in_user(request)), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="my-data-{timezone.localdate():%Y-%m-%d}.json"'
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def account_delete_page(request: HttpRequest) -> HttpResponse:
    user = _signed_in_user(request)
    form = AccountDeleteForm(request.POST or None, request=request, user=user)
    if request.method == "POST" and form.is_valid():
        account_delete(user=user)
        logout(request)
        messages.success(request, "Your account and everything the shop held about you have been deleted.")
        return redirect("catalog:home")
    context = {"form": form, "customer": customer_for_user(user)}
    return render(request, "accounts/account_delete.html", context)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change. The login's API tokens end with the save of the new password
    (accounts/password_changes.py: a key taken, or stolen, under the old password must not outlive
    it); other browser sessions end through Django's own session hash."""

    template_name = "accounts/password_change.html"
    # The current password is checked as a login is, within the login limits.
    form_class = CountedPasswordChangeForm

    def get_form_kwargs(self) -> dict[str, object]:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        # The new password and the end of its tokens together, or neither.
        with transaction.atomic():
            return super().form_valid(form)


def admin_password_change(request: HttpRequest) -> HttpResponseBase:
    """The admin's "Change password" for the staff member signed in: AdminSite.password_change with
    the current password checked within the login limits. Routed before admin.site.urls, at the same
    address, so the admin's links lead here.

    A copy of AdminSite.password_change's few lines rather than a call to it: that method names its
    form class and Django's PasswordChangeView in its body (no site attribute or argument changes
    either), and that view gives its form no request, which the login limits count by."""
    request.current_app = admin.site.name
    view = PasswordChangeView.as_view(
        form_class=CountedAdminPasswordChangeForm,
        template_name="registration/password_change_form.html",
        success_url=reverse_lazy("admin:password_change_done"),
        extra_context=admin.site.each_context(request),
    )
    return view(request)


class _PathOnlyNext(auth_views.RedirectURLMixin):
    """`next` taken only as a path on this site, as sign-up takes it: Django's views follow a
    relative one ("welcome") from their own page, to /accounts/login/welcome, a 404. Nor back to
    the page itself: a signed-in shopper reloading the login page was refused as a loop (a 500).
    Any other `next` is the view's default (get_default_redirect_url)."""

    request: HttpRequest  # the view's, which this mixin goes beside

    def get_redirect_url(self) -> str:
        target: str = super().get_redirect_url()
        # Its path, whatever the query: "/admin/login/?next=/admin/login/" is this page again.
        this_page = urlsplit(target).path == self.request.path
        return target if _is_a_path_on_this_site(self.request, target) and not this_page else ""


class LoginView(_PathOnlyNext, auth_views.LoginView):
    """Django's login, saying who is now logged in: back on the page they came from, the header's
    "Account" in place of "Log in" was the only sign that it worked."""

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, f"You are logged in as {form.get_user().get_username()}.")
        return response


class LogoutView(_PathOnlyNext, auth_views.LogoutView):
    """Django's logout, saying that it happened (the home page it lands on looks the same either
    way). The message goes in its cookie: the session it would otherwise use has just ended."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        was_logged_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_logged_in:
            messages.info(request, "You have logged out.")
        return response


class AdminLoginView(_PathOnlyNext, auth_views.LoginView):
    """The admin's login: Django's LoginView as AdminSite.login sets it up, with `next` taken as
    the shop's login takes it (_PathOnlyNext) and the reasons it gives (AdminLoginForm).

    AdminSite.login followed a relative `next` ("welcome", to /admin/login/welcome, a 404) and any
    address on this host, and one it refused (another site's) sent staff to LOGIN_REDIRECT_URL,
    the shop's account page: the admin's index here, where the admin goes when none is given."""

    form_class = AdminLoginForm
    template_name = "admin/login.html"

    def get(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        # As AdminSite.login: staff signed in already have nothing to log in to. Not
        # redirect_authenticated_user: a shopper signed in is sent here by every admin page, and
        # is told on it that their login is not staff's.
        if admin.site.has_permission(request):
            return HttpResponseRedirect(self.get_default_redirect_url())
        return super().get(request, *args, **kwargs)

    def get_default_redirect_url(self) -> str:
        return reverse("admin:index", current_app=admin.site.name)

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        # The form carries where the login will lead, a refused `next` replaced, so that the page
        # shows no address it will not follow.
        return {**super().get_context_data(**kwargs), self.redirect_field_name: self.get_success_url()}


@require_http_methods(["GET", "HEAD", "POST"])
def admin_login(request: HttpRequest) -> HttpResponseBase:
    """The admin's login page, AdminSite.login with AdminLoginView. Routed before admin.site.urls,
    at the same address, so the admin's links and redirects lead here.

    AdminSite.login's few lines rather than a call to it, as admin_password_change does: it names
    Django's LoginView in its body and rewrites no `next`."""
    request.current_app = admin.site.name
    view = AdminLoginView.as_view(
        extra_context={
            **admin.site.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
        }
    )
    return view(request)
