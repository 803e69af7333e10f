"""Text a shop's own files bring: other encodings, NUL bytes, line breaks inside quoted fields.

Both load paths must refuse the same files with the same file, line and field: PostgreSQL
through COPY (run_import here), SQLite through Python's csv reader (parsed_rows).
"""

from pathlib import Path

import pytest

from accounts.models import Purchase
from catalog.importer.csv_files import (
    CARRIAGE_RETURN_LINES,
    UNQUOTED_CARRIAGE_RETURN,
    UNQUOTED_NEWLINE,
    parsed_rows,
    read_header,
)
from catalog.importer.csv_quotes import STRAY_QUOTE, UNCLOSED_QUOTE
from catalog.importer.errors import ImportInputError
from catalog.importer.schema import ARTICLES, CUSTOMERS, TRANSACTIONS, FileSchema
from catalog.models import Article
from tests.catalog.hm_data import line_count, read_rows, run_import, set_field, set_raw, write_rows

pytestmark = pytest.mark.django_db


def _fails(data_dir: Path) -> ImportInputError:
    with pytest.raises(ImportInputError) as caught:
        run_import(data_dir, images=False)
    return caught.value


def _fails_on_sqlite(path: Path, schema: FileSchema = ARTICLES) -> ImportInputError:
    with pytest.raises(ImportInputError) as caught:
        list(parsed_rows(path, schema, read_header(path, schema)))
    return caught.value


def _latin1_articles(data_dir: Path, line: int) -> Path:
    """articles.csv as a spreadsheet saves it in Western Europe: "Über" is one byte, 0xDC."""
    path = data_dir / "articles.csv"
    set_field(path, line, "prod_name", "Über jacket")
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    return path


def test_a_latin1_file_names_the_line_and_field_of_the_first_bad_byte(hm_files):
    _latin1_articles(hm_files, 51)

    error = _fails(hm_files)

    assert (error.file, error.line, error.field) == ("articles.csv", 51, "prod_name")
    assert "byte 0xDC is not UTF-8 text" in error.problem
    assert not Article.objects.exists()


def test_the_sqlite_path_names_the_same_line_of_a_latin1_file(hm_files):
    # Its decoder reads a block ahead of the csv reader: it named line 28, an earlier one.
    path = _latin1_articles(hm_files, 51)

    error = _fails_on_sqlite(path)

    assert (error.line, error.field) == (51, "prod_name")


def _with_line_breaks(path: Path, line: int) -> None:
    """Gives the row on `line` a description of three lines, as H&M's own has."""
    set_field(path, line, "detail_desc", "Soft jumper.\nHand wash.\nMade in Portugal.")


def test_a_bad_byte_after_a_description_of_several_lines_names_its_own_line(hm_files):
    _with_line_breaks(hm_files / "articles.csv", 5)
    path = _latin1_articles(hm_files, 9)  # the 9th row: line 11 of the file

    assert (_fails(hm_files).line, _fails_on_sqlite(path).line) == (11, 11)


def test_a_nul_character_is_refused_on_both_paths_naming_its_field(hm_files):
    path = hm_files / "articles.csv"
    set_field(path, 7, "detail_desc", "Soft\x00jumper")

    for error in (_fails(hm_files), _fails_on_sqlite(path)):
        assert (error.file, error.line, error.field) == ("articles.csv", 7, "detail_desc")
        assert "NUL character" in error.problem
    assert not Article.objects.exists()


def test_a_nul_character_in_transactions_is_named(hm_files):
    run_import(hm_files, images=False)
    purchases = Purchase.objects.count()
    path = hm_files / "transactions_train.csv"
    customer_id = read_rows(path)[10]["customer_id"]
    set_field(path, 12, "customer_id", customer_id[:-1] + "\x00")

    error = _fails(hm_files)

    assert (error.line, error.field) == (12, "customer_id")
    assert "NUL character" in error.problem
    assert Purchase.objects.count() == purchases


def test_an_article_listed_twice_after_a_description_of_several_lines_names_its_line(hm_files):
    path = hm_files / "articles.csv"
    rows = read_rows(path)
    rows.append(rows[5])
    write_rows(path, ARTICLES.header, rows)
    _with_line_breaks(path, 3)  # two more lines: the repeat, the last row, ends on the last line

    error = _fails(hm_files)

    assert (error.line, error.field) == (len(rows) + 3, "article_id")
    assert not Article.objects.exists()


def test_a_customer_id_with_spaces_around_it_in_transactions_is_refused(hm_files):
    # The SQLite path always refused it; PostgreSQL's line-by-line path took it, spaces dropped.
    run_import(hm_files, images=False)
    path = hm_files / "transactions_train.csv"
    set_field(path, 20, "customer_id", f" {read_rows(path)[18]['customer_id']} ")

    error = _fails(hm_files)

    assert (error.line, error.field, error.problem) == (20, "customer_id", "is longer than 64 characters")


