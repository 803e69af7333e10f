"""Swatch colours for H&M's colour groups (`colour_group_name`), for the product page's variants.

H&M's data names colours but gives no RGB values; these are eyeballed from the shop. A name not
listed falls back to its perceived master colour, then to a neutral grey, so a new colour in a
future export still gets a sensible swatch.
"""

from __future__ import annotations

COLOUR_GROUP_HEX: dict[str, str] = {
    "black": "#111111",
    "white": "#ffffff",
    "off white": "#f4f1e8",
    "light beige": "#e8dcc4",
    "beige": "#d6c3a0",
    "dark beige": "#a8916b",
    "yellowish beige": "#d9c48c",
    "greyish beige": "#b7ab98",
    "light grey": "#d3d3d3",
    "grey": "#9a9a9a",
    "dark grey": "#555555",
    "light blue": "#a9c8e8",
    "blue": "#2f6db5",
    "dark blue": "#1c2a4d",
    "other blue": "#4a6fa5",
    "turquoise": "#30b5b0",
    "light turquoise": "#99e0dc",
    "dark turquoise": "#17706c",
    "light green": "#b6d7a8",
    "green": "#3f8f3f",
    "dark green": "#1f4d2b",
    "greenish khaki": "#8a8b5a",
    "khaki green": "#77774a",
    "light red": "#f08080",
    "red": "#c62828",
    "dark red": "#7b1e1e",
    "other red": "#b03a2e",
    "light pink": "#f8c8d4",
    "pink": "#e88aa8",
    "dark pink": "#b8436b",
    "other pink": "#d67fa0",
    "light orange": "#f8c18a",
    "orange": "#ef7f1a",
    "dark orange": "#b85a0d",
    "other orange": "#e0893b",
    "light yellow": "#fbeea0",
    "yellow": "#f2d024",
    "dark yellow": "#c9a400",
    "other yellow": "#e3c84b",
    "light purple": "#cdb4e0",
    "purple": "#7b4fa0",
    "dark purple": "#4a2a63",
    "other purple": "#8e6aa8",
    "lilac purple": "#b69ad1",
    "light lilac": "#d8c8ea",
    "bronze/copper": "#b0703c",
    "gold": "#d4af37",
    "silver": "#c0c0c0",
    "transparent": "#f7f7f7",
    "other": "#9a9a9a",
    "unknown": "#9a9a9a",
    "brown": "#6b4226",
    "dark brown": "#3e2616",
    "mole": "#7c6a5c",
    "metal": "#8c8c8c",
    "lilac": "#b69ad1",
    "khaki": "#8a8b5a",
}
FALLBACK_HEX = "#9a9a9a"


def swatch_colour(colour_group_name: str, perceived_colour_master_name: str = "") -> str:
    for name in (colour_group_name, perceived_colour_master_name):
        hex_value = COLOUR_GROUP_HEX.get(name.strip().lower())
        if hex_value:
            return hex_value
    return FALLBACK_HEX
