"""Shared fixtures: every test gets the real PostgreSQL (pytest-django) and the real Redis."""
