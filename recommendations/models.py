"""Models of the recommendations app; each sub-domain keeps its own module."""

from recommendations.content.models import ImageEmbedding

__all__ = ["ImageEmbedding"]
