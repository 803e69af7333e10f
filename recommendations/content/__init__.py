"""Content-based recommendations: image and text embeddings (issue 6)."""
