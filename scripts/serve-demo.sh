#!/usr/bin/env bash
# Serves the demo on http://127.0.0.1:8000 (or $PORT). With REDIS_URL set, also runs a Celery worker
# with beat beside it, so runs started from the admin or the API have somewhere to go; both stop
# together on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

if [ -n "${REDIS_URL:-}" ]; then
    "$BIN/celery" -A workers worker --beat --loglevel=info --concurrency=2 &
    worker=$!
    trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM
    echo "Celery worker (with beat) started as process $worker."
fi
# Workers, threads and time limits: gunicorn.conf.py (read from this folder).
"$BIN/gunicorn" storefront.wsgi --bind "127.0.0.1:${PORT:-8000}"
