"""Rewrites transactions_train.csv lines for COPY: H&M's customer hex id → our Customer.id.

Purchases reference customers by a compact integer key, so each line's 64-character customer id
is swapped for that key on the way to the server; unknown customers and articles are caught here,
with their line number. The common case (the exact Kaggle layout: 10-character date, 64-character
id, 10-digit article id) is a slice-and-lookup in a list comprehension; anything else (quotes,
unpadded article ids, other column orders, bad lines) goes through the csv module line by line.
Dates, prices and channels are left for the server to parse and check during COPY.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from catalog.importer.csv_files import split_csv_line
from catalog.importer.errors import ImportInputError
from catalog.importer.schema import TRANSACTIONS, Column

_COMMA = ord(",")
_WHOLE_NUMBER = re.compile(r"\s*\+?\d+\s*")
_STANDARD_ORDER = [column.field for column in TRANSACTIONS.columns]


def load_customer_ids(cursor: Any, table: str) -> dict[bytes, bytes]:
    """{hex customer_id: id as ASCII digits}, streamed from the server with COPY."""
    ids: dict[bytes, bytes] = {}
    with cursor.copy(f"COPY (SELECT customer_id, id FROM {table}) TO STDOUT") as copy:
        while data := copy.read():
            customer_id, _, key = bytes(data).rstrip(b"\n").partition(b"\t")
            ids[customer_id] = key
    return ids


def load_article_keys(cursor: Any, table: str) -> set[bytes]:
    """Article ids as H&M writes them in transactions: zero-padded to 10 digits."""
    cursor.execute(f"SELECT article_id FROM {table}")
    return {b"%010d" % article_id for (article_id,) in cursor.fetchall()}


class PurchaseLineConverter:
    def __init__(self, columns: list[Column], customers: dict[bytes, bytes], articles: set[bytes]) -> None:
        self.columns = columns
        self.customers = customers
        self.articles = articles
        self.fast = [column.field for column in columns] == _STANDARD_ORDER
        self.customer_at = next(i for i, column in enumerate(columns) if column.field == "customer_id")
        self.article_at = next(i for i, column in enumerate(columns) if column.field == "article_id")

    def convert(self, first_line: int, lines: list[bytes]) -> bytes:
        if self.fast:
            customers, articles = self.customers, self.articles
            try:
                # Layout: YYYY-MM-DD,<64 hex>,<10 digits>,price,channel
                out = [
                    line[:11] + customers[line[11:75]] + line[75:]
                    for line in lines
                    if line[10] == _COMMA
                    and line[75] == _COMMA
                    and line[86] == _COMMA
                    and line[76:86] in articles
                ]
            except (KeyError, IndexError):
                out = []
            if len(out) == len(lines):
                return b"".join(out)
        return b"".join(self._convert_slowly(first_line + offset, line) for offset, line in enumerate(lines))

    def _convert_slowly(self, line_no: int, line: bytes) -> bytes:
        fields = split_csv_line(line)
        if fields is None:
            raise ImportInputError(TRANSACTIONS.filename, "is not UTF-8 text", line=line_no)
        if len(fields) != len(self.columns):
            raise ImportInputError(
                TRANSACTIONS.filename,
                f"has {len(fields)} fields, expected {len(self.columns)} ({', '.join(TRANSACTIONS.header)})",
                line=line_no,
            )
        customer = fields[self.customer_at].strip()
        key = self.customers.get(customer.encode())
        if key is None:
            raise ImportInputError(
                TRANSACTIONS.filename,
                f"unknown customer {customer!r}: not in customers.csv or the database",
                line=line_no,
                field="customer_id",
            )
        article = fields[self.article_at]
        if not _WHOLE_NUMBER.fullmatch(article):
            raise ImportInputError(
                TRANSACTIONS.filename, f"{article!r} is not a whole number", line=line_no, field="article_id"
            )
        if b"%010d" % int(article) not in self.articles:
            raise ImportInputError(
                TRANSACTIONS.filename,
                f"unknown article {article.strip()}: not in articles.csv or the database",
                line=line_no,
                field="article_id",
            )
        fields[self.customer_at] = key.decode()
        fields[self.article_at] = str(int(article))
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(fields)
        return buffer.getvalue().encode()
