"""Fault tests run a real worker and web processes (tests/live_processes.py)."""

from tests.live_processes import (  # noqa: F401
    artifacts_root,
    celery_worker,
    shared_artifacts_root,
    start_web,
    worker_process,
)
from tests.recommendations.conftest import dispatched, dummy_kind_registered, fresh_serving_state  # noqa: F401
