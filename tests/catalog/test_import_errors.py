"""Bad input stops the import with the file, line and field, and stores nothing of that file."""

import threading
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Customer, Purchase
from catalog.importer import dataset
from catalog.importer.errors import ImportInputError
from catalog.importer.schema import ARTICLES, CUSTOMERS, TRANSACTIONS
from catalog.models import Article
from tests.catalog.hm_data import manage_on_sqlite, read_rows, run_import, set_field, set_raw
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def _rename_column(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    header, rest = text.split("\n", 1)
    path.write_text(header.replace(old, new) + "\n" + rest)


def _state():
    return (
        list(Article.objects.order_by("pk").values_list("pk", "prod_name", "slug")),
        Customer.objects.count(),
        list(Purchase.objects.order_by("pk").values_list("pk", "t_dat", "price")),
    )


@pytest.fixture
def imported(hm_files):
    """The data set imported once (photos aside): errors below must leave exactly this behind."""
    run_import(hm_files, images=False)
    return hm_files


def _fails(data_dir, **options) -> ImportInputError:
    with pytest.raises(ImportInputError) as caught:
        run_import(data_dir, **options)
    return caught.value


def test_a_renamed_column_names_the_missing_one(imported):
    _rename_column(imported / "articles.csv", "prod_name", "product_name")
    before = _state()

    error = _fails(imported)

    assert (error.file, error.line, error.field) == ("articles.csv", 1, "prod_name")
    assert "'product_name'" in str(error)
    assert _state() == before


def test_a_missing_column_of_transactions_is_reported(imported):
    path = imported / "transactions_train.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n")

    error = _fails(imported)

    assert (error.file, error.line, error.field) == ("transactions_train.csv", 1, "sales_channel_id")


def test_an_unparsable_date_names_its_line_and_nothing_of_the_file_is_kept(imported):
    set_field(imported / "transactions_train.csv", 40, "t_dat", "2020-13-45")
    set_field(imported / "articles.csv", 2, "prod_name", "Changed before the failure")
    before = _state()

    error = _fails(imported)

    assert (error.file, error.line, error.field) == ("transactions_train.csv", 40, "t_dat")
    assert "2020-13-45" in str(error)
    # articles.csv came first and was fine: it is stored; the purchases are exactly as before.
    assert Article.objects.filter(prod_name="Changed before the failure").exists()
    assert _state()[2] == before[2]


def test_an_unparsable_price_names_its_line(imported):
    set_field(imported / "transactions_train.csv", 7, "price", "0,05x")

    error = _fails(imported)

    assert (error.file, error.line, error.field) == ("transactions_train.csv", 7, "price")


@pytest.mark.parametrize("price", ["NaN", "Infinity", "-0.01", "1.5e308"])
def test_a_price_that_is_not_a_finite_positive_number_is_out_of_range(imported, price):
    set_field(imported / "transactions_train.csv", 8, "price", price)

    error = _fails(imported)

    assert (error.file, error.line, error.field) == ("transactions_train.csv", 8, "price")
    assert "out of range" in error.problem


@pytest.mark.parametrize("price", ["nan", "inf", "-0.01", "1.5e308"])
def test_the_sqlite_parser_refuses_the_same_prices_as_postgresql(price):
    # 1.5e308 is a finite double but above the stored check (PRICE_CEILING): it was a traceback.
    with pytest.raises(ValueError):
        TRANSACTIONS.column("price").parse(price)


@pytest.mark.parametrize("age, stored", [("24.5", 25), ("25.5", 26), ("0.5", 1), ("49.0", 49)])
def test_an_age_with_a_half_is_rounded_alike_on_both_paths(hm_files, age, stored):
    # Python's round() rounds halves to even: SQLite stored 24 where PostgreSQL stored 25.
    set_field(hm_files / "customers.csv", 5, "age", age)

    run_import(hm_files, images=False)

    customer_id = read_rows(hm_files / "customers.csv")[3]["customer_id"]
    assert Customer.objects.get(customer_id=customer_id).age == stored
    assert CUSTOMERS.column("age").parse(age) == stored


