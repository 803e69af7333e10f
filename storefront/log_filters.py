"""Filters on the shop's log handler."""

from __future__ import annotations

import logging

# Django logs every request it refuses as suspicious (a Host header not in ALLOWED_HOSTS, too many
# form fields, a path escaping the media folder) here, with the exception attached.
REFUSED_REQUEST_LOGGERS = "django.security."


class RefusedRequestsWithoutTraceback(logging.Filter):
    """Keep the line, drop the traceback, for requests Django refused as suspicious (and for those
    it answered 503 while the database was away: database_outage).

    Scanners on a public address send wrong Host headers all day: each was a 20-line traceback
    through Django's middleware saying nothing the first line does not ("Invalid HTTP_HOST
    header: '203.0.113.7'. You may need to add '203.0.113.7' to ALLOWED_HOSTS.").
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(REFUSED_REQUEST_LOGGERS) or database_outage(record):
            record.exc_info = None
            record.exc_text = None
        return True


def database_outage(record: logging.LogRecord) -> bool:
    """Django's line for a 503 answered because PostgreSQL was away (handler500, for a middleware
    that lost it): the shop has logged the database's own error in one line, and the traceback is
    that of an outage, not of a bug, on every request while it lasts."""
    if record.name != "django.request" or not record.exc_info or record.exc_info[1] is None:
        return False
    # Imported here: this module is loaded with the logging settings, before the apps are ready.
    from storefront.database_unavailable import database_unreachable

    return database_unreachable(record.exc_info[1])
