"""Customers (linked to Django users), their purchases, login and account pages."""
