"""How a price from the data is shown to a shopper.

H&M published its prices divided by an undisclosed constant (a typical garment costs 0.0169 in
`transactions_train.csv`). Multiplying by 1,000 puts the catalogue's median near 25, the size of
a euro price tag for the same garments in H&M's shop, so pages read like a real shop's.
"""

from __future__ import annotations

PRICE_DISPLAY_MULTIPLIER = 1000
CURRENCY_SYMBOL = "€"


PRICE_UNKNOWN = "Price not available"


def display_price(price: float | None) -> str:
    """`0.0169` → `€16.90`; an article whose product never sold has no price ("": pages say
    PRICE_UNKNOWN)."""
    if price is None:
        return ""
    return f"{CURRENCY_SYMBOL}{price * PRICE_DISPLAY_MULTIPLIER:,.2f}"


def staff_price(price: float | None, *, from_other_colours: bool = False) -> str:
    """The shop's price with the stored value beside it, for staff pages: what a shopper was shown,
    and what to look for in the csv files. `0.0169` → `€16.90 (data: 0.0169)`. A price taken from
    the product's other colours is not in the csv for this article, so it says where it came from."""
    if price is None:
        return "—"
    if from_other_colours:
        return f"{display_price(price)} (never sold; its other colours' median: {price})"
    return f"{display_price(price)} (data: {price})"
