"""The image feature cache: frozen-tower vectors by image content, reused across content versions."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from django.db import models

# float16 halves the cache (105k photos by 1,512 features: 320 MB instead of 640 MB) and the rows
# are unit vectors whose similarities change in the fourth decimal at most.
STORED_DTYPE = np.dtype("<f2")


class ImageEmbedding(models.Model):
    """One image's frozen-tower features, keyed by tower and the photo's fingerprint
    (Article.image_sha256: the file's sha256, or for a photo re-encoded one naming the processing).

    An unchanged photo keeps its fingerprint, so every later content version (and every article
    sharing the photo) reuses the vector instead of running the tower again; a photo stored anew
    by changed processing gets a new one and is embedded again.
    """

    tower = models.CharField(max_length=120)
    image_sha256 = models.CharField(max_length=64)
    vector = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tower", "image_sha256"], name="image_embedding_per_tower")
        ]

    def __str__(self) -> str:
        return f"{self.tower} {self.image_sha256[:12]}"

    @staticmethod
    def encode(vector: npt.NDArray[np.floating]) -> bytes:
        return np.asarray(vector, dtype=STORED_DTYPE).tobytes()

    @staticmethod
    def decode(stored: bytes | memoryview) -> npt.NDArray[np.float32]:
        return np.frombuffer(bytes(stored), dtype=STORED_DTYPE).astype(np.float32)
