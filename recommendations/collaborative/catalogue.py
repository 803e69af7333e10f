"""A compact snapshot of the catalogue the blend needs: product codes and index groups.

Kept as sorted numpy arrays (105k articles at H&M scale: about 2 MB) so that training,
evaluation and serving look articles up without touching the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class ArticleTable:
    article_ids: np.ndarray  # int64, sorted
    product_codes: np.ndarray  # int64
    group_codes: np.ndarray  # int16: position in group_names
    group_names: list[str]
    _variants: dict[int, np.ndarray] | None = field(default=None, repr=False)
    _lookup: dict[int, int] | None = field(default=None, repr=False)

    @classmethod
    def from_rows(cls, rows: list[tuple[int, int, str]]) -> ArticleTable:
        """(article_id, product_code, index_group_name) rows, in any order."""
        rows = sorted(rows)
        names = sorted({row[2] for row in rows})
        position = {name: i for i, name in enumerate(names)}
        return cls(
            np.array([row[0] for row in rows], dtype=np.int64),
            np.array([row[1] for row in rows], dtype=np.int64),
            np.array([position[row[2]] for row in rows], dtype=np.int16),
            names,
        )

    @classmethod
    def from_database(cls) -> ArticleTable:
        from catalog.models import Article

        return cls.from_rows(
            list(Article.objects.values_list("article_id", "product_code", "index_group_name"))
        )

    def __len__(self) -> int:
        return int(self.article_ids.shape[0])

    def _position(self, article_id: int) -> int | None:
        if self._lookup is None:
            self._lookup = {int(article_id): i for i, article_id in enumerate(self.article_ids.tolist())}
        return self._lookup.get(article_id)

    def product_code(self, article_id: int) -> int | None:
        position = self._position(article_id)
        return None if position is None else int(self.product_codes[position])

    def group(self, article_id: int) -> int | None:
        position = self._position(article_id)
        return None if position is None else int(self.group_codes[position])

    def group_code(self, name: str) -> int | None:
        return self.group_names.index(name) if name in self.group_names else None

    def variants_of(self, product_code: int) -> np.ndarray:
        """Article ids sharing a product code (colour variants), including the article itself."""
        if self._variants is None:
            order = np.argsort(self.product_codes, kind="stable")
            codes = self.product_codes[order]
            starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
            groups = np.split(self.article_ids[order], starts[1:])
            self._variants = {int(codes[start]): group for start, group in zip(starts, groups, strict=True)}
        return self._variants.get(product_code, np.empty(0, np.int64))

    def arrays(self) -> dict[str, Any]:
        return {
            "article_ids": self.article_ids,
            "product_codes": self.product_codes,
            "group_codes": self.group_codes,
        }
