"""The collaborative model this process serves, through the registry's serving layer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from recommendations.collaborative.parameters import KIND_NAME

if TYPE_CHECKING:
    from recommendations.collaborative.model import CollaborativeModel


def active_collaborative_model() -> CollaborativeModel | None:
    """The loaded active version, or None (never trained, or broken): callers fall back."""
    from recommendations.serving import active_model

    model: CollaborativeModel | None = active_model(KIND_NAME)
    return model
