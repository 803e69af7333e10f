"""A database this test process cannot reach: a real refused connection, for what the shop does then."""

import contextlib

from django.db import connection

NOTHING_LISTENS = "1"  # port 1: connection refused at once


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