@pytest.mark.parametrize("age", ["-0.4", "150.4"])
def test_an_age_out_of_range_before_rounding_is_refused_on_both_paths(hm_files, age):
    set_field(hm_files / "customers.csv", 5, "age", age)

    error = _fails(hm_files)

    assert (error.line, error.field) == (5, "age")
    with pytest.raises(ValueError):
        CUSTOMERS.column("age").parse(age)


# Python's int() and float() read these; PostgreSQL's input functions do not.
NOT_POSTGRESQL_NUMBERS = ["1_0", "\uff13\uff10", "\u0662\u0666", "\u00a012"]  # fullwidth, Arabic-Indic, NBSP


@pytest.mark.parametrize("raw", NOT_POSTGRESQL_NUMBERS)
@pytest.mark.parametrize(
    "column", [CUSTOMERS.column("FN"), CUSTOMERS.column("age"), ARTICLES.column("product_type_no")]
)
def test_the_sqlite_parser_refuses_numbers_postgresql_refuses(column, raw):
    with pytest.raises(ValueError, match="is not a"):
        column.parse(raw)


@pytest.mark.parametrize("raw", NOT_POSTGRESQL_NUMBERS)
def test_a_price_postgresql_cannot_read_is_refused_on_its_line_by_line_path(imported, raw):
    set_field(imported / "transactions_train.csv", 8, "price", raw)

    error = _fails(imported)

    assert (error.line, error.field, error.problem) == (8, "price", f"{raw!r} is not a number")


def test_an_unparsable_number_in_articles_stores_no_article(hm_files):
    set_field(hm_files / "articles.csv", 30, "product_type_no", "two hundred")

    error = _fails(hm_files)

    assert (error.file, error.line, error.field) == ("articles.csv", 30, "product_type_no")
    assert not Article.objects.exists()


def test_a_negative_age_is_out_of_range(hm_files):
    set_field(hm_files / "customers.csv", 12, "age", "-4.0")

    error = _fails(hm_files)

    assert (error.file, error.line, error.field) == ("customers.csv", 12, "age")
    assert "out of range" in error.problem
    assert not Customer.objects.exists()


def test_a_quoted_empty_field_is_blank_as_on_sqlite(hm_files):
    """Python's csv reader (the SQLite path) reads "" as blank; COPY read it as an empty string."""
    set_raw(hm_files / "customers.csv", 3, "FN", '""')
    run_import(hm_files, images=False)
    assert Customer.objects.filter(fn__isnull=True).exists()

    set_raw(hm_files / "articles.csv", 5, "prod_name", '""')
    error = _fails(hm_files)
    assert (error.file, error.line, error.field, error.problem) == (
        "articles.csv",
        5,
        "prod_name",
        "is empty",
    )


def test_text_past_its_length_is_refused_even_when_the_excess_is_spaces(hm_files):
    # PostgreSQL's varchar(4) would have stored "A   " without a word.
    set_raw(hm_files / "articles.csv", 6, "index_code", "A    ")

    error = _fails(hm_files)

    assert (error.file, error.line, error.field) == ("articles.csv", 6, "index_code")
    assert error.problem == "is longer than 4 characters"
    assert not Article.objects.exists()


def test_an_empty_required_field_is_reported(hm_files):
    set_field(hm_files / "articles.csv", 5, "prod_name", "")

    error = _fails(hm_files)

    assert (error.file, error.line, error.field, error.problem) == (
        "articles.csv",
        5,
        "prod_name",
        "is empty",
    )


def test_an_unknown_article_in_transactions_names_its_line(imported):
    set_field(imported / "transactions_train.csv", 25, "article_id", "0999999001")
    before = _state()

    error = _fails(imported)

    assert (error.file, error.line, error.field) == ("transactions_train.csv", 25, "article_id")
    assert "0999999001" in str(error)
    assert _state() == before


