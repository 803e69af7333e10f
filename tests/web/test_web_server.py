"""The web server as the project runs it (gunicorn with gunicorn.conf.py): one slow shopper does
not hold up the others."""

import http.client
import socket
import time

# Far below gunicorn's worker timeout (60 s in tests), after which a stuck worker is restarted.
ANSWER_WITHIN_SECONDS = 10


def test_a_photo_still_uploading_does_not_hold_up_other_shoppers(start_web):
    web = start_web()  # one worker process, as tests start it
    with socket.create_connection(("127.0.0.1", web.port)) as phone:
        # A phone on a weak signal: the headers of a 2 MB photo, then only its first bytes.
        phone.sendall(
            b"POST /api/v1/search/image/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=photo\r\nContent-Length: 2000000\r\n\r\n"
            b'--photo\r\nContent-Disposition: form-data; name="image"; filename="me.jpg"\r\n\r\n\xff\xd8'
        )
        time.sleep(0.5)  # the server has read the headers and waits for the rest

        started = time.monotonic()
        shopper = http.client.HTTPConnection("127.0.0.1", web.port, timeout=ANSWER_WITHIN_SECONDS)
        shopper.request("GET", "/healthz")
        assert shopper.getresponse().status == 200
        assert time.monotonic() - started < ANSWER_WITHIN_SECONDS
