"""The logged-in customer's own data: `GET /api/v1/me/`, `GET /api/v1/me/purchases/`,
`GET /api/v1/me/data/` (everything held about them) and `DELETE /api/v1/me/` (erasure); and
`POST /api/v1/auth/token/` for the key to send with them, `POST /api/v1/auth/token/revoke/` to end it.

Both read only `request.user`'s customer record; there is no id in the URL to tamper with, so a
customer can never reach another customer's purchases through these endpoints.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import generics, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import login_limits
from accounts.forms import TOO_MANY_FAILURES, WRONG_PASSWORD, check_current_password
from accounts.models import Customer, Purchase
from accounts.password_lengths import (
    MAX_PASSWORD_LENGTH,
    PASSWORD_TOO_LONG,
    PASSWORD_TOO_LONG_CODE,
    password_too_long,
)
from accounts.selectors import customer_data_export, customer_for_user
from accounts.services import account_delete, user_tokens_revoke
from catalog.api import ArticleSerializer
from catalog.pricing import display_price
from storefront.pagination import PageNumberPagination


def refuse_a_password_too_long(data: object) -> None:
    """400 for a `password` longer than any account's, before a serializer reads it: DRF's check
    for surrogates goes through a string character by character in Python (a second and a half
    for a 5 MB one), and the backend would refuse it anyway (accounts/password_lengths.py)."""
    password = data.get("password") if isinstance(data, Mapping) else None
    if isinstance(password, str) and password_too_long(password):
        raise serializers.ValidationError({"password": [PASSWORD_TOO_LONG]}, code=PASSWORD_TOO_LONG_CODE)


class LoggedInAPIView(APIView):
    """For views of the caller's own data. An anonymous caller gets 401 with how to authenticate
    (token authentication first in settings, the message from storefront.api_errors)."""

    permission_classes = [IsAuthenticated]

    @staticmethod
    def signed_in_user(request: Request) -> User:
        # Only a signed-in user gets past IsAuthenticated.
        assert isinstance(request.user, User)
        return request.user


@extend_schema_serializer(component_name="AuthToken")  # DRF's, whose password has no limit
class TokenSerializer(AuthTokenSerializer):
    password = serializers.CharField(
        label="Password",
        style={"input_type": "password"},
        trim_whitespace=False,
        write_only=True,
        # For the schema: refuse_a_password_too_long answers one first.
        max_length=MAX_PASSWORD_LENGTH,
    )


class TokenView(ObtainAuthToken):
    """DRF's username + password → token, answering 429 with the reason once failed logins from the
    caller's address or for the username have reached their limit (accounts/login_limits.py)."""

    serializer_class = TokenSerializer

    @extend_schema(
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(
                description=(
                    "The username and password do not match an account, or the password is longer "
                    f"than {MAX_PASSWORD_LENGTH} characters (no account's is)."
                )
            ),
            429: OpenApiResponse(description="Too many failed logins: the message says how long to wait."),
        }
    )
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        username = request.data.get("username") if isinstance(request.data, Mapping) else None
        if isinstance(username, str) and login_limits.logins_refused(request, username):
            raise Throttled(detail=login_limits.refused_message())
        refuse_a_password_too_long(request.data)
        try:
            return super().post(request, *args, **kwargs)
        except serializers.ValidationError:
            # authenticate() answers None for a login the limits refused too, not only a wrong
            # password: the backend marked the request.
            if login_limits.refused_by_the_limits(request):
                raise Throttled(detail=login_limits.refused_message()) from None
            raise