ELEVEN_DIGITS = "12345678901"  # H&M article ids have ten digits at most; the admin refuses this one


def test_an_article_id_of_more_than_ten_digits_is_refused(hm_files):
    set_field(hm_files / "articles.csv", 30, "article_id", ELEVEN_DIGITS)

    error = _fails(hm_files)

    assert (error.file, error.line, error.field) == ("articles.csv", 30, "article_id")
    assert "9999999999" in error.problem and "at most 10 digits" in error.problem
    assert not Article.objects.exists()


def test_a_purchase_of_an_article_id_of_more_than_ten_digits_is_refused(imported):
    # Such an article could be in the database already (stored before ids were checked): the
    # purchase is refused for its id, not taken because the article is known.
    ArticleFactory(article_id=int(ELEVEN_DIGITS))
    set_field(imported / "transactions_train.csv", 25, "article_id", ELEVEN_DIGITS)
    before = _state()

    error = _fails(imported)

    assert (error.file, error.line, error.field) == ("transactions_train.csv", 25, "article_id")
    assert "9999999999" in error.problem and "at most 10 digits" in error.problem
    assert _state() == before


def test_the_largest_ten_digit_article_id_is_read(hm_files):
    (hm_files / "transactions_train.csv").unlink()  # its purchases name the id replaced here
    set_field(hm_files / "articles.csv", 30, "article_id", "9999999999")
    # Zero-padded past ten characters: the number is what counts, and it has nine digits.
    set_field(hm_files / "articles.csv", 31, "article_id", "00108775999")
    run_import(hm_files, images=False)
    assert Article.objects.filter(article_id__in=[9_999_999_999, 108_775_999]).count() == 2


def test_an_unknown_customer_in_transactions_names_its_line(imported):
    set_field(imported / "transactions_train.csv", 60, "customer_id", "f" * 64)
    before = _state()

    error = _fails(imported)

    assert (error.file, error.line, error.field) == ("transactions_train.csv", 60, "customer_id")
    assert _state() == before


def test_a_row_with_too_many_fields_names_its_line(imported):
    path = imported / "transactions_train.csv"
    lines = path.read_text().splitlines()
    lines[9] += ",2"
    path.write_text("\n".join(lines) + "\n")

    error = _fails(imported)

    assert (error.file, error.line) == ("transactions_train.csv", 10)


def test_an_article_listed_twice_names_the_second_line(hm_files):
    path = hm_files / "articles.csv"
    lines = path.read_text().splitlines()
    lines.append(lines[3])
    path.write_text("\n".join(lines) + "\n")

    error = _fails(hm_files)

    assert (error.file, error.line, error.field) == ("articles.csv", len(lines), "article_id")
    assert not Article.objects.exists()


def test_a_customer_listed_twice_names_the_second_line(hm_files):
    stored = list(Customer.objects.order_by("pk").values_list("customer_id", "age"))
    path = hm_files / "customers.csv"
    lines = path.read_text().splitlines()
    lines.insert(7, lines[2])
    path.write_text("\n".join(lines) + "\n")

    error = _fails(hm_files)

    assert (error.file, error.line, error.field) == ("customers.csv", 8, "customer_id")
    assert list(Customer.objects.order_by("pk").values_list("customer_id", "age")) == stored


@pytest.mark.parametrize("filename, key", [("customers.csv", "customer_id"), ("articles.csv", "article_id")])
@pytest.mark.parametrize("repeat", ["the same row", "a changed row"])
def test_a_row_listed_twice_is_refused_on_a_re_import_too(imported, filename, key, repeat):
    """Into a filled table the load is an upsert, whose own conflict check misses some repeats."""
    customers = Customer.objects.order_by("pk").values_list("customer_id", "age", "postal_code")
    before = _state(), list(customers)
    path = imported / filename
    lines = path.read_text().splitlines()
    copy = lines[2] if repeat == "the same row" else lines[2].replace(",", ",9", 1)
    lines.append(copy)
    path.write_text("\n".join(lines) + "\n")

    error = _fails(imported, images=False)

    assert (error.file, error.line, error.field) == (filename, len(lines), key)
    assert "appears more than once" in error.problem
    assert (_state(), list(customers.all())) == before


