"""The Kaggle H&M file layout: which columns each csv has, their types and limits.

One description serves both load paths: PostgreSQL turns it into typed staging tables (the server
parses and checks every value during COPY), SQLite into Python parsers. The demo-data generator
writes its headers from here too, so generator and importer cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import math
import re
from dataclasses import dataclass

from accounts.limits import MAX_AGE, MIN_AGE, PRICE_CEILING
from catalog.article_ids import ARTICLE_ID_DIGITS, MAX_ARTICLE_ID, MIN_ARTICLE_ID
from catalog.importer.errors import ImportInputError


class Kind(enum.Enum):
    INTEGER = "integer"
    BIGINT = "bigint"
    # A whole number that H&M sometimes writes as a float ("49.0"): customers' ages.
    WHOLE_NUMBER = "numeric"
    FLOAT = "double precision"
    DATE = "date"
    TEXT = "text"


@dataclass(frozen=True)
class Column:
    name: str  # header in the csv
    field: str  # column of the model's table
    kind: Kind
    required: bool = True
    max_length: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    # Said with a value out of range, when the bare limits would not tell why (article ids).
    range_note: str = ""

    @property
    def sql_type(self) -> str:
        """The model's column type (benchmarks/import_bench.py builds its plain tables with it)."""
        if self.kind is Kind.TEXT and self.max_length is not None:
            return f"varchar({self.max_length})"
        return self.kind.value

    def parse(self, raw: str) -> object:
        """Python-side parsing for the SQLite path; raises ValueError with a readable reason."""
        if "\x00" in raw:  # PostgreSQL refuses it in any column
            raise ValueError(NUL_PROBLEM)
        if raw == "":
            if self.required:
                raise ValueError("is empty")
            return None
        value: object
        if self.kind in (Kind.INTEGER, Kind.BIGINT):
            value = _parse_integer(raw)
        elif self.kind is Kind.WHOLE_NUMBER:
            self._check_range(_parse_float(raw))  # before rounding, as PostgreSQL's check does
            return _round_half_up(raw)
        elif self.kind is Kind.FLOAT:
            value = _parse_float(raw)
        elif self.kind is Kind.DATE:
            value = _parse_date(raw)
        else:
            if self.max_length is not None and len(raw) > self.max_length:
                raise ValueError(f"is longer than {self.max_length} characters")
            return raw
        self._check_range(value)
        return value

    def _check_range(self, value: object) -> None:
        if not isinstance(value, int | float):
            return
        note = f": {self.range_note}" if self.range_note else ""
        if self.min_value is not None and value < self.min_value:
            raise ValueError(f"{value!r} is below {self.min_value}{note}")
        if self.max_value is not None and value > self.max_value:
            raise ValueError(f"{value!r} is above {self.max_value}{note}")


# PostgreSQL's text cannot hold the character 0 (SQLite's could): refused on both paths alike.
NUL_PROBLEM = "holds a NUL character (byte 0x00), which text cannot hold"
# What PostgreSQL's integer and float8 input read. Python's int() and float() read more: digits of
# other scripts (fullwidth, Arabic-Indic), underscores ("1_0"), any Unicode space; SQLite must not.
_INTEGER = re.compile(r"\s*[+-]?\d+\s*", re.ASCII)
FLOAT_TEXT = re.compile(
    r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*|\s*[+-]?(nan|inf|infinity)\s*", re.IGNORECASE | re.ASCII
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parse_integer(raw: str) -> int:
    if not _INTEGER.fullmatch(raw):
        raise ValueError(f"{raw!r} is not a whole number")
    return int(raw)


def _parse_float(raw: str) -> float:
    if not FLOAT_TEXT.fullmatch(raw):
        raise ValueError(f"{raw!r} is not a number")
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(f"{raw!r} is not a finite number")
    return value


def _round_half_up(raw: str) -> int:
    """Rounded as PostgreSQL rounds a numeric (24.5 → 25), not as Python's round() does (24)."""
    return int(decimal.Decimal(raw).to_integral_value(rounding=decimal.ROUND_HALF_UP))


def _parse_date(raw: str) -> dt.date:
    try:
        if not _ISO_DATE.fullmatch(raw):
            raise ValueError
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a date (YYYY-MM-DD)") from None


@dataclass(frozen=True)
class FileSchema:
    filename: str
    columns: tuple[Column, ...]
    # The column whose value must be unique within the file (upsert key), if any.
    key: str | None = None
    # Whether a quoted field may hold a line break (a description may; a date or an id never does).
    line_breaks: bool = True
    # Whether its lines may end in \n and \r\n within one file. COPY's csv mode holds every line to
    # the first line's ending; the transactions converter reads line by line and takes either.
    mixed_line_ends: bool = False

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)

    def by_field(self, field: str) -> Column:
        return next(column for column in self.columns if column.field == field)

    def duplicate_error(self, value: object, line: int) -> ImportInputError:
        """The error for a row repeating an earlier row's key, said alike by every import path."""
        assert self.key is not None
        # The one whole-number key is the article id, written as H&M writes it: zero-padded.
        shown = f"{value:0{ARTICLE_ID_DIGITS}d}" if isinstance(value, int) else value
        problem = f"{self.key} {shown} appears more than once"
        return ImportInputError(self.filename, problem, line=line, field=self.key)


