"""The browse hierarchy (index group → section → product group) with URL slugs, cached.

H&M's hierarchy lives in the article rows themselves, so the tree is one GROUP BY over the
catalogue. Every page's header needs the top level and every browse URL resolves slugs against
it, so it is cached; importers call `catalog.services.catalog_cache_clear()` after loading.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count
from django.utils.text import slugify

from catalog.models import Article

CATEGORY_TREE_CACHE_KEY = "catalog:category-tree:v1"
# Long enough that the header costs nothing on almost every request, short enough that a catalogue
# change made without clearing the cache (e.g. a manual SQL fix) shows up within minutes.
CATEGORY_TREE_CACHE_SECONDS = 10 * 60

_NOT_ALPHANUMERIC = re.compile(r"[^0-9A-Za-z]+")


def category_slug(name: str) -> str:
    """`Baby/Children` → `baby-children`; slugify alone would glue the words together."""
    return slugify(_NOT_ALPHANUMERIC.sub(" ", name)) or "other"


@dataclass
class ProductGroupNode:
    name: str
    slug: str
    count: int


@dataclass
class SectionNode:
    name: str
    slug: str
    count: int = 0
    product_groups: dict[str, ProductGroupNode] = field(default_factory=dict)


@dataclass
class IndexGroupNode:
    name: str
    slug: str
    count: int = 0
    sections: dict[str, SectionNode] = field(default_factory=dict)


def _build_tree() -> dict[str, IndexGroupNode]:
    rows = (
        Article.objects.browsable()
        .order_by()
        .values_list("index_group_name", "section_name", "product_group_name")
        .annotate(count=Count("article_id"))
    )
    groups: dict[str, IndexGroupNode] = {}
    for group_name, section_name, product_group_name, count in rows:
        group = groups.setdefault(
            category_slug(group_name), IndexGroupNode(group_name, category_slug(group_name))
        )
        section = group.sections.setdefault(
            category_slug(section_name), SectionNode(section_name, category_slug(section_name))
        )
        product_group_slug = category_slug(product_group_name)
        node = section.product_groups.get(product_group_slug)
        if node is None:
            section.product_groups[product_group_slug] = ProductGroupNode(
                product_group_name, product_group_slug, count
            )
        else:
            node.count += count
        section.count += count
        group.count += count
    # Biggest first is what a shopper scans for; ties by name keep the order stable.
    ordered: dict[str, IndexGroupNode] = {}
    for group in sorted(groups.values(), key=lambda node: (-node.count, node.name)):
        group.sections = {
            section.slug: section for section in sorted(group.sections.values(), key=lambda s: s.name)
        }
        for section in group.sections.values():
            section.product_groups = {
                pg.slug: pg
                for pg in sorted(section.product_groups.values(), key=lambda pg: (-pg.count, pg.name))
            }
        ordered[group.slug] = group
    return ordered


# Each page reads the tree twice (header and view); fetching and unpickling the shared copy
# (tens of kB at H&M scale) each time costs more than rendering the header, so every process
# keeps its own copy for a few seconds. Other processes see a cleared cache within this time.
PROCESS_COPY_SECONDS = 15.0
_process_copy: tuple[float, dict[str, IndexGroupNode]] | None = None


def category_tree() -> dict[str, IndexGroupNode]:
    """Index groups by slug, biggest first, each with its sections and their product groups."""
    global _process_copy
    now = time.monotonic()
    copy = _process_copy
    if copy is not None and copy[0] > now:
        return copy[1]
    tree: dict[str, IndexGroupNode] | None = cache.get(CATEGORY_TREE_CACHE_KEY)
    if tree is None:
        tree = _build_tree()
        cache.set(CATEGORY_TREE_CACHE_KEY, tree, CATEGORY_TREE_CACHE_SECONDS)
    _process_copy = (now + PROCESS_COPY_SECONDS, tree)
    return tree


def forget_process_copy() -> None:
    global _process_copy
    _process_copy = None
