from django.urls import URLPattern, URLResolver, path
from rest_framework.authtoken.views import obtain_auth_token

from accounts import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/", api.MeView.as_view(), name="api-me"),
    path("me/purchases/", api.MyPurchasesView.as_view(), name="api-me-purchases"),
    # POST username + password → {"token": ...}; send it as `Authorization: Token <token>`.
    path("auth/token/", obtain_auth_token, name="api-token"),
]