# Limits mirror the model fields (catalog.models.Article, accounts.models.Customer/Purchase).
_NAME = 100
_INT32 = 2**31 - 1
_SMALLINT = 2**15 - 1


def _int(name: str, *, field: str | None = None, maximum: int = _INT32) -> Column:
    return Column(name, field or name, Kind.INTEGER, min_value=0, max_value=maximum)


def _article_id() -> Column:
    # The admin refuses more digits (Article.article_id's validators), and product URLs and the
    # zero-padded display cannot hold them; a bigint column alone would take 19.
    return Column(
        "article_id",
        "article_id",
        Kind.BIGINT,
        min_value=MIN_ARTICLE_ID,
        max_value=MAX_ARTICLE_ID,
        range_note=f"H&M article ids have at most {ARTICLE_ID_DIGITS} digits",
    )


def _text(name: str, max_length: int = _NAME, *, required: bool = True, field: str | None = None) -> Column:
    return Column(name, field or name, Kind.TEXT, required=required, max_length=max_length)


ARTICLES = FileSchema(
    "articles.csv",
    (
        _article_id(),
        _int("product_code"),
        _text("prod_name", 255),
        _int("product_type_no"),
        _text("product_type_name"),
        _text("product_group_name"),
        _int("graphical_appearance_no"),
        _text("graphical_appearance_name"),
        _int("colour_group_code"),
        _text("colour_group_name"),
        _int("perceived_colour_value_id"),
        _text("perceived_colour_value_name"),
        _int("perceived_colour_master_id"),
        _text("perceived_colour_master_name"),
        _int("department_no"),
        _text("department_name"),
        _text("index_code", 4),
        _text("index_name"),
        _int("index_group_no"),
        _text("index_group_name"),
        _int("section_no"),
        _text("section_name"),
        _int("garment_group_no"),
        _text("garment_group_name"),
        Column("detail_desc", "detail_desc", Kind.TEXT, required=False),
    ),
    key="article_id",
)

CUSTOMERS = FileSchema(
    "customers.csv",
    (
        _text("customer_id", 64),
        Column("FN", "fn", Kind.FLOAT, required=False),
        Column("Active", "active", Kind.FLOAT, required=False),
        _text("club_member_status", 32, required=False),
        _text("fashion_news_frequency", 32, required=False),
        Column("age", "age", Kind.WHOLE_NUMBER, required=False, min_value=MIN_AGE, max_value=MAX_AGE),
        _text("postal_code", 64, required=False),
    ),
    key="customer_id",
)

TRANSACTIONS = FileSchema(
    "transactions_train.csv",
    (
        Column("t_dat", "t_dat", Kind.DATE),
        _text("customer_id", 64),
        _article_id(),
        Column("price", "price", Kind.FLOAT, min_value=0, max_value=PRICE_CEILING),
        _int("sales_channel_id", maximum=_SMALLINT),
    ),
    line_breaks=False,
    mixed_line_ends=True,
)

IMAGES_DIR = "images"
