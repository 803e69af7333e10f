"""Sizes in the upload messages read to a tenth of a MB where that matters, the same way on the
server (storefront.photo_checks.megabytes) as on the page (static/js/shop-the-look.js, checked in
tests/browser/test_oversized_uploads.py), and a size over the limit never reads as the limit."""

import pytest

from storefront.photo_checks import megabytes

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("size", "written"),
    [
        (10 * MB, "10 MB"),
        (103 * MB // 10, "10.2 MB"),  # 10.2999… MB: a limit is never overstated
        (5 * MB // 2, "2.5 MB"),  # the view wrote 2 (MAX_UPLOAD_BYTES // MB)
        (100_000, "97.6 kB"),  # under a megabyte: not "0 MB"
    ],
)
def test_a_limit_is_written_to_a_tenth_where_needed_rounded_down(size, written):
    assert megabytes(size) == written


@pytest.mark.parametrize(
    ("size", "limit", "written"),
    [
        (103 * MB // 10, 10 * MB, "10.3 MB"),
        (7 * MB + 300, 2 * MB, "7 MB"),  # a whole 7 MB photo in a request with its form fields
        (5 * MB // 4, MB, "1.3 MB"),  # exactly 1.25: halves go up, as JavaScript's Math.round
        (10 * MB + 1, 10 * MB, "10.1 MB"),  # read "10 MB", the limit itself
        (int(10.04 * MB), 10 * MB, "10.1 MB"),
        (150_000, 100_000, "146.5 kB"),
    ],
)
def test_a_size_over_the_limit_is_written_to_the_nearest_tenth(size, limit, written):
    assert megabytes(size, over_limit=limit) == written


@pytest.mark.parametrize("limit", [10 * MB, 5 * MB // 2, 100_000, MB - 1])
@pytest.mark.parametrize("over", [1, MB // 40, MB // 20, MB])
def test_a_size_over_the_limit_never_reads_as_the_limit(limit, over):
    size, allowed = megabytes(limit + over, over_limit=limit), megabytes(limit)
    assert bytes_read(size) > bytes_read(allowed), (size, allowed)


def bytes_read(written: str) -> float:
    number, unit = written.split()
    return float(number) * {"MB": MB, "kB": 1024}[unit]


@pytest.mark.django_db
def test_the_photo_page_states_the_limit_as_the_server_does(client, settings):
    settings.MAX_UPLOAD_BYTES = 5 * MB // 2
    page = client.get("/shop-the-look/").content.decode()
    assert "up to 2.5 MB and" in page
