"""A database or Redis this test process cannot reach: real refused connections, for what the shop
does then."""

import contextlib

from django.db import connection

NOTHING_LISTENS = "1"  # port 1: connection refused at once
REDIS_NOWHERE = f"redis://127.0.0.1:{NOTHING_LISTENS}/0"
# Redis clients that give up at once rather than after their default timeouts.
REDIS_FAIL_FAST = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


def cut_off(database=connection):
    """The database's next connection goes to a port where nothing listens."""
    database.close()
    database.settings_dict["PORT"] = NOTHING_LISTENS


@contextlib.contextmanager
def database_port_restored():
    """Connections go to the test database again afterwards, whatever cut them off inside."""
    port = connection.settings_dict["PORT"]
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port


@contextlib.contextmanager
def database_unreachable_from_this_process():
    with database_port_restored():
        cut_off()
        yield
