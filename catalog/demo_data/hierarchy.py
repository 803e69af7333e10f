"""The demo catalogue's hierarchy: H&M's index groups, indexes, sections and product types.

Numbers and names follow the real articles.csv where we know them (index groups 1/2/3/4/26,
product type 272 "Trousers", ...) and are plausible elsewhere. Every product type maps to the
Fashion-MNIST class whose photos show it, so the demo's pictures match its product types; types
Fashion-MNIST cannot show (swimwear, underwear, skirts) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

# Fashion-MNIST labels, in the data set's order.
PHOTO_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
TSHIRT, TROUSER, PULLOVER, DRESS, COAT, SANDAL, SHIRT, SNEAKER, BAG, ANKLE_BOOT = range(10)


@dataclass(frozen=True)
class IndexGroup:
    no: int
    name: str
    # Share of shoppers whose taste centres on this group (H&M's sales are mostly ladieswear).
    shopper_share: float
    # Name words: H&M names many products after people ("Tilly", "Luna").
    given_names: tuple[str, ...]


# fmt: off
INDEX_GROUPS = (
    IndexGroup(1, "Ladieswear", 0.38, ("Tilly", "Luna", "Jade", "Mia", "Ellie", "Nora", "Ivy", "Hazel",
                                       "Rosa", "Bella", "Mariette", "Perrie", "Vera", "Clara", "Iris")),
    IndexGroup(2, "Divided", 0.20, ("Zoe", "Kim", "Sky", "Lola", "Nova", "Bibi", "Dolly", "Molly",
                                    "Tess", "Ruby", "Jojo", "Lexi")),
    IndexGroup(3, "Menswear", 0.15, ("Harry", "Oscar", "Leo", "Milo", "Theo", "Felix", "Hugo", "Jonas",
                                     "Elias", "Arvid", "Otto", "Sam")),
    IndexGroup(4, "Baby/Children", 0.17, ("Teddy", "Bunny", "Sunny", "Poppy", "Buddy", "Pip", "Tiny",
                                          "Mini", "Sprout", "Doodle")),
    IndexGroup(26, "Sport", 0.10, ("Move", "Flex", "Pace", "Stride", "Peak", "Drift", "Core", "Rush")),
)
# fmt: on
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


# fmt: off
INDEXES = (
    Index("A", "Ladieswear", 1, ("garments",), ((16, "Womens Everyday Basics"),
          (15, "Womens Everyday Collection"), (18, "Womens Trend"), (11, "Womens Tailoring"),
          (14, "Womens Casual"), (6, "Womens Premium"))),
    Index("B", "Lingeries/Tights", 1, ("garments",), ((62, "Womens Nightwear, Socks & Tigh"),)),
    Index("C", "Ladies Accessories", 1, (SHOES, ACCESSORIES), ((64, "Womens Shoes"),
          (65, "Womens Big accessories"))),
    Index("D", "Divided", 2, ("garments", SHOES, ACCESSORIES), ((53, "Divided Collection"),
          (51, "Divided Basics"), (52, "Divided Projects"), (50, "Divided Selected"),
          (54, "Divided Complements Other"))),
    Index("F", "Menswear", 3, ("garments", SHOES, ACCESSORIES), ((21, "Contemporary Casual"),
          (22, "Contemporary Smart"), (20, "Contemporary Street"), (23, "Men Edition"), (25, "Men Shoes"),
          (26, "Men Accessories"))),
    Index("G", "Baby Sizes 50-98", 4, ("garments",), ((44, "Baby Essentials & Complements"),
          (43, "Baby Girl"), (41, "Baby Boy"))),
    Index("H", "Children Sizes 92-140", 4, ("garments",), ((46, "Kids Girl"), (47, "Kids Boy"))),
    Index("I", "Children Sizes 134-170", 4, ("garments",), ((77, "Young Girl"), (76, "Young Boy"))),
    Index("J", "Children Accessories, Swimwear", 4, (SHOES, ACCESSORIES), ((42, "Kids & Baby Shoes"),
          (40, "Kids Accessories, Swimwear & D"))),
    Index("S", "Sport", 26, ("garments", SHOES, ACCESSORIES), ((5, "Ladies H&M Sport"),
          (8, "Men H&M Sport"))),
)
# fmt: on


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
    # Graphical appearances this type comes in (keys of vocab.APPEARANCES by pattern).
    patterns: tuple[str, ...]


GARMENT_PATTERNS = ("solid", "allover", "melange", "stripe", "check", "dot", "front_print", "blocking")
KNIT_PATTERNS = ("solid", "melange", "stripe", "allover", "blocking")
DENIM_PATTERNS = ("solid", "denim", "denim", "check", "stripe")
PLAIN_PATTERNS = ("solid", "solid", "solid", "allover", "blocking")

# fmt: off
PRODUCT_TYPES = (
    ProductType(255, "T-shirt", "Garment Upper body", TSHIRT, (1002, "Jersey Basic"), "Jersey Basic",
                (79, 99, 129, 149, 199), ((1, 6), (2, 8), (3, 10), (4, 10), (26, 10)),
                ("T-shirt", "tee", "top"), "T-shirt", GARMENT_PATTERNS),
    ProductType(253, "Vest top", "Garment Upper body", TSHIRT, (1002, "Jersey Basic"), "Jersey Basic",
                (59, 79, 99, 149), ((1, 6), (2, 5), (3, 1), (4, 3), (26, 6)),
                ("vest top", "strap top", "tank top"), "vest top", GARMENT_PATTERNS),
    ProductType(254, "Top", "Garment Upper body", TSHIRT, (1005, "Jersey Fancy"), "Jersey Fancy",
                (99, 149, 199, 249), ((1, 8), (2, 8), (4, 4), (26, 6)),
                ("top", "wrap top", "crop top"), "top", GARMENT_PATTERNS),
    ProductType(252, "Sweater", "Garment Upper body", PULLOVER, (1003, "Knitwear"), "Knitwear",
                (199, 249, 299, 399), ((1, 7), (2, 6), (3, 8), (4, 6), (26, 2)),
                ("sweater", "jumper", "knit sweater"), "jumper", KNIT_PATTERNS),
    ProductType(245, "Hoodie", "Garment Upper body", PULLOVER, (1005, "Jersey Fancy"), "Jersey Fancy",
                (199, 249, 299), ((1, 3), (2, 6), (3, 6), (4, 5), (26, 6)),
                ("hoodie", "hooded top"), "hooded top", KNIT_PATTERNS),
    ProductType(262, "Cardigan", "Garment Upper body", PULLOVER, (1003, "Knitwear"), "Knitwear",
                (249, 299, 399), ((1, 5), (2, 3), (3, 2), (4, 4)),
                ("cardigan", "knit cardigan"), "cardigan", KNIT_PATTERNS),
    ProductType(259, "Shirt", "Garment Upper body", SHIRT, (1011, "Shirts"), "Shirt",
                (199, 249, 299, 399), ((1, 4), (2, 4), (3, 9), (4, 4)),
                ("shirt", "oxford shirt", "linen shirt"), "shirt", DENIM_PATTERNS),
    ProductType(258, "Blouse", "Garment Upper body", SHIRT, (1010, "Blouses"), "Blouse",
                (199, 249, 299, 349), ((1, 8), (2, 5), (4, 2)),
                ("blouse", "frill blouse"), "blouse", GARMENT_PATTERNS),
    ProductType(265, "Dress", "Garment Full body", DRESS, (1013, "Dresses Ladies"), "Dresses",
                (249, 299, 399, 499, 599), ((1, 10), (2, 8), (4, 5), (26, 1)),
                ("dress", "maxi dress", "shirt dress", "slip dress"), "dress", GARMENT_PATTERNS),
    ProductType(272, "Trousers", "Garment Lower body", TROUSER, (1009, "Trousers"), "Trousers",
                (199, 299, 399, 499), ((1, 8), (2, 8), (3, 10), (4, 7), (26, 5)),
                ("trousers", "HW Skinny Denim TRS", "slim jeans", "joggers", "wide trousers"), "trousers",
                DENIM_PATTERNS),
    ProductType(273, "Leggings/Tights", "Garment Lower body", TROUSER, (1002, "Jersey Basic"), "Jersey Basic",
                (99, 149, 199), ((1, 3), (2, 2), (4, 5), (26, 8)),
                ("leggings", "tights", "sports tights"), "leggings", PLAIN_PATTERNS),
    ProductType(264, "Jacket", "Garment Upper body", COAT, (1007, "Outdoor"), "Outdoor",
                (399, 499, 599, 799), ((1, 4), (2, 4), (3, 7), (4, 5), (26, 6)),
                ("jacket", "padded jacket", "denim jacket", "bomber"), "jacket", DENIM_PATTERNS),
    ProductType(257, "Coat", "Garment Upper body", COAT, (1007, "Outdoor"), "Outdoor",
                (599, 799, 999, 1299), ((1, 3), (2, 2), (3, 4), (4, 2)),
                ("coat", "wool-blend coat", "trenchcoat"), "coat", PLAIN_PATTERNS),
    ProductType(260, "Blazer", "Garment Upper body", COAT, (1008, "Dressed"), "Tailoring",
                (399, 499, 699), ((1, 3), (2, 2), (3, 4)),
                ("blazer", "jacket", "double-breasted blazer"), "jacket",
                ("solid", "check", "stripe", "melange")),
    ProductType(94, "Sneakers", SHOES, SNEAKER, (1020, "Shoes"), "Shoes",
                (299, 399, 499, 599), ((1, 3), (2, 3), (3, 4), (4, 4), (26, 4)),
                ("trainers", "sneakers", "running shoes"), "trainers", PLAIN_PATTERNS),
    ProductType(89, "Sandals", SHOES, SANDAL, (1020, "Shoes"), "Shoes",
                (199, 249, 299, 399), ((1, 3), (2, 2), (3, 1), (4, 2)),
                ("sandals", "slides", "block-heeled sandals"), "sandals", PLAIN_PATTERNS),
    ProductType(87, "Boots", SHOES, ANKLE_BOOT, (1020, "Shoes"), "Shoes",
                (399, 499, 699, 899), ((1, 3), (2, 2), (3, 2), (4, 2)),
                ("ankle boots", "Chelsea boots", "boots"), "ankle boots",
                ("solid", "solid", "solid", "melange")),
    ProductType(66, "Bag", ACCESSORIES, BAG, (1019, "Accessories"), "Bags",
                (149, 199, 299, 399), ((1, 4), (2, 3), (3, 1), (4, 1), (26, 1)),
                ("shoulder bag", "shopper", "bag"), "bag", PLAIN_PATTERNS),
    ProductType(67, "Backpack", ACCESSORIES, BAG, (1019, "Accessories"), "Bags",
                (199, 299, 399), ((1, 1), (2, 1), (3, 2), (4, 2), (26, 2)),
                ("backpack", "rucksack"), "backpack", PLAIN_PATTERNS),
)
# fmt: on
# Children's dresses sit in their own garment group at H&M; denim trousers in theirs.
KIDS_DRESS_GARMENT_GROUP = (1025, "Dresses/Skirts girls")
DENIM_GARMENT_GROUP = (1016, "Trousers Denim")
