"""Demo purchases: a week-by-week simulation of shopping baskets, streamed to transactions_train.csv.

Each week every customer who has joined shops a Poisson number of baskets (log-normal rates: many
rare shoppers, a few regulars). A basket follows one of the customer's taste segments and holds a
few articles drawn from that segment's preferences times each article's current demand (launch,
peak, fade), so best sellers change week by week. Some items are repeats of something the
customer bought before (or another colour of it), and some rows are duplicated, as H&M writes one
row per piece bought. Only one week of purchases is in memory at a time, plus a short history per
customer for the repeats.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from catalog.demo_data.articles import SEK_PER_PRICE_UNIT, Catalogue
from catalog.demo_data.customers import Shoppers
from catalog.demo_data.tastes import Tastes, segment_cdfs, week_demand
from catalog.importer.schema import TRANSACTIONS

# H&M's transactions end on Tuesday 2020-09-22; the demo ends there too.
LAST_DAY = dt.date(2020, 9, 22)
EXTRA_ITEMS_PER_BASKET = 1.6  # basket size is 1 + Poisson(1.6)
# Share of basket items that are something the customer bought before, and of those, the share
# that is another colour of it. Buying again is a strong signal in real fashion data.
REPEAT_SHARE = 0.12
OTHER_COLOUR_SHARE = 0.35
HISTORY_SLOTS = 12
# Share of items bought twice in one basket (two rows, as in H&M's file).
DUPLICATE_ROW_SHARE = 0.05
# Days of the simulated week, starting on a Wednesday (weekends busier).
WEEKDAY_WEIGHTS = np.array([0.13, 0.13, 0.14, 0.17, 0.16, 0.14, 0.13])
SEASON_AMPLITUDE = 0.15
# Articles older than this many weeks are often sold at a discount.
SALE_AFTER_WEEKS = 6
SALE_SHARE = 0.35
MEMBER_DISCOUNT_SHARE = 0.05
PRICE_FACTORS = (1.0, 0.9, 0.7, 0.5)  # full, member, sale, deep sale


class PurchaseSimulation:
    def __init__(
        self, catalogue: Catalogue, tastes: Tastes, shoppers: Shoppers, weeks: int, rng: np.random.Generator
    ) -> None:
        self.catalogue = catalogue
        self.tastes = tastes
        self.shoppers = shoppers
        self.weeks = weeks
        self.rng = rng
        self.first_day = LAST_DAY - dt.timedelta(days=7 * weeks - 1)
        self.history = np.zeros((shoppers.size, HISTORY_SLOTS), dtype=np.int32)
        self.history_count = np.zeros(shoppers.size, dtype=np.int64)
        self.article_text = np.array(
            [f"{article:010d}".encode() for article in catalogue.article_id], dtype="S10"
        )
        prices = catalogue.price_sek[:, None] * np.array(PRICE_FACTORS)[None, :] / SEK_PER_PRICE_UNIT
        self.price_text = np.array(
            [[_format_price(price) for price in row] for row in prices.tolist()], dtype="S24"
        )

    def write(self, path: Path, on_week: Callable[[int, int], None] | None = None) -> int:
        """Writes the whole file; calls on_week(week, rows) after each week. Returns the row count."""
        total = 0
        with path.open("wb") as handle:
            handle.write((",".join(TRANSACTIONS.header) + "\n").encode())
            for week in range(self.weeks):
                lines = self._simulate_week(week)
                handle.write(b"".join(lines))
                total += len(lines)
                if on_week is not None:
                    on_week(week, len(lines))
        return total

    def _simulate_week(self, week: int) -> list[bytes]:
        rng, shoppers = self.rng, self.shoppers
        season = 1.0 + SEASON_AMPLITUDE * math.sin(2 * math.pi * (week + 10) / 52)
        rate = shoppers.baskets_per_week * season * (shoppers.joins_in_week <= week)
        basket_customer = np.repeat(np.arange(shoppers.size), rng.poisson(rate))
        n_baskets = basket_customer.size
        if n_baskets == 0:
            return []
        basket_day = rng.choice(7, size=n_baskets, p=WEEKDAY_WEIGHTS / WEEKDAY_WEIGHTS.sum())
        basket_online = rng.random(n_baskets) < shoppers.online_share[basket_customer]
        follows_main = rng.random(n_baskets) < shoppers.main_share[basket_customer]
        basket_segment = np.where(
            follows_main, shoppers.main_segment[basket_customer], shoppers.second_segment[basket_customer]
        )
        item_basket = np.repeat(np.arange(n_baskets), 1 + rng.poisson(EXTRA_ITEMS_PER_BASKET, n_baskets))
        item_customer = basket_customer[item_basket]
        articles = self._fresh_picks(week, basket_segment[item_basket])
        self._replace_with_repeats(week, item_customer, articles)
        self._remember(item_customer, articles)

        level = self._price_levels(week, articles)
        rows = np.repeat(
            np.arange(item_basket.size), 1 + (rng.random(item_basket.size) < DUPLICATE_ROW_SHARE)
        )
        articles, item_basket, item_customer, level = (
            articles[rows],
            item_basket[rows],
            item_customer[rows],
            level[rows],
        )
        day = basket_day[item_basket]
        order = np.lexsort((item_customer, day))

        dates = [(self.first_day + dt.timedelta(days=7 * week + d)).isoformat().encode() for d in range(7)]
        return [
            b"%s,%s,%s,%s,%s\n" % fields
            for fields in zip(
                [dates[d] for d in day[order].tolist()],
                shoppers.hex_ids[item_customer[order]].tolist(),
                self.article_text[articles[order]].tolist(),
                self.price_text[articles[order], level[order]].tolist(),
                np.where(basket_online[item_basket[order]], b"2", b"1").tolist(),
                strict=True,
            )
        ]

    def _fresh_picks(self, week: int, segment: np.ndarray) -> np.ndarray:
        demand = week_demand(self.catalogue, week)
        if not demand.any():
            demand = self.catalogue.popularity
        cdf = segment_cdfs(self.tastes, demand)
        draws = self.rng.random(segment.size)
        articles = np.empty(segment.size, dtype=np.int64)
        order = np.argsort(segment, kind="stable")
        bounds = np.searchsorted(segment[order], np.arange(cdf.shape[0] + 1))
        for segment_no in range(cdf.shape[0]):
            chosen = order[bounds[segment_no] : bounds[segment_no + 1]]
            articles[chosen] = np.searchsorted(cdf[segment_no], draws[chosen], side="right")
        return np.minimum(articles, self.catalogue.size - 1)

    def _replace_with_repeats(self, week: int, customers: np.ndarray, articles: np.ndarray) -> None:
        rng, catalogue = self.rng, self.catalogue
        known = self.history_count[customers]
        repeat = np.flatnonzero((rng.random(customers.size) < REPEAT_SHARE) & (known > 0))
        if repeat.size == 0:
            return
        slots = (rng.random(repeat.size) * np.minimum(known[repeat], HISTORY_SLOTS)).astype(np.int64)
        past = self.history[customers[repeat], slots].astype(np.int64)
        product = catalogue.product[past]
        sibling = catalogue.product_first[product] + (
            rng.random(repeat.size) * catalogue.product_size[product]
        ).astype(np.int64)
        other_colour = (rng.random(repeat.size) < OTHER_COLOUR_SHARE) & (
            catalogue.launch_week[sibling] <= week
        )
        articles[repeat] = np.where(other_colour, sibling, past)

    def _remember(self, customers: np.ndarray, articles: np.ndarray) -> None:
        """Appends the week's items to each customer's ring buffer of recent purchases."""
        order = np.argsort(customers, kind="stable")
        buyers, bought = customers[order], articles[order]
        starts = np.flatnonzero(np.r_[True, buyers[1:] != buyers[:-1]])
        counts = np.diff(np.r_[starts, buyers.size])
        rank = np.arange(buyers.size) - np.repeat(starts, counts)
        slot = (self.history_count[buyers] + rank) % HISTORY_SLOTS
        self.history[buyers, slot] = bought
        self.history_count[buyers[starts]] += counts

    def _price_levels(self, week: int, articles: np.ndarray) -> np.ndarray:
        rng = self.rng
        age = week - self.catalogue.launch_week[articles]
        on_sale = (age >= SALE_AFTER_WEEKS) & (rng.random(articles.size) < SALE_SHARE)
        sale_level = np.where(rng.random(articles.size) < 0.6, 2, 3)
        member = rng.random(articles.size) < MEMBER_DISCOUNT_SHARE
        return np.where(on_sale, sale_level, np.where(member, 1, 0))


def _format_price(price: float) -> bytes:
    # H&M writes prices with up to 16 decimals (0.0508305084745762).
    return f"{price:.16f}".rstrip("0").encode()