@pytest.mark.parametrize("raw", ['12" heel boots', 'Size 5"x" top'])
def test_a_quote_inside_a_field_that_is_not_quoted_is_refused_on_both_paths(hm_files, raw):
    # SQLite stored it as written; COPY opened a quoted section there: it read on into the next
    # lines and named a later one, or dropped the quotes ("Size 5x top").
    path = hm_files / "articles.csv"
    set_raw(path, 6, "prod_name", raw)

    for error in (_fails(hm_files), _fails_on_sqlite(path)):
        assert (error.line, error.field, error.problem) == (6, "prod_name", STRAY_QUOTE)
    assert not Article.objects.exists()


def test_a_quoted_field_never_closed_names_where_it_opens_on_both_paths(hm_files):
    # SQLite took the rest of the file into the field; COPY named the line after the last.
    path = hm_files / "articles.csv"
    last = line_count(path)
    set_raw(path, last, "detail_desc", '"Soft jumper, hand wash')

    for error in (_fails(hm_files), _fails_on_sqlite(path)):
        assert (error.line, error.field, error.problem) == (last, "detail_desc", UNCLOSED_QUOTE)
    assert not Article.objects.exists()


def test_a_missing_closing_quote_mid_file_names_the_field_it_opens(hm_files):
    # The quoted field runs on into the next rows until their quotes no longer fit.
    path = hm_files / "articles.csv"
    set_raw(path, 9, "detail_desc", '"Soft jumper, hand wash')

    for error in (_fails(hm_files), _fails_on_sqlite(path)):
        assert (error.line, error.field) == (9, "detail_desc")
        assert error.problem.startswith(UNCLOSED_QUOTE)


def test_quoted_commas_quotes_and_line_breaks_are_stored_as_written(hm_files):
    path = hm_files / "articles.csv"
    description = 'A "relaxed" fit, long sleeves.\r\nHand wash, 30°C.\nMade in Türkiye 🧵'
    set_field(path, 4, "detail_desc", description)
    article_id = int(read_rows(path)[2]["article_id"])

    run_import(hm_files, images=False)

    assert Article.objects.get(article_id=article_id).detail_desc == description
    assert list(parsed_rows(path, ARTICLES, read_header(path, ARTICLES)))[2][1]["detail_desc"] == description


@pytest.mark.parametrize("schema", [ARTICLES, CUSTOMERS, TRANSACTIONS], ids=lambda schema: schema.filename)
def test_a_file_whose_lines_end_in_a_carriage_return_alone_is_refused_at_line_1(hm_files, schema):
    # As Excel for Mac's "CSV (Macintosh)" saves it. Both paths crashed with a csv module traceback.
    path = hm_files / schema.filename
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))

    for error in (_fails(hm_files), _fails_on_sqlite(path, schema)):
        assert (error.file, error.line, error.field, error.problem) == (
            schema.filename,
            1,
            None,
            CARRIAGE_RETURN_LINES,
        )


def test_a_carriage_return_outside_quotes_is_refused_on_both_paths(hm_files):
    # SQLite read it as the end of the row: "has 3 fields, expected 25".
    path = hm_files / "articles.csv"
    set_field(path, 12, "prod_name", "Boxy top\r")  # csv.writer leaves a lone \r unquoted

    for error in (_fails(hm_files), _fails_on_sqlite(path)):
        assert (error.line, error.problem) == (12, UNQUOTED_CARRIAGE_RETURN)
    assert not Article.objects.exists()


def test_a_carriage_return_outside_quotes_in_transactions_is_refused_on_both_paths(hm_files):
    # PostgreSQL's line-by-line path crashed with a csv module traceback.
    run_import(hm_files, images=False)
    purchases = Purchase.objects.count()
    path = hm_files / "transactions_train.csv"
    set_field(path, 12, "price", read_rows(path)[10]["price"] + "\r")

    for error in (_fails(hm_files), _fails_on_sqlite(path, TRANSACTIONS)):
        assert (error.file, error.line, error.problem) == (
            TRANSACTIONS.filename,
            12,
            UNQUOTED_CARRIAGE_RETURN,
        )
    assert Purchase.objects.count() == purchases


@pytest.mark.parametrize(
    ("field", "value"),
    [("customer_id", "{}\n"), ("price", "\n{}"), ("sales_channel_id", "{}\r\n"), ("t_dat", "2020-\n01-01")],
)
def test_a_line_break_in_a_quoted_transactions_field_is_refused_on_both_paths(hm_files, field, value):
    # No field of transactions_train.csv holds one. PostgreSQL said "line 12: has 2 fields, expected
    # 5"; SQLite named line 13, or stored the row, the line break taken for a space around a number.
    run_import(hm_files, images=False)
    path = hm_files / "transactions_train.csv"
    set_field(path, 12, field, value.format(read_rows(path)[10][field]))

    for error in (_fails(hm_files), _fails_on_sqlite(path, TRANSACTIONS)):
        assert (error.line, error.field, error.problem) == (
            12,
            field,
            "holds a line break, which no field of transactions_train.csv may",
        )


