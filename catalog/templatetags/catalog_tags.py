"""Template helpers for article display: images with placeholders, prices, swatch colours."""

from __future__ import annotations

from typing import Any

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from catalog.colours import swatch_colour
from catalog.models import Article
from catalog.pricing import PRICE_UNKNOWN, display_price
from storefront.plurals import counted, noun_for

register = template.Library()
# "1 style", "26,001 styles", as the shop writes counts elsewhere.
register.filter("counted", counted)

PLACEHOLDER_IMAGE = "img/placeholder.svg"
# H&M product photos are 2:3 portraits (1166 x 1750); used when an article has no photo or no size.
DEFAULT_IMAGE_SIZE = (400, 600)


@register.filter
def thousands(count: int) -> str:
    """A bare count as the facets and the result count write it: "4,567", not "4567"."""
    return f"{count:,}"


def article_alt_text(article: Article) -> str:
    return f"{article.prod_name}, {article.colour_group_name}"


def placeholder_alt_text(article: Article) -> str:
    """The alt text of the placeholder shown for the article: the picture reads "No photo yet"."""
    return f"{article_alt_text(article)}: no photo yet"


def article_image_url(article: Article, *, thumbnail: bool = True) -> str:
    path = (
        (article.image_thumbnail or article.image)
        if thumbnail
        else (article.image or article.image_thumbnail)
    )
    return article.photo_url(path) if path else static(PLACEHOLDER_IMAGE)


@register.simple_tag
def article_image(
    article: Article,
    size: str = "thumb",
    eager: bool = False,
    css_class: str = "",
    decorative: bool = False,
) -> SafeString:
    """An <img> with the article's photo (or the placeholder), its aspect ratio and alt text.

    decorative=True gives alt="": for a photo inside a link whose text already names the article
    (a card), where the alt text would only make screen readers say the name twice.

    width/height give the browser the aspect ratio before the file arrives (no layout jump);
    CSS scales the element. Only the first, above-the-fold image of a page loads eagerly.

    A photo on record may still be missing from storage (deleted, a media volume not mounted):
    data-placeholder names the placeholder, which static/js/site.js shows when the photo fails to
    load, with data-placeholder-alt as its alt text. Asking the storage whether each file exists
    would cost a request per photo on object storage, on every page; the browser finds out for free.
    """
    has_size = bool(article.image and article.image_width and article.image_height)
    width, height = (article.image_width, article.image_height) if has_size else DEFAULT_IMAGE_SIZE
    has_photo = bool(article.image or article.image_thumbnail)
    named = article_alt_text(article) if has_photo else placeholder_alt_text(article)
    alt = "" if decorative else named
    return format_html(
        '<img src="{}" width="{}" height="{}" alt="{}" loading="{}" decoding="async"{}{}{}{}>',
        article_image_url(article, thumbnail=size != "full"),
        width,
        height,
        alt,
        "eager" if eager else "lazy",
        mark_safe(' fetchpriority="high"') if eager else "",
        format_html(' class="{}"', css_class) if css_class else "",
        format_html(' data-placeholder="{}"', static(PLACEHOLDER_IMAGE)) if has_photo else "",
        format_html(' data-placeholder-alt="{}"', placeholder_alt_text(article)) if has_photo and alt else "",
    )


@register.filter
def price(value: float | None) -> str:
    return display_price(value)


@register.simple_tag
def price_unknown() -> str:
    """What a page says in place of a price when no colour of the product ever sold."""
    return PRICE_UNKNOWN


@register.filter
def swatch(article: Article) -> str:
    return swatch_colour(article.colour_group_name, article.perceived_colour_master_name)


@register.simple_tag
def facet_link(link: Any, param: str) -> SafeString:
    """One facet value as a toggle link. Rendered here rather than by an included template because
    a listing at H&M scale shows a few hundred values and includes cost ~10x more per value."""
    dot = (
        format_html(
            '<span class="facet-dot" style="background: {}" aria-hidden="true"></span>',
            swatch_colour(link.label),
        )
        if param == "colour"
        else ""
    )
    return format_html(
        '<li><a class="facet-link{}" href="{}" rel="nofollow" data-facet="{}">'
        '<span class="facet-box" aria-hidden="true"></span>{}'
        '<span class="visually-hidden">{}</span>{}'
        '<span class="facet-count">{}<span class="visually-hidden"> {}</span></span></a></li>',
        " is-selected" if link.selected else "",
        f"{link.url}#results",  # the results column's heading (components/results.html)
        param,
        dot,
        "Remove filter: " if link.selected else "Filter by: ",
        link.label,
        thousands(link.count),
        noun_for(link.count, "item"),
    )
