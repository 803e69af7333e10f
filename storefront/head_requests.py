"""HEAD answers without a body: what GET would send, less the body, as HTTP says.

Django answers HEAD by running the GET view and leaves the body in; gunicorn drops it, but logs a
warning for every such answer ("WSGI app sent body bytes on a no-body response"), and uptime
monitors and `curl -I` send HEAD all day. The body goes here, its length stays in Content-Length.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse


class EmptyHeadBodies:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method != "HEAD":
            return response
        if isinstance(response, StreamingHttpResponse):
            # A file (a photo under MEDIA_ROOT): its Content-Length is set; it is closed unread.
            response.streaming_content = iter(())
        elif response.content:
            length = len(response.content)
            response.content = b""
            response["Content-Length"] = str(length)
        return response