def _line_ends(path: Path, first: bytes, other: bytes, line: int) -> None:
    """Every line of the file ends in `first`, except `line`, which ends in `other`."""
    lines = path.read_bytes().split(b"\n")[:-1]
    path.write_bytes(
        b"".join(text + (other if number == line else first) for number, text in enumerate(lines, 1))
    )


@pytest.mark.parametrize(
    ("first", "other", "problem"),
    [(b"\n", b"\r\n", UNQUOTED_CARRIAGE_RETURN), (b"\r\n", b"\n", UNQUOTED_NEWLINE)],
    ids=["a Windows line in a Unix file", "a Unix line in a Windows file"],
)
def test_a_line_ending_unlike_the_header_is_refused_on_both_paths(hm_files, first, other, problem):
    # COPY holds every line to the header's ending; SQLite took both.
    path = hm_files / "customers.csv"
    _line_ends(path, first, other, 21)

    for error in (_fails(hm_files), _fails_on_sqlite(path, CUSTOMERS)):
        assert (error.file, error.line, error.problem) == ("customers.csv", 21, problem)


def test_transactions_may_mix_windows_and_unix_lines_on_both_paths(hm_files):
    path = hm_files / "transactions_train.csv"
    _line_ends(path, b"\n", b"\r\n", 21)

    run_import(hm_files, images=False)

    assert Purchase.objects.count() == line_count(path) - 1
    assert len(list(parsed_rows(path, TRANSACTIONS, read_header(path, TRANSACTIONS)))) == line_count(path) - 1


def _drop_field(path: Path, line: int, field: str) -> None:
    lines = path.read_text().split("\n")
    values = lines[line - 1].split(",")
    del values[lines[0].split(",").index(field)]
    lines[line - 1] = ",".join(values)
    path.write_text("\n".join(lines))


def test_a_row_that_lost_a_field_is_named_as_short_on_both_paths(hm_files):
    # COPY converted the shifted values first: "'Dress' is not a whole number" (product_type_no).
    path = hm_files / "articles.csv"
    set_field(path, 14, "prod_name", "Strap top")  # no commas in the fields around it
    _drop_field(path, 14, "prod_name")

    for error in (_fails(hm_files), _fails_on_sqlite(path)):
        assert (error.line, error.field) == (14, None)
        assert error.problem.startswith("has 24 fields, expected 25 (article_id, product_code, prod_name")


def test_the_first_bad_row_is_named_on_both_paths_whatever_each_checks_first(hm_files):
    # PostgreSQL checked the quotes of a whole chunk before COPY read the values before them.
    path = hm_files / "customers.csv"
    set_field(path, 30, "postal_code", "x" * 65)
    set_raw(path, 40, "postal_code", '12" heel')

    for error in (_fails(hm_files), _fails_on_sqlite(path, CUSTOMERS)):
        assert (error.line, error.field, error.problem) == (30, "postal_code", "is longer than 64 characters")


def test_a_bad_row_before_bytes_that_are_not_utf8_is_named_first_on_sqlite(hm_files):
    # The decoder read a block ahead and the SQLite path named the bad bytes further down.
    path = hm_files / "articles.csv"
    set_field(path, 5, "product_code", "12x")
    _latin1_articles(hm_files, 9)  # within the block the decoder reads first

    for error in (_fails(hm_files), _fails_on_sqlite(path)):
        assert (error.line, error.field) == (5, "product_code")


@pytest.mark.parametrize(("filename", "key", "bad_field", "bad_value"), [
    ("articles.csv", "article_id", "product_code", "x"),
    ("customers.csv", "customer_id", "age", "x"),
    ("articles.csv", "article_id", "detail_desc", "Soft\x00jersey"),  # COPY: not UTF-8, no line
    ("customers.csv", "customer_id", "postal_code", "Über"),  # saved as Latin-1 below
])
def test_a_repeated_key_before_a_bad_value_is_named_first_on_both_paths(
    hm_files, filename, key, bad_field, bad_value
):
    # COPY stopped at the bad value further down; the repeat was checked only once the file was in.
    path = hm_files / filename
    repeated = read_rows(path)[9][key]  # line 11
    set_field(path, 20, key, repeated)
    set_field(path, 25, bad_field, bad_value)
    if bad_value == "Über":
        path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))

    error = _fails(hm_files)

    assert (error.file, error.line, error.field) == (filename, 20, key)
    assert error.problem == f"{key} {repeated} appears more than once"