def test_a_file_that_is_not_an_image_is_named(hm_files):
    article_id = read_rows(hm_files / "articles.csv")[10]["article_id"]
    photo = hm_files / "images" / article_id[:3] / f"{article_id}.jpg"
    photo.write_text("this is not a photo")

    error = _fails(hm_files)

    assert error.file == f"images/{article_id[:3]}/{article_id}.jpg"
    assert "not a readable image (19 bytes in no image format Pillow reads)" in str(error)
    assert Article.objects.get(article_id=int(article_id)).image == ""
    photo.write_bytes(b"")
    assert "not a readable image (the file is empty)" in str(_fails(hm_files))


def test_a_truncated_image_is_not_stored(hm_files):
    article_id = read_rows(hm_files / "articles.csv")[11]["article_id"]
    photo = hm_files / "images" / article_id[:3] / f"{article_id}.jpg"
    photo.write_bytes(photo.read_bytes()[:300])

    error = _fails(hm_files)

    assert error.file.endswith(f"{article_id}.jpg")
    assert Article.objects.get(article_id=int(article_id)).image == ""


def test_the_command_turns_bad_input_into_a_command_error(hm_files):
    set_field(hm_files / "customers.csv", 3, "FN", "yes")

    with pytest.raises(CommandError, match=r"customers.csv, line 3, field FN: 'yes' is not a number"):
        call_command("import_hm", str(hm_files), verbosity=0)


def test_the_command_exits_non_zero_with_the_message(migrated_sqlite, tmp_path):
    # On a migrated database: an unmigrated one is refused first (test_import_unmigrated.py).
    result = manage_on_sqlite(
        "import_hm", str(tmp_path / "missing"), database=migrated_sqlite, media=tmp_path / "media"
    )

    assert result.returncode == 1
    assert "missing: is not a folder" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_articles_and_customers_load_side_by_side(hm_files, monkeypatch):
    """Committed imports (the command's way) load the two files on two connections, then purchases."""
    threads = {}
    for name in ("import_articles", "import_customers"):
        importer = getattr(dataset, name)

        def recorded(path, *, progress, importer=importer, name=name):
            threads[name] = threading.current_thread().name
            return importer(path, progress=progress)

        monkeypatch.setattr(dataset, name, recorded)

    run_import(hm_files, images=False)

    assert threads["import_articles"] != threads["import_customers"]
    assert Article.objects.count() == len(read_rows(hm_files / "articles.csv"))
    assert Customer.objects.count() == len(read_rows(hm_files / "customers.csv"))
    assert Purchase.objects.count() == len(read_rows(hm_files / "transactions_train.csv"))


@pytest.mark.django_db(transaction=True)
def test_side_by_side_a_bad_articles_file_is_reported_after_the_good_customers_file_is_stored(hm_files):
    set_field(hm_files / "articles.csv", 30, "product_type_no", "two hundred")

    error = _fails(hm_files)

    assert (error.file, error.line, error.field) == ("articles.csv", 30, "product_type_no")
    assert not Article.objects.exists()
    assert Customer.objects.count() == len(read_rows(hm_files / "customers.csv"))
    assert not Purchase.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_side_by_side_two_bad_files_report_the_first_in_file_order(hm_files):
    set_field(hm_files / "articles.csv", 30, "product_type_no", "two hundred")
    set_field(hm_files / "customers.csv", 12, "age", "-4.0")

    error = _fails(hm_files)

    assert (error.file, error.line) == ("articles.csv", 30)
    assert not Article.objects.exists() and not Customer.objects.exists()
