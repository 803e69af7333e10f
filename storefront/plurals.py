"""A count and what it counts, as the shop's messages and admin pages write it."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """"1 article", "1,234 articles"; `plural` for a noun that does not take an s at its end
    ("purchases of erased customers")."""
    return f"{count:,} {noun_for(count, noun, plural)}"


def noun_for(count: int, noun: str, plural: str | None = None) -> str:
    """The noun alone, as `counted` writes it after the count: "item", "items"."""
    return noun if count == 1 else plural or f"{noun}s"
