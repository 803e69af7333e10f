"""The demo catalogue's words: colours, graphical appearances and description phrases.

Colour groups, perceived colour values and masters follow H&M's articles.csv (group 9 "Black",
value 4 "Dark", master 5 "Black"); appearances too (1010016 "Solid"). Description phrases are
keyed by Fashion-MNIST class (catalog.demo_data.hierarchy), so a dress is described as a dress.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.demo_data.hierarchy import (
    ANKLE_BOOT,
    BAG,
    COAT,
    DRESS,
    PULLOVER,
    SANDAL,
    SHIRT,
    SNEAKER,
    TROUSER,
    TSHIRT,
)


@dataclass(frozen=True)
class Colour:
    code: int
    name: str
    value_id: int
    value_name: str
    master_id: int
    master_name: str
    rgb: tuple[int, int, int]
    # Relative frequency in the catalogue (black and dark blue dominate at H&M).
    weight: float


COLOURS = (
    Colour(9, "Black", 4, "Dark", 5, "Black", (28, 28, 31), 22),
    Colour(10, "White", 3, "Light", 9, "White", (246, 246, 243), 9),
    Colour(11, "Off White", 1, "Dusty Light", 9, "White", (236, 230, 214), 4),
    Colour(12, "Light Beige", 1, "Dusty Light", 11, "Beige", (226, 212, 186), 5),
    Colour(13, "Beige", 2, "Medium Dusty", 11, "Beige", (196, 172, 134), 4),
    Colour(6, "Light Grey", 3, "Light", 12, "Grey", (196, 196, 198), 3),
    Colour(7, "Grey", 2, "Medium Dusty", 12, "Grey", (134, 134, 138), 4),
    Colour(8, "Dark Grey", 4, "Dark", 12, "Grey", (70, 70, 76), 3),
    Colour(73, "Dark Blue", 4, "Dark", 2, "Blue", (30, 42, 84), 12),
    Colour(72, "Blue", 7, "Medium", 2, "Blue", (52, 98, 178), 4),
    Colour(71, "Light Blue", 3, "Light", 2, "Blue", (156, 194, 230), 4),
    Colour(51, "Light Pink", 3, "Light", 4, "Pink", (242, 194, 208), 5),
    Colour(52, "Pink", 7, "Medium", 4, "Pink", (222, 116, 158), 2),
    Colour(42, "Red", 5, "Bright", 18, "Red", (196, 32, 46), 3),
    Colour(43, "Dark Red", 4, "Dark", 18, "Red", (112, 22, 36), 2),
    Colour(19, "Greenish Khaki", 2, "Medium Dusty", 20, "Khaki green", (118, 116, 76), 3),
    Colour(93, "Dark Green", 4, "Dark", 19, "Green", (30, 82, 52), 2),
    Colour(92, "Green", 7, "Medium", 19, "Green", (62, 142, 84), 1),
    Colour(23, "Dark Yellow", 7, "Medium", 8, "Yellow", (204, 162, 42), 1),
    Colour(22, "Yellow", 5, "Bright", 8, "Yellow", (242, 212, 62), 1),
    Colour(33, "Orange", 5, "Bright", 13, "Orange", (234, 122, 42), 1),
    Colour(62, "Light Purple", 3, "Light", 3, "Lilac Purple", (196, 170, 214), 1),
    Colour(63, "Purple", 7, "Medium", 3, "Lilac Purple", (112, 62, 142), 1),
    Colour(15, "Brown", 4, "Dark", 1, "Brown", (104, 70, 44), 2),
    Colour(81, "Turquoise", 7, "Medium", 15, "Turquoise", (52, 172, 176), 1),
    Colour(3, "Silver", 7, "Medium", 14, "Metal", (182, 184, 192), 1),
)
# Perceived colour masters, in first-seen order: the taste model prefers masters, not groups.
COLOUR_MASTERS = tuple(dict.fromkeys(colour.master_name for colour in COLOURS))


@dataclass(frozen=True)
class Appearance:
    no: int
    name: str
    # Key of the pattern drawn over the photo (catalog.demo_data.images).
    pattern: str
    weight: float
    # Word used in descriptions ("Top in striped jersey"); empty for solid colours.
    adjective: str


APPEARANCES = (
    Appearance(1010016, "Solid", "solid", 46, ""),
    Appearance(1010001, "All over pattern", "allover", 14, "patterned"),
    Appearance(1010010, "Melange", "melange", 6, "marled"),
    Appearance(1010017, "Stripe", "stripe", 6, "striped"),
    Appearance(1010004, "Check", "check", 3, "checked"),
    Appearance(1010014, "Dot", "dot", 2, "spotted"),
    Appearance(1010012, "Denim", "denim", 6, "washed denim"),
    Appearance(1010008, "Front print", "front_print", 5, "printed"),
    Appearance(1010005, "Colour blocking", "blocking", 2, "colour-block"),
)
APPEARANCE_BY_PATTERN = {appearance.pattern: appearance for appearance in APPEARANCES}

# Description parts per Fashion-MNIST class: "<fit> <noun> in <material> with <detail> and <detail>."
FITS = {
    TSHIRT: ("Fitted", "Relaxed-fit", "Oversized", "Boxy", "Short"),
    TROUSER: ("Slim-fit", "Wide-leg", "Straight-leg", "Tapered", "High-waisted", "Relaxed-fit"),
    PULLOVER: ("Soft", "Oversized", "Fine-knit", "Chunky", "Relaxed-fit"),
    DRESS: ("Short", "Calf-length", "Fitted", "Flared", "Sleeveless", "Long"),
    COAT: ("Short", "Oversized", "Straight-cut", "Padded", "Double-breasted", "Lined"),
    SANDAL: ("Flat", "Block-heeled", "Chunky", "Strappy"),
    SHIRT: ("Regular-fit", "Slim-fit", "Oversized", "Relaxed-fit", "Fitted"),
    SNEAKER: ("Lightweight", "Chunky", "Low-profile", "Cushioned"),
    BAG: ("Small", "Large", "Soft", "Structured", "Quilted"),
    ANKLE_BOOT: ("Chunky", "Heeled", "Flat", "Pointed"),
}
MATERIALS = {
    TSHIRT: (
        "soft cotton jersey",
        "organic cotton jersey",
        "slub jersey",
        "ribbed jersey",
        "lyocell-blend jersey",
    ),
    TROUSER: ("cotton twill", "stretch denim", "woven fabric", "soft sweatshirt fabric", "linen blend"),
    PULLOVER: (
        "soft, fine-knit cotton",
        "a wool blend",
        "rib-knit fabric",
        "cotton sweatshirt fabric",
        "mohair-blend yarn",
    ),
    DRESS: ("airy chiffon", "viscose jersey", "crinkled fabric", "cotton poplin", "satin"),
    COAT: ("woven fabric", "a wool blend", "water-repellent fabric", "cotton twill", "faux shearling"),
    SANDAL: ("imitation leather", "suede", "woven straps", "rubber"),
    SHIRT: ("cotton poplin", "an airy linen blend", "oxford cotton", "soft flannel", "viscose"),
    SNEAKER: ("mesh and imitation leather", "canvas", "imitation suede", "knitted fabric"),
    BAG: ("imitation leather", "cotton canvas", "recycled polyester", "woven straw"),
    ANKLE_BOOT: ("imitation leather", "suede", "leather"),
}
DETAILS = {
    TSHIRT: (
        "a round neckline",
        "a V-neck",
        "short sleeves",
        "dropped shoulders",
        "a rounded hem",
        "a chest pocket",
        "narrow shoulder straps",
    ),
    TROUSER: (
        "a zip fly and button",
        "an elasticated waist",
        "side pockets",
        "pressed pleats",
        "raw-edge hems",
        "a drawstring waist",
        "five pockets",
    ),
    PULLOVER: (
        "dropped shoulders",
        "long sleeves",
        "ribbing at the cuffs and hem",
        "a hood",
        "a round neckline",
        "a kangaroo pocket",
        "buttons down the front",
    ),
    DRESS: (
        "a V-neck",
        "puff sleeves",
        "a tie belt at the waist",
        "a flared skirt",
        "narrow shoulder straps",
        "a smocked bodice",
        "a slit at the hem",
    ),
    COAT: (
        "notch lapels",
        "a detachable hood",
        "welt pockets",
        "a zip down the front",
        "a tie belt",
        "a stand-up collar",
        "a quilted lining",
    ),
    SANDAL: ("an adjustable ankle strap", "a padded footbed", "a rubber sole", "crossover straps"),
    SHIRT: (
        "a button-down collar",
        "a yoke at the back",
        "long sleeves",
        "a chest pocket",
        "a rounded hem",
        "buttoned cuffs",
        "a resort collar",
    ),
    SNEAKER: (
        "lacing at the front",
        "a padded tongue",
        "a chunky sole",
        "a loop at the back",
        "perforated details",
    ),
    BAG: (
        "an adjustable shoulder strap",
        "a zip top",
        "an inner compartment",
        "two handles",
        "a magnetic fastener",
        "padded shoulder straps",
    ),
    ANKLE_BOOT: (
        "elastic side panels",
        "a zip at the side",
        "a chunky sole",
        "a pull tab at the back",
        "a block heel",
    ),
}
CLOSERS = (
    "",
    "",
    "Slightly longer at the back.",
    "Unlined.",
    "Made partly from recycled materials.",
    "Designed for everyday wear.",
    "Soft, brushed inside.",
)
