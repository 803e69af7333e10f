"""Limits the purchase table's constraints and the importer share, free of Django so that the
importer's schema (imported by the demo generator's worker processes) can read them."""

# Any real price is far below this; the constraint uses it to reject Infinity and NaN.
PRICE_CEILING = 1e308
