from django.urls import URLPattern, URLResolver, path

from recommendations import views

app_name = "recommendations"

urlpatterns: list[URLPattern | URLResolver] = [
    path("shop-the-look/", views.shop_the_look, name="shop-the-look"),
]
