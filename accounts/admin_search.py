"""How staff find customers in the admin: by as much of H&M's customer id as they have at hand.

Pages, emails and logs show the first 12 characters of the 64-hex id (Customer.__str__), so staff
paste a prefix more often than the whole id. A prefix is looked up with LIKE 'prefix%', which the
database answers from the varchar_pattern_ops index Django builds beside the unique one on
customer_id (accounts_customer_customer_id_…_like): under a collation other than C the plain
unique b-tree cannot serve a LIKE, and the lookup would read all 1.37M customers.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from accounts.models import Customer

# H&M's ids are 64 hex digits (a sha256), written in lower case; the shop gives new customers the same.
CUSTOMER_ID_LENGTH = 64
HEX_DIGITS = frozenset("0123456789abcdef")
CUSTOMER_ID = re.compile(rf"[0-9a-f]{{{CUSTOMER_ID_LENGTH}}}")
# The shortest prefix read as a customer id: six hex digits take 16.7M values, so among H&M's
# 1.37M customers one names a single customer nearly always; fewer would list dozens.
MIN_CUSTOMER_ID_PREFIX = 6
CUSTOMER_ID_PREFIX = re.compile(rf"[0-9a-f]{{{MIN_CUSTOMER_ID_PREFIX},{CUSTOMER_ID_LENGTH}}}")
# A prefix shared by more customers than this names nobody in particular: staff are asked for more
# of it rather than shown purchases of a crowd.
MAX_PREFIX_CUSTOMERS = 100
# The customers found by their login beside those found by an id prefix go into the page's query
# as keys: a fragment common to logins ("123456", "anna") is cut at the same size, and staff are
# told so.
MAX_LOGIN_CUSTOMERS = MAX_PREFIX_CUSTOMERS


def customer_id_prefix(term: str) -> str | None:
    """The term as the start of a customer id (lower case, as H&M writes ids), or None."""
    prefix = term.strip().lower()
    return prefix if CUSTOMER_ID_PREFIX.fullmatch(prefix) else None


def customers_by_id_prefix(prefix: str) -> QuerySet[Customer]:
    """Customers whose id starts with `prefix` (from customer_id_prefix), by the pattern index."""
    return Customer.objects.filter(customer_id__startswith=prefix)


def customer_pks_by_id_prefix(prefix: str) -> list[int] | None:
    """The keys of the customers whose id starts with `prefix`, or None when more than
    MAX_PREFIX_CUSTOMERS share it. Keys, not a subquery: the planner then knows how few customers
    it reads the purchases of (from their index), instead of guessing a join's size."""
    pks = list(
        customers_by_id_prefix(prefix).order_by().values_list("pk", flat=True)[: MAX_PREFIX_CUSTOMERS + 1]
    )
    return None if len(pks) > MAX_PREFIX_CUSTOMERS else pks


def customer_pks_for_search(request: HttpRequest, term: str) -> list[int] | None:
    """For an admin search: the keys of the customers whose id starts with the term, or None when
    the term is no id prefix. A prefix shared by more than MAX_PREFIX_CUSTOMERS gives none, with a
    message asking for more of the id."""
    prefix = customer_id_prefix(term)
    if prefix is None:
        return None
    pks = customer_pks_by_id_prefix(prefix)
    if pks is None:
        message = f"More than {MAX_PREFIX_CUSTOMERS} customer ids start with {prefix!r}: type more of the id."
        messages.warning(request, message)
        return []
    return pks


def logins_matching(term: str) -> QuerySet[User]:
    """The logins whose username or email contains the term."""
    return User.objects.filter(Q(username__icontains=term) | Q(email__icontains=term))


def customer_pks_by_login(request: HttpRequest, term: str) -> list[int]:
    """The keys of the customers of the first MAX_LOGIN_CUSTOMERS logins that contain the term,
    saying so when there are more.

    The logins are capped on their own (small) table first, then their customers read through
    customer.user_id: at worst the logins are all read, never the customers. Customers capped
    directly (ORDER BY pk LIMIT over a subquery of the logins) left PostgreSQL free to walk the
    customer primary key until it met enough logins, reading every customer when fewer matched;
    whether it did hung on its guess of how many match (3.4 s over 1.4M customers when it
    guessed many)."""
    user_pks = list(
        logins_matching(term).order_by("pk").values_list("pk", flat=True)[: MAX_LOGIN_CUSTOMERS + 1]
    )
    if len(user_pks) > MAX_LOGIN_CUSTOMERS:
        messages.info(
            request,
            f"More than {MAX_LOGIN_CUSTOMERS} logins contain {term!r}: the customers of the first "
            f"{MAX_LOGIN_CUSTOMERS} are listed. Type more of the username or email.",
        )
    customers = Customer.objects.filter(user__in=user_pks[:MAX_LOGIN_CUSTOMERS]).order_by()
    return list(customers.values_list("pk", flat=True))
