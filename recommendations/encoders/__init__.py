"""Content encoders: texts and images into one space. Pick one with settings.CONTENT_ENCODER.

    encoder = get_encoder()              # "bundled" (default, offline) or "clip"
    encoder.embed_images([pil_image])    # float32 (n, encoder.dimension), rows of unit length
    encoder.embed_texts(["red striped top"])

torch and transformers are imported only when a tower is first used.
"""

from __future__ import annotations

from django.conf import settings

from recommendations.encoders.base import ContentEncoder

BACKENDS = ("bundled", "clip")


def get_encoder(backend: str | None = None) -> ContentEncoder:
    """A fresh encoder object; the heavy towers behind it are loaded once per process."""
    backend = backend or settings.CONTENT_ENCODER
    if backend == "bundled":
        from recommendations.encoders.bundled import BundledEncoder

        return BundledEncoder()
    if backend == "clip":
        from recommendations.encoders.clip import ClipEncoder

        return ClipEncoder(settings.CLIP_MODEL)
    raise ValueError(f"CONTENT_ENCODER={backend!r} is not one of {', '.join(BACKENDS)}.")


__all__ = ["BACKENDS", "ContentEncoder", "get_encoder"]
