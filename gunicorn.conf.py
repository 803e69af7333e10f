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
# not of the content encoder's towers: see on_starting.
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


# The arbiter loads Django before forking its workers, so that on_starting can load the towers
# there. Code changes therefore need a new arbiter: a restart, or USR2 then WINCH and QUIT to the
# old one (README, Deploying); a HUP only forks new workers from the old arbiter's code.
preload_app = True


def on_starting(server: object) -> None:
    """Before the listening sockets are bound and the first fork (gunicorn 27's Arbiter.start runs
    on_starting after preloading the app and before create_sockets and "Listening at"): load the
    active content version's towers here, so that every worker shares them. Importing torch and
    transformers and loading both towers' weights took about 300 MB of each worker's own memory (2
    workers after a few searches: the shop's PSS went from about 880 MB to 580 MB). The workers
    share those pages for as long as nothing writes to them, and nothing does: the towers are
    frozen, and gc.freeze keeps the garbage collector from writing to every object it would
    otherwise walk (one full collection unshared about 100 MB per worker). Each worker still loads
    the version's artifact itself, and a version activated later brings only its own heads and
    indexes, so reloads keep using the shared towers.

    Here rather than in when_ready, which gunicorn calls after it listens and tells systemd it is
    ready: connections made during the load (5-11 s) would wait unanswered instead of being refused.
    After USR2 the new arbiter inherits the old one's sockets, which the old workers keep answering
    while this runs. Torch's thread pools are not started here (load_towers_before_fork), or a
    worker's first forward pass in its main thread (the sync worker) would hang. With one worker
    this saves no memory, but it is kept: a worker gunicorn restarts (a timeout, a crash) then has
    the towers at once instead of loading them again."""
    import gc

    from recommendations.content.serving import encoder_towers_preload

    # gunicorn installs its signal handlers only after on_starting: until then a HUP (systemctl
    # reload) or USR1 (logrotate) during the load ended the arbiter silently. Installed now, they
    # queue, and gunicorn handles them once the workers are forked (TERM and INT wait too).
    server.init_signals()  # type: ignore[attr-defined]
    encoder_towers_preload()
    gc.collect()
    gc.freeze()


def post_worker_init(worker: object) -> None:
    """Each worker starts loading the active models as it starts, in background threads: loading a
    content version's artifact took 0.08 s with the towers preloaded (on_starting), 10-25 s
    without them (importing torch, building the text tower), which the first shopper to reach a
    fresh worker would otherwise wait for. The worker answers meanwhile (it used
    to load before taking any request, so a deploy answered nothing for that long); a request that
    needs a model still loading falls back (recommendations/serving.py)."""
    from recommendations.serving import warm_up

    warm_up()
