"""The transactions file streams through: memory does not grow with its size."""

import re
from pathlib import Path

import pytest

from accounts.models import Customer, Purchase
from catalog.importer.schema import TRANSACTIONS
from catalog.importer.transactions import import_transactions
from catalog.models import Article
from catalog.progress import SilentProgress
from tests.catalog.hm_data import run_import

ROWS = 1_000_000
# Far below the file (about 100 MB): a loader that read the file, or its rows, into memory would
# need at least as much as the file.
MAX_GROWTH_MB = 40


def _peak_rss_kb() -> int:
    found = re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text())
    assert found is not None
    return int(found[1])


def _reset_peak_rss() -> None:
    # Linux: writing 5 to clear_refs resets the peak resident set size (VmHWM) to the current one.
    Path("/proc/self/clear_refs").write_text("5")


def _write_transactions(path: Path, customers: list[str], articles: list[int]) -> None:
    lines = [
        f"2020-09-{1 + n % 22:02d},{customers[n % len(customers)]},{articles[n % len(articles)]:010d},"
        f"0.0{n % 97 + 100},{1 + n % 2}\n"
        for n in range(10_000)
    ]
    block = "".join(lines).encode()
    with path.open("wb") as handle:
        handle.write((",".join(TRANSACTIONS.header) + "\n").encode())
        for _ in range(ROWS // 10_000):
            handle.write(block)


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.skipif(
    not Path("/proc/self/clear_refs").exists(), reason="needs Linux's /proc to measure peak memory"
)
def test_a_million_purchases_import_in_flat_memory(hm_files, tmp_path):
    (hm_files / "transactions_train.csv").unlink()
    run_import(hm_files, images=False)
    path = tmp_path / "transactions_train.csv"
    _write_transactions(
        path,
        list(Customer.objects.values_list("customer_id", flat=True)),
        list(Article.objects.values_list("article_id", flat=True)),
    )
    assert path.stat().st_size > 90 * 1024 * 1024

    _reset_peak_rss()
    before = _peak_rss_kb()
    report = import_transactions(path, progress=SilentProgress())
    growth_mb = (_peak_rss_kb() - before) / 1024

    assert report.rows == ROWS
    assert Purchase.objects.count() == ROWS
    assert growth_mb < MAX_GROWTH_MB, f"peak memory grew by {growth_mb:.0f} MB"
