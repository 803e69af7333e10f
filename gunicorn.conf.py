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

# One process per core. Each holds its own copy of the models' artifacts (vectors, indexes), but
# not of the content encoder's towers: see when_ready.
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


# The arbiter loads Django before forking its workers, so that when_ready can load the towers
# there. Code changes need a restart of gunicorn (as after every deploy, README), not a HUP.
preload_app = True


def when_ready(server: object) -> None:
    """Before the first fork: load the content encoder's towers here, so that every worker shares
    them. Importing torch and transformers and loading both towers' weights took about 300 MB of
    each worker's own memory (2 workers after a few searches: the shop's PSS went from about 880 MB
    to 580 MB). The workers share those pages for as long as nothing writes to them, and nothing
    does: the towers are frozen, and gc.freeze keeps the garbage collector from writing to every
    object it would otherwise walk (one full collection unshared about 100 MB per worker). Each
    worker still loads the version's artifact itself, and a version activated later brings only its
    own heads and indexes, so reloads keep using the shared towers. Nothing here runs a forward
    pass: torch's thread pools start in the workers, after the fork."""
    import gc

    from recommendations.content.serving import encoder_towers_preload

    encoder_towers_preload()
    gc.collect()
    gc.freeze()


def post_worker_init(worker: object) -> None:
    """Each worker starts loading the active models as it starts, in background threads: loading
    them takes 10-25 s (importing torch, building the content model's text tower), which the first
    shopper to reach a fresh worker would otherwise wait for. The worker answers meanwhile (it used
    to load before taking any request, so a deploy answered nothing for that long); a request that
    needs a model still loading falls back (recommendations/serving.py)."""
    from recommendations.serving import warm_up

    warm_up()
