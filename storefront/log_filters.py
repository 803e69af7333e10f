"""Filters on the shop's log handler."""

from __future__ import annotations

import logging

# Django logs every request it refuses as suspicious (a Host header not in ALLOWED_HOSTS, too many
# form fields, a path escaping the media folder) here, with the exception attached.
REFUSED_REQUEST_LOGGERS = "django.security."


class RefusedRequestsWithoutTraceback(logging.Filter):
    """Keep the line, drop the traceback, for requests Django refused as suspicious.

    Scanners on a public address send wrong Host headers all day: each was a 20-line traceback
    through Django's middleware saying nothing the first line does not ("Invalid HTTP_HOST
    header: '203.0.113.7'. You may need to add '203.0.113.7' to ALLOWED_HOSTS.").
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(REFUSED_REQUEST_LOGGERS):
            record.exc_info = None
            record.exc_text = None
        return True
