"""factory_boy factories for the shop's models. Append new ones; keep existing names stable."""

from __future__ import annotations

import datetime as dt
import hashlib

import factory
from django.contrib.auth import get_user_model

from accounts.models import Customer, Purchase
from catalog.models import Article

INDEX_GROUPS = [(1, "Ladieswear"), (2, "Divided"), (3, "Menswear"), (4, "Baby/Children"), (26, "Sport")]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"shopper{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    # Hashed before the row is saved, so the stored hash matches (a post-generation set_password
    # without a save left the database with none, and force_login sessions were then rejected).
    password = factory.django.Password("correct-horse-battery")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        # set_password only changes the object; unsaved, the row keeps no usable password and
        # Client.force_login's session hash never matches it, so the "logged in" user is anonymous.
        if create and results:
            instance.save(update_fields=["password"])


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    # Far from the ids tests pick by hand (H&M's own, 0108775015 and its neighbours): from the same
    # range, the session's count reached one of them now and then, and the test that had picked it
    # failed on a duplicate key depending on which tests had run before.
    article_id = factory.Sequence(lambda n: 700000000 + n)
    # Each article its own product unless a test says otherwise: colour variants share a product
    # code, and search shows one card per product (article_id // 1000 made most of a test's
    # articles colours of one product).
    # Far from the product codes tests pick by hand (the photo catalogue's 500000-500801, say), as
    # article_id is.
    product_code = factory.Sequence(lambda n: 700000 + n)
    prod_name = factory.Sequence(lambda n: f"Strap top {n}")
    product_type_no = 253
    product_type_name = "Vest top"
    product_group_name = "Garment Upper body"
    graphical_appearance_no = 1010016
    graphical_appearance_name = "Solid"
    colour_group_code = 9
    colour_group_name = "Black"
    perceived_colour_value_id = 4
    perceived_colour_value_name = "Dark"
    perceived_colour_master_id = 5
    perceived_colour_master_name = "Black"
    department_no = 1676
    department_name = "Jersey Basic"
    index_code = "A"
    index_name = "Ladieswear"
    index_group_no = 1
    index_group_name = "Ladieswear"
    section_no = 16
    section_name = "Womens Everyday Basics"
    garment_group_no = 1002
    garment_group_name = "Jersey Basic"
    detail_desc = "Jersey top with narrow shoulder straps."
    slug = factory.LazyAttribute(lambda article: Article.make_slug(article))
    price = 0.0169
    first_sold_on = dt.date(2020, 9, 1)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    customer_id = factory.Sequence(lambda n: hashlib.sha256(f"customer-{n}".encode()).hexdigest())
    fn = None
    active = None
    club_member_status = "ACTIVE"
    fashion_news_frequency = "NONE"
    age = 29
    postal_code = factory.Sequence(lambda n: hashlib.sha256(f"postal-{n}".encode()).hexdigest())


class PurchaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Purchase

    t_dat = dt.date(2020, 9, 15)
    customer = factory.SubFactory(CustomerFactory)
    article = factory.SubFactory(ArticleFactory)
    price = 0.0169
    sales_channel_id = 2


class StaffUserFactory(UserFactory):
    """Staff with the training permissions (the admin's "ML operations" role)."""

    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True

    @factory.post_generation
    def training_permissions(self, create, extracted, **kwargs):
        if not create:
            return
        from django.contrib.auth.models import Permission

        self.user_permissions.add(*Permission.objects.filter(content_type__app_label="recommendations"))
