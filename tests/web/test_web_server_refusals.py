"""What gunicorn refuses before the shop sees a request is documented in the API's schema too, with
the content type gunicorn really sends: a client built from the schema meets no unknown answer."""

import http.client
import json

# Longer than gunicorn reads: a request line of 4094 bytes, a header of 8190.
LONG_QUERY = "&".join(f"colour={code}" for code in range(1000, 1700))
LONG_HEADER = "x" * 9000


def get(port, path, headers=None):
    """(status, media type, body) of a GET to the live web process."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        media_type = (response.getheader("Content-Type") or "").split(";")[0]
        return response.status, media_type, response.read()
    finally:
        connection.close()


def test_the_schema_documents_what_the_web_server_refuses_as_it_answers_it(start_web):
    web = start_web()
    schema = json.loads(get(web.port, "/api/schema/?format=json")[2])
    refused = [
        get(web.port, f"/api/v1/articles/?{LONG_QUERY}"),
        get(web.port, "/api/v1/articles/", {"X-Long": LONG_HEADER}),
    ]
    assert [status for status, _, _ in refused] == [414, 431]
    undocumented = [
        f"{method.upper()} {path}: {status} {media_type}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for status, media_type, _ in refused
        if media_type not in operation["responses"].get(str(status), {}).get("content", {})
    ]
    assert undocumented == []
