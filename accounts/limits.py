"""Limits that the purchase table's constraints, the customer form and the importer share, free of
Django so that the importer's schema (imported by the demo generator's worker processes) can read them."""

# Any real price is far below this; the constraint uses it to reject Infinity and NaN.
PRICE_CEILING = 1e308

# Customers' ages as customers.csv may give them (H&M's run from 16 to 99); anything past the
# oldest recorded human (122) is a typing slip ("300"). The importer and the admin's form share it.
MIN_AGE = 0
MAX_AGE = 150
