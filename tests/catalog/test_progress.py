"""Progress bars of long commands (import_hm): redrawn often in a terminal, seldom in a log file."""

import io
import time

from catalog.progress import TqdmProgress


def test_into_a_log_file_a_bar_is_not_redrawn_twice_a_second():
    # `import_hm DATA 2> import.log` (cron, a CI job) kept every redraw: one every half second,
    # about 1,200 for a full H&M import.
    log = io.StringIO()
    with TqdmProgress(log).bar("transactions_train.csv", total=300) as advance:
        for _ in range(300):  # 1.5 s of rows
            advance(1)
            time.sleep(0.005)
    assert 1 <= log.getvalue().count("\r") <= 3  # the first and the last, and at most one between
