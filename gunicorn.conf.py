"""gunicorn's settings for this shop, read from the working directory (`gunicorn storefront.wsgi`).

Threads, not one request per process: with the sync worker a process did nothing else while a
request waited (on PostgreSQL, on Redis, on a shopper's phone sending a photo, on the client's
FIN after each answer, which gunicorn's sync worker lingers for), so two slow photo uploads held
the whole shop and every answer opened a new connection. A threaded worker keeps connections
alive and serves other shoppers meanwhile; the models stay loaded once per process (shared by its
threads), so threads add concurrency without adding memory. benchmarks/load_bench.py compares
the two (`--variant "sync=--worker-class sync"`).
"""

import os

# One process per core: each holds its own copy of the models' in-memory parts.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
# How long an idle keep-alive connection stays open; browsers fetch a page's pieces meanwhile.
keepalive = 5
# A worker that does not answer the arbiter for this long is restarted (its in-flight requests
# fail). With threads the arbiter hears from the worker's main loop, not after each request.
timeout = 120
# gunicorn 27 opens a control socket at one path per user ($XDG_RUNTIME_DIR/gunicorn.ctl, else
# $HOME/.gunicorn/gunicorn.ctl): a second server on the machine (another shop, a test's, a
# benchmark's) took it over, and the first of them to stop deleted it from under the other. Off
# unless an operator names a path of its own.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket


def post_worker_init(worker: object) -> None:
    """Each worker starts loading the active models as it starts, in background threads: loading
    them takes 10-25 s (importing torch, building the content model's text tower), which the first
    shopper to reach a fresh worker would otherwise wait for. The worker answers meanwhile (it used
    to load before taking any request, so a deploy answered nothing for that long); a request that
    needs a model still loading falls back (recommendations/serving.py)."""
    from recommendations.serving import warm_up

    warm_up()
