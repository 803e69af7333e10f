"""Web server tests run a real gunicorn process (tests/live_processes.py)."""

from tests.live_processes import artifacts_root, shared_artifacts_root, start_web  # noqa: F401
from tests.recommendations.conftest import dispatched, dummy_kind_registered  # noqa: F401
