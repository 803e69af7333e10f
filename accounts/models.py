"""Customers (rows of `customers.csv`) and their purchases (rows of `transactions_train.csv`)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models

from accounts.limits import PRICE_CEILING
from catalog.models import Article


class Customer(models.Model):
    # A compact integer primary key keeps the 31.8M-row purchase table and its indexes small;
    # H&M's 64-hex id is kept unique beside it.
    customer_id = models.CharField(max_length=64, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="customer"
    )
    # The columns of customers.csv. H&M leaves many blank, hence the nulls.
    fn = models.FloatField(null=True, blank=True)
    active = models.FloatField(null=True, blank=True)
    club_member_status = models.CharField(max_length=32, blank=True)
    fashion_news_frequency = models.CharField(max_length=32, blank=True)
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    postal_code = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return self.customer_id[:12]


class PurchaseQuerySet(models.QuerySet["Purchase"]):
    def for_customer(self, customer: Customer) -> PurchaseQuerySet:
        return self.filter(customer=customer).select_related("article").order_by("-t_dat", "-id")


class Purchase(models.Model):
    """One row of transactions_train.csv: a customer bought an article on a date."""

    t_dat = models.DateField()
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="purchases", db_index=False)
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="purchases")
    price = models.FloatField()
    sales_channel_id = models.PositiveSmallIntegerField()

    objects = PurchaseQuerySet.as_manager()

    class Meta:
        indexes = [
            # The account page and buy-again read a customer's purchases newest first.
            models.Index(fields=["customer", "-t_dat"], name="purchase_customer_date"),
            # Trending, evaluation splits and the importer's replace-by-date read by date.
            models.Index(fields=["t_dat"], name="purchase_date"),
        ]
        constraints = [
            # Non-negative and finite: 1e308 is below the largest double, and PostgreSQL sorts NaN and
            # Infinity above every number, so both fail. The importer's COPY relies on this check.
            models.CheckConstraint(
                condition=models.Q(price__gte=0, price__lte=PRICE_CEILING), name="purchase_price_valid"
            ),
        ]

    def __str__(self) -> str:
        # The customer as the pages show them (the start of H&M's id), not the row's key: staff
        # searching for the customer had only the id. Article ids as the data writes them, padded.
        # It reads the customer: a page naming many purchases selects it with them
        # (catalog.admin.sold_articles_refusal; the purchase list's list_select_related).
        return f"{self.t_dat}: customer {self.customer}, article {self.article_id:010d}"


class ErasedCustomer(models.Model):
    """A customer erased at their request (accounts.services.customer_erase), kept so that the
    importer skips their rows when the same csv files are imported again.

    It holds a SHA-256 of H&M's customer_id, not the id: enough to recognise the id in a file, but
    nothing that names the person or links back to other copies of the data.
    """

    customer_id_sha256 = models.CharField(max_length=64, unique=True)
    erased_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.customer_id_sha256[:12]

    @staticmethod
    def digest_of(customer_id: str | bytes) -> str:
        """The stored form of a customer_id: hex SHA-256 of its UTF-8 text. The importer computes
        the same in SQL (catalog/importer/erased_customers.py)."""
        raw = customer_id.encode() if isinstance(customer_id, str) else customer_id
        return hashlib.sha256(raw).hexdigest()
