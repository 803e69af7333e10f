from django.urls import URLPattern, URLResolver, path

from accounts import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/", api.MeView.as_view(), name="api-me"),
    path("me/purchases/", api.MyPurchasesView.as_view(), name="api-me-purchases"),
    path("me/data/", api.MyDataView.as_view(), name="api-me-data"),
    # POST username + password → {"token": ...}; send it as `Authorization: Token <token>`.
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    # POST with the token (or a session) → 204; the key no longer works.
    path("auth/token/revoke/", api.TokenRevokeView.as_view(), name="api-token-revoke"),
]
