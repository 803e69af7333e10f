"""The demo catalogue's vocabulary: H&M's hierarchy, product types, colours and appearances.

Numbers and names follow the real articles.csv where we know them (index groups 1/2/3/4/26,
graphical appearance 1010016 "Solid", colour group 9 "Black", ...) and are plausible elsewhere.
Every product type maps to the Fashion-MNIST class whose photos show it, so the demo's pictures
match its product types; types Fashion-MNIST cannot show (swimwear, underwear, skirts) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

# Fashion-MNIST labels, in the data set's order.
PHOTO_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
TSHIRT, TROUSER, PULLOVER, DRESS, COAT, SANDAL, SHIRT, SNEAKER, BAG, ANKLE_BOOT = range(10)


@dataclass(frozen=True)
class IndexGroup:
    no: int
    name: str
    # Share of shoppers whose taste centres on this group (H&M's sales are mostly ladieswear).
    shopper_share: float
    # Name words: H&M names many products after people ("Tilly", "Luna").
    given_names: tuple[str, ...]


INDEX_GROUPS = (
    IndexGroup(
        1,
        "Ladieswear",
        0.38,
        (
            "Tilly",
            "Luna",
            "Jade",
            "Mia",
            "Ellie",
            "Nora",
            "Ivy",
            "Hazel",
            "Rosa",
            "Bella",
            "Mariette",
            "Perrie",
            "Vera",
            "Clara",
            "Iris",
        ),
    ),
    IndexGroup(
        2,
        "Divided",
        0.20,
        ("Zoe", "Kim", "Sky", "Lola", "Nova", "Bibi", "Dolly", "Molly", "Tess", "Ruby", "Jojo", "Lexi"),
    ),
    IndexGroup(
        3,
        "Menswear",
        0.15,
        ("Harry", "Oscar", "Leo", "Milo", "Theo", "Felix", "Hugo", "Jonas", "Elias", "Arvid", "Otto", "Sam"),
    ),
    IndexGroup(
        4,
        "Baby/Children",
        0.17,
        ("Teddy", "Bunny", "Sunny", "Poppy", "Buddy", "Pip", "Tiny", "Mini", "Sprout", "Doodle"),
    ),
    IndexGroup(26, "Sport", 0.10, ("Move", "Flex", "Pace", "Stride", "Peak", "Drift", "Core", "Rush")),
)
GROUP_NOS = tuple(group.no for group in INDEX_GROUPS)

SHOES = "Shoes"
ACCESSORIES = "Accessories"


@dataclass(frozen=True)
class Index:
    code: str
    name: str
    group_no: int
    # Product groups sold under this index: "garments" for clothes, or SHOES / ACCESSORIES.
    sells: tuple[str, ...]
    sections: tuple[tuple[int, str], ...]


INDEXES = (
    Index(
        "A",
        "Ladieswear",
        1,
        ("garments",),
        (
            (16, "Womens Everyday Basics"),
            (15, "Womens Everyday Collection"),
            (18, "Womens Trend"),
            (11, "Womens Tailoring"),
            (14, "Womens Casual"),
            (6, "Womens Premium"),
        ),
    ),
    Index("B", "Lingeries/Tights", 1, ("garments",), ((62, "Womens Nightwear, Socks & Tigh"),)),
    Index(
        "C",
        "Ladies Accessories",
        1,
        (SHOES, ACCESSORIES),
        ((64, "Womens Shoes"), (65, "Womens Big accessories")),
    ),
    Index(
        "D",
        "Divided",
        2,
        ("garments", SHOES, ACCESSORIES),
        (
            (53, "Divided Collection"),
            (51, "Divided Basics"),
            (52, "Divided Projects"),
            (50, "Divided Selected"),
            (54, "Divided Complements Other"),
        ),
    ),
    Index(
        "F",
        "Menswear",
        3,
        ("garments", SHOES, ACCESSORIES),
        (
            (21, "Contemporary Casual"),
            (22, "Contemporary Smart"),
            (20, "Contemporary Street"),
            (23, "Men Edition"),
            (25, "Men Shoes"),
            (26, "Men Accessories"),
        ),
    ),
    Index(
        "G",
        "Baby Sizes 50-98",
        4,
        ("garments",),
        ((44, "Baby Essentials & Complements"), (43, "Baby Girl"), (41, "Baby Boy")),
    ),
    Index("H", "Children Sizes 92-140", 4, ("garments",), ((46, "Kids Girl"), (47, "Kids Boy"))),
    Index("I", "Children Sizes 134-170", 4, ("garments",), ((77, "Young Girl"), (76, "Young Boy"))),
    Index(
        "J",
        "Children Accessories, Swimwear",
        4,
        (SHOES, ACCESSORIES),
        ((42, "Kids & Baby Shoes"), (40, "Kids Accessories, Swimwear & D")),
    ),
    Index(
        "S", "Sport", 26, ("garments", SHOES, ACCESSORIES), ((5, "Ladies H&M Sport"), (8, "Men H&M Sport"))
    ),
)


@dataclass(frozen=True)
class ProductType:
    no: int
    name: str
    product_group: str
    photo_class: int
    garment_group: tuple[int, str]
    # Department family: a department is one family within one index ("Divided Knitwear").
    family: str
    # Price ladder in SEK; H&M's csv stores price / 5900 (e.g. 0.0169... = 99.99 SEK).
    prices_sek: tuple[int, ...]
    # How often each index group (by number) carries this type; 0 = never.
    group_weights: tuple[tuple[int, float], ...]
    # Nouns for product names ("Tilly top") and for descriptions ("Fitted top in ...").
    name_nouns: tuple[str, ...]
    description_noun: str
    # Graphical appearances this type comes in (keys of APPEARANCES by pattern).
    patterns: tuple[str, ...]


GARMENT_PATTERNS = ("solid", "allover", "melange", "stripe", "check", "dot", "front_print", "blocking")
KNIT_PATTERNS = ("solid", "melange", "stripe", "allover", "blocking")
DENIM_PATTERNS = ("solid", "denim", "denim", "check", "stripe")
PLAIN_PATTERNS = ("solid", "solid", "solid", "allover", "blocking")

PRODUCT_TYPES = (
    ProductType(
        255,
        "T-shirt",
        "Garment Upper body",
        TSHIRT,
        (1002, "Jersey Basic"),
        "Jersey Basic",
        (79, 99, 129, 149, 199),
        ((1, 6), (2, 8), (3, 10), (4, 10), (26, 10)),
        ("T-shirt", "tee", "top"),
        "T-shirt",
        GARMENT_PATTERNS,
    ),
    ProductType(
        253,
        "Vest top",
        "Garment Upper body",
        TSHIRT,
        (1002, "Jersey Basic"),
        "Jersey Basic",
        (59, 79, 99, 149),
        ((1, 6), (2, 5), (3, 1), (4, 3), (26, 6)),
        ("vest top", "strap top", "tank top"),
        "vest top",
        GARMENT_PATTERNS,
    ),
    ProductType(
        254,
        "Top",
        "Garment Upper body",
        TSHIRT,
        (1005, "Jersey Fancy"),
        "Jersey Fancy",
        (99, 149, 199, 249),
        ((1, 8), (2, 8), (4, 4), (26, 6)),
        ("top", "wrap top", "crop top"),
        "top",
        GARMENT_PATTERNS,
    ),
    ProductType(
        252,
        "Sweater",
        "Garment Upper body",
        PULLOVER,
        (1003, "Knitwear"),
        "Knitwear",
        (199, 249, 299, 399),
        ((1, 7), (2, 6), (3, 8), (4, 6), (26, 2)),
        ("sweater", "jumper", "knit sweater"),
        "jumper",
        KNIT_PATTERNS,
    ),
    ProductType(
        245,
        "Hoodie",
        "Garment Upper body",
        PULLOVER,
        (1005, "Jersey Fancy"),
        "Jersey Fancy",
        (199, 249, 299),
        ((1, 3), (2, 6), (3, 6), (4, 5), (26, 6)),
        ("hoodie", "hooded top"),
        "hooded top",
        KNIT_PATTERNS,
    ),
    ProductType(
        262,
        "Cardigan",
        "Garment Upper body",
        PULLOVER,
        (1003, "Knitwear"),
        "Knitwear",
        (249, 299, 399),
        ((1, 5), (2, 3), (3, 2), (4, 4)),
        ("cardigan", "knit cardigan"),
        "cardigan",
        KNIT_PATTERNS,
    ),
    ProductType(
        259,
        "Shirt",
        "Garment Upper body",
        SHIRT,
        (1011, "Shirts"),
        "Shirt",
        (199, 249, 299, 399),
        ((1, 4), (2, 4), (3, 9), (4, 4)),
        ("shirt", "oxford shirt", "linen shirt"),
        "shirt",
        DENIM_PATTERNS,
    ),
    ProductType(
        258,
        "Blouse",
        "Garment Upper body",
        SHIRT,
        (1010, "Blouses"),
        "Blouse",
        (199, 249, 299, 349),
        ((1, 8), (2, 5), (4, 2)),
        ("blouse", "frill blouse"),
        "blouse",
        GARMENT_PATTERNS,
    ),
    ProductType(
        265,
        "Dress",
        "Garment Full body",
        DRESS,
        (1013, "Dresses Ladies"),
        "Dresses",
        (249, 299, 399, 499, 599),
        ((1, 10), (2, 8), (4, 5), (26, 1)),
        ("dress", "maxi dress", "shirt dress", "slip dress"),
        "dress",
        GARMENT_PATTERNS,
    ),
    ProductType(
        272,
        "Trousers",
        "Garment Lower body",
        TROUSER,
        (1009, "Trousers"),
        "Trousers",
        (199, 299, 399, 499),
        ((1, 8), (2, 8), (3, 10), (4, 7), (26, 5)),
        ("trousers", "HW Skinny Denim TRS", "slim jeans", "joggers", "wide trousers"),
        "trousers",
        DENIM_PATTERNS,
    ),
    ProductType(
        273,
        "Leggings/Tights",
        "Garment Lower body",
        TROUSER,
        (1002, "Jersey Basic"),
        "Jersey Basic",
        (99, 149, 199),
        ((1, 3), (2, 2), (4, 5), (26, 8)),
        ("leggings", "tights", "sports tights"),
        "leggings",
        PLAIN_PATTERNS,
    ),
    ProductType(
        264,
        "Jacket",
        "Garment Upper body",
        COAT,
        (1007, "Outdoor"),
        "Outdoor",
        (399, 499, 599, 799),
        ((1, 4), (2, 4), (3, 7), (4, 5), (26, 6)),
        ("jacket", "padded jacket", "denim jacket", "bomber"),
        "jacket",
        DENIM_PATTERNS,
    ),
    ProductType(
        257,
        "Coat",
        "Garment Upper body",
        COAT,
        (1007, "Outdoor"),
        "Outdoor",
        (599, 799, 999, 1299),
        ((1, 3), (2, 2), (3, 4), (4, 2)),
        ("coat", "wool-blend coat", "trenchcoat"),
        "coat",
        PLAIN_PATTERNS,
    ),
    ProductType(
        260,
        "Blazer",
        "Garment Upper body",
        COAT,
        (1008, "Dressed"),
        "Tailoring",
        (399, 499, 699),
        ((1, 3), (2, 2), (3, 4)),
        ("blazer", "jacket", "double-breasted blazer"),
        "jacket",
        ("solid", "check", "stripe", "melange"),
    ),
    ProductType(
        94,
        "Sneakers",
        SHOES,
        SNEAKER,
        (1020, "Shoes"),
        "Shoes",
        (299, 399, 499, 599),
        ((1, 3), (2, 3), (3, 4), (4, 4), (26, 4)),
        ("trainers", "sneakers", "running shoes"),
        "trainers",
        PLAIN_PATTERNS,
    ),
    ProductType(
        89,
        "Sandals",
        SHOES,
        SANDAL,
        (1020, "Shoes"),
        "Shoes",
        (199, 249, 299, 399),
        ((1, 3), (2, 2), (3, 1), (4, 2)),
        ("sandals", "slides", "block-heeled sandals"),
        "sandals",
        PLAIN_PATTERNS,
    ),
    ProductType(
        87,
        "Boots",
        SHOES,
        ANKLE_BOOT,
        (1020, "Shoes"),
        "Shoes",
        (399, 499, 699, 899),
        ((1, 3), (2, 2), (3, 2), (4, 2)),
        ("ankle boots", "Chelsea boots", "boots"),
        "ankle boots",
        ("solid", "solid", "solid", "melange"),
    ),
    ProductType(
        66,
        "Bag",
        ACCESSORIES,
        BAG,
        (1019, "Accessories"),
        "Bags",
        (149, 199, 299, 399),
        ((1, 4), (2, 3), (3, 1), (4, 1), (26, 1)),
        ("shoulder bag", "shopper", "bag"),
        "bag",
        PLAIN_PATTERNS,
    ),
    ProductType(
        67,
        "Backpack",
        ACCESSORIES,
        BAG,
        (1019, "Accessories"),
        "Bags",
        (199, 299, 399),
        ((1, 1), (2, 1), (3, 2), (4, 2), (26, 2)),
        ("backpack", "rucksack"),
        "backpack",
        PLAIN_PATTERNS,
    ),
)
# Children's dresses sit in their own garment group at H&M; denim trousers in theirs.
KIDS_DRESS_GARMENT_GROUP = (1025, "Dresses/Skirts girls")
DENIM_GARMENT_GROUP = (1016, "Trousers Denim")


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
