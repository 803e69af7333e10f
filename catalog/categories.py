"""The browse hierarchy (index group → section → product group) with URL slugs, cached.

H&M's hierarchy lives in the article rows themselves, so the tree is one GROUP BY over the
catalogue. Every page's header needs the top level and every browse URL resolves slugs against
it, so it is cached; importers call `catalog.services.catalog_cache_clear()` after loading.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from django.core.cache import cache
from django.db.models import Count
from django.utils.text import slugify

from catalog.models import Article

# v2: slugs unique among siblings, names in other scripts kept.
CATEGORY_TREE_CACHE_KEY = "catalog:category-tree:v2"
# Long enough that the header costs nothing on almost every request, short enough that a catalogue
# change made without clearing the cache (e.g. a manual SQL fix) shows up within minutes.
CATEGORY_TREE_CACHE_SECONDS = 10 * 60

_NOT_ALPHANUMERIC = re.compile(r"[^0-9A-Za-z]+")
_NOT_WORD = re.compile(r"[\W_]+")
# The slug of a name with no letters or digits at all.
NAMELESS_SLUG = "other"
# Hex digits of a name's sha256 that tell apart names sharing a slug; more only on a clash.
SUFFIX_DIGITS = 6


def category_slug(name: str) -> str:
    """`Baby/Children` → `baby-children`; slugify alone would glue the words together. Other
    scripts keep their letters (`東京 Capsule` → `東京-capsule`): dropping them made different
    names share one URL. ASCII names keep the slugs they always had."""
    if name.isascii():
        return slugify(_NOT_ALPHANUMERIC.sub(" ", name)) or NAMELESS_SLUG
    return slugify(_NOT_WORD.sub(" ", name), allow_unicode=True) or NAMELESS_SLUG


def unique_slugs(names: Iterable[str]) -> dict[str, str]:
    """A distinct slug for each of these sibling names, the same on every build.

    Names that share a slug (`T-shirt` and `T shirt`, or two names of punctuation only) would
    share one URL, and only one could be browsed. The first of them in sorted order keeps the
    slug; each other gets a suffix from its own name's sha256.
    """
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for name in sorted(set(names)):
        slug = category_slug(name)
        digits = SUFFIX_DIGITS
        while slug in taken:
            slug = f"{category_slug(name)}-{hashlib.sha256(name.encode()).hexdigest()[:digits]}"
            digits += 2
        slugs[name] = slug
        taken.add(slug)
    return slugs


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


CategoryNode = IndexGroupNode | SectionNode | ProductGroupNode
NodeT = TypeVar("NodeT", IndexGroupNode, SectionNode, ProductGroupNode)


def _build_tree() -> dict[str, IndexGroupNode]:
    rows = list(
        Article.objects.browsable()
        .order_by()
        .values_list("index_group_name", "section_name", "product_group_name")
        .annotate(count=Count("article_id"))
    )
    # Slugs are unique among siblings, so each level's names are collected before any is named.
    sections_of: dict[str, set[str]] = {}
    product_groups_of: dict[tuple[str, str], set[str]] = {}
    for group_name, section_name, product_group_name, _ in rows:
        sections_of.setdefault(group_name, set()).add(section_name)
        product_groups_of.setdefault((group_name, section_name), set()).add(product_group_name)
    group_slugs = unique_slugs(sections_of)
    section_slugs = {group: unique_slugs(names) for group, names in sections_of.items()}
    product_group_slugs = {path: unique_slugs(names) for path, names in product_groups_of.items()}
    groups: dict[str, IndexGroupNode] = {}
    for group_name, section_name, product_group_name, count in rows:
        group = groups.setdefault(group_name, IndexGroupNode(group_name, group_slugs[group_name]))
        section = group.sections.setdefault(
            section_name, SectionNode(section_name, section_slugs[group_name][section_name])
        )
        slug = product_group_slugs[(group_name, section_name)][product_group_name]
        section.product_groups[product_group_name] = ProductGroupNode(product_group_name, slug, count)
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


def find_category(nodes: Mapping[str, NodeT], slug_or_name: str) -> NodeT | None:
    """The node among siblings with this slug, or this name (in any case), as the API takes them."""
    if slug_or_name in nodes:
        return nodes[slug_or_name]
    wanted = slug_or_name.casefold()
    for node in nodes.values():
        if node.name.casefold() == wanted:
            return node
    return nodes.get(category_slug(slug_or_name))


def category_path_slugs(names: Sequence[str]) -> list[str]:
    """The slugs of a category path (index group, section, product group names), as the tree has
    them. A name the tree lacks (its articles all off sale) gets its plain slug."""
    slugs: list[str] = []
    siblings: Mapping[str, CategoryNode] = category_tree()
    for name in names:
        node = next((node for node in siblings.values() if node.name == name), None)
        slugs.append(node.slug if node is not None else category_slug(name))
        if isinstance(node, IndexGroupNode):
            siblings = node.sections
        elif isinstance(node, SectionNode):
            siblings = node.product_groups
        else:
            siblings = {}
    return slugs


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