class TokenRevokeView(LoggedInAPIView):
    """Ends the caller's API token (a signed-out app, a lost device): requests sending it get 401,
    and the next POST /api/v1/auth/token/ hands out a new key."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        user_tokens_revoke(user=self.signed_in_user(request))
        return Response(status=204)


class CustomerSerializer(serializers.ModelSerializer[Customer]):
    class Meta:
        model = Customer
        fields = ["customer_id", "club_member_status", "fashion_news_frequency", "age"]


class MeSerializer(serializers.Serializer[object]):
    username = serializers.CharField()
    email = serializers.EmailField()
    is_staff = serializers.BooleanField()
    customer = CustomerSerializer(allow_null=True, help_text="Null for logins without a customer record.")


class PurchaseArticleSerializer(ArticleSerializer):
    class Meta(ArticleSerializer.Meta):
        fields = ["article_id", "name", "colour", "product_type", "thumbnail_url", "url"]


class PurchaseSerializer(serializers.ModelSerializer[Purchase]):
    date = serializers.DateField(source="t_dat")
    display_price = serializers.SerializerMethodField()
    article = PurchaseArticleSerializer()

    class Meta:
        model = Purchase
        fields = ["date", "price", "display_price", "sales_channel_id", "article"]

    def get_display_price(self, purchase: Purchase) -> str:
        return display_price(purchase.price)


class PurchasePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class PasswordSerializer(serializers.Serializer[object]):
    # min_length and max_length: the schema then says what is refused anyway, an empty password
    # (by DRF, as "blank") and one too long (by refuse_a_password_too_long, first).
    password = serializers.CharField(
        trim_whitespace=False,
        min_length=1,
        max_length=MAX_PASSWORD_LENGTH,
        help_text="The account's current password.",
    )


class MeView(LoggedInAPIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user = request.user
        data = {
            "username": user.get_username(),
            "email": getattr(user, "email", ""),
            "is_staff": user.is_staff,
            "customer": customer_for_user(user),
        }
        return Response(MeSerializer(data, context={"request": request}).data)

    @extend_schema(
        request=PasswordSerializer,
        responses={
            204: OpenApiResponse(description="The account and everything held about it are deleted."),
            400: OpenApiResponse(
                description=(
                    "No password was sent, an empty one, or one longer than "
                    f"{MAX_PASSWORD_LENGTH} characters."
                )
            ),
            403: OpenApiResponse(description="The password is wrong."),
            429: OpenApiResponse(description="Too many wrong passwords (the login limits)."),
            # It erases a customer, which waits for an import's lock a few seconds at most.
            503: OpenApiResponse(description="An import is running: nothing was deleted; try again."),
        },
    )
    def delete(self, request: Request) -> Response:
        """Deletes the caller's login, customer record and purchases for good (their erasure), after
        checking their password; the token used stops working."""
        user = self.signed_in_user(request)
        refuse_a_password_too_long(request.data)
        serializer = PasswordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password = serializer.validated_data["password"]
        try:
            check_current_password(request, user, password, wrong=WRONG_PASSWORD, code="wrong_password")
        except ValidationError as refused:
            # Past the login limits a 429, as the token login answers; a wrong password a 403.
            if refused.code == TOO_MANY_FAILURES:
                raise Throttled(detail=refused.message) from None
            raise PermissionDenied(refused.message) from None
        account_delete(user=user)
        return Response(status=204)


class LoginDataSerializer(serializers.Serializer[object]):
    username = serializers.CharField()
    email = serializers.EmailField()
    date_joined = serializers.DateTimeField()


class CustomerDataSerializer(serializers.ModelSerializer[Customer]):
    class Meta:
        model = Customer
        exclude = ["id", "user"]


class PurchaseDataSerializer(serializers.Serializer[object]):
    date = serializers.DateField()
    article_id = serializers.CharField(help_text="Zero-padded to 10 digits.")
    name = serializers.CharField()
    price = serializers.FloatField(help_text="As in the H&M data set (scaled).")
    display_price = serializers.CharField()
    sales_channel_id = serializers.IntegerField()


class MyDataSerializer(serializers.Serializer[object]):
    login = LoginDataSerializer()
    customer = CustomerDataSerializer(allow_null=True, help_text="Null for logins without a customer record.")
    purchases = PurchaseDataSerializer(many=True, help_text="Every purchase, oldest first.")


class MyDataView(LoggedInAPIView):
    """Everything the shop holds about the caller, the file the account page's "Download my data"
    gives."""

    @extend_schema(responses=MyDataSerializer)
    def get(self, request: Request) -> Response:
        response = Response(customer_data_export(self.signed_in_user(request)))
        response["Cache-Control"] = "no-store"
        return response


class MyPurchasesView(LoggedInAPIView, generics.ListAPIView[Purchase]):
    """The logged-in customer's purchases, newest first (empty for logins without a customer)."""

    serializer_class = PurchaseSerializer
    pagination_class = PurchasePagination

    def get_queryset(self) -> QuerySet[Purchase]:
        customer = customer_for_user(self.request.user)
        return Purchase.objects.for_customer(customer) if customer else Purchase.objects.none()
