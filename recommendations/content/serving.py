"""Serving side of the content model: "Looks like this" for product pages.

A minimal version until the content model (issue 6) replaces this body, keeping the signature.
"""

from __future__ import annotations

from catalog.models import Article
from recommendations.types import Recommendation


def similar_articles(article: Article, k: int = 12) -> list[Recommendation]:
    return []
