"""Real processes for tests: a Celery worker and a gunicorn web process on the test database.

Both run the production settings module (DEBUG on only so that admin pages need no collected
static files), point at pytest-django's test database and the test Redis, share this test's
artifact folder, and know the dummy kind through EXTRA_KIND_MODULES. Their heartbeat and stale
limits are shortened so that a killed worker's run is failed in seconds, not a minute.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.db import connection

from recommendations.models import TrainingRun
from storefront import settings_test

REPO_ROOT = Path(__file__).resolve().parents[1]
HEARTBEAT_SECONDS = 0.5
STALE_SECONDS = 3.0
STARTUP_TIMEOUT_SECONDS = 60


@pytest.fixture(scope="module")
def shared_artifacts_root(tmp_path_factory):
    return tmp_path_factory.mktemp("shared-artifacts")


@pytest.fixture(autouse=True)
def artifacts_root(settings, shared_artifacts_root):
    settings.ARTIFACTS_ROOT = shared_artifacts_root
    settings.TRAINING_HEARTBEAT_SECONDS = HEARTBEAT_SECONDS
    settings.TRAINING_STALE_SECONDS = STALE_SECONDS
    return shared_artifacts_root


def process_env(artifacts: Path, **overrides: str) -> dict[str, str]:
    database = connection.settings_dict
    host, port = database["HOST"] or "127.0.0.1", database["PORT"] or 5432
    database_url = f"postgres://{database['USER']}@{host}:{port}/{database['NAME']}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO_ROOT),
        "DJANGO_SETTINGS_MODULE": "storefront.settings",
        "DEBUG": "1",
        "ALLOW_INSECURE_SECRET_KEY": "1",
        "HTTPS": "0",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": os.environ["REDIS_URL"],
        "ARTIFACTS_ROOT": str(artifacts),
        "EXTRA_KIND_MODULES": "tests.recommendations.dummy_kind",
        "TRAINING_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
        "TRAINING_STALE_SECONDS": str(STALE_SECONDS),
        "LOG_LEVEL": "INFO",
        # The test settings' raised search, sign-up and login limits (storefront/settings_test.py):
        # the counters live in the shared Redis, where what earlier tests did from 127.0.0.1 would
        # use up this process's default allowance and turn its searches into 429s.
        **{name: os.environ[name] for name in settings_test.TEST_LIMITS},
    }
    env.update(overrides)
    return env


class LiveProcess:
    """A subprocess in its own process group, so SIGKILL reaches the worker's pool children too."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_path: Path) -> None:
        self.name, self.command, self.env, self.log_path = name, command, env, log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        self.process = None

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


class Worker(LiveProcess):
    def ensure_running(self) -> None:
        if self.alive:
            return
        from workers.celery import app

        # Messages left by earlier tests (runs that no longer exist) would only be skipped, but
        # they would delay this test's messages behind them.
        app.control.purge()
        marker = len(self.log())
        self.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while " ready." not in self.log()[marker:]:
            if not self.alive or time.monotonic() > deadline:
                raise RuntimeError(f"The Celery worker did not start:\n{self.log()[marker:]}")
            time.sleep(0.2)


@pytest.fixture(scope="module")
def worker_process(django_db_setup, django_db_blocker, shared_artifacts_root, tmp_path_factory):
    with django_db_blocker.unblock():
        env = process_env(shared_artifacts_root)
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers",
        "worker",
        "--pool=prefork",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
        "-n",
        f"fault-tests-{os.getpid()}@%h",
    ]
    worker = Worker("worker", command, env, tmp_path_factory.mktemp("logs") / "worker.log")
    yield worker
    worker.stop()


@pytest.fixture
def celery_worker(worker_process, transactional_db):
    """A running worker (restarted if a previous test killed it) on a committed test database."""
    worker_process.ensure_running()
    return worker_process


def free_port() -> int:
    """A port nothing listens on: any the system gives, or one of TEST_WEB_PORTS ("8140-8149") on a
    machine where each developer keeps to a range of ports of their own."""
    first, last = _test_web_ports()
    for port in range(first, last + 1):
        with socket.socket() as probe:
            # As gunicorn binds: a port whose closed connections linger in TIME_WAIT is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise RuntimeError(f"No free port in TEST_WEB_PORTS={os.environ['TEST_WEB_PORTS']}.")


def _test_web_ports() -> tuple[int, int]:
    """TEST_WEB_PORTS as (first, last); (0, 0), any port the system gives, when it is not set."""
    value = os.environ.get("TEST_WEB_PORTS", "0")
    first, _, last = value.partition("-")
    if not (first.isdigit() and (last or first).isdigit() and int(first) <= int(last or first) <= 65535):
        raise RuntimeError(f"TEST_WEB_PORTS={value!r} is not a range of ports FIRST-LAST, such as 8140-8149.")
    return int(first), int(last or first)


class WebProcess(LiveProcess):
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "storefront.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "1",
            "--timeout",
            "60",
        ]
        super().__init__("web", command, env, log_path)
        self.base_url = f"http://127.0.0.1:{self.port}"

    def wait_until_serving(self) -> None:
        """Until this process's gunicorn listens on its port and answers. An answer alone could come
        from another session's server that took the port between free_port and the bind (this one
        then logs "Connection in use" and exits): only its own "Listening at" line says it is ours."""
        assert self.process is not None
        listening = f"Listening at: {self.base_url} ({self.process.pid})"
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while True:
            if listening in self.log():
                with contextlib.suppress(OSError):
                    if HttpSession(self.base_url).get("/admin/login/").status == 200:
                        return
            if not self.alive or time.monotonic() > deadline:
                raise RuntimeError(f"The web process did not start:\n{self.log()}")
            time.sleep(0.2)


@pytest.fixture
def start_web(transactional_db, shared_artifacts_root, tmp_path):
    """Start a gunicorn web process (one worker process) with optional environment overrides."""
    started: list[WebProcess] = []

    def start(**overrides: str) -> WebProcess:
        web = WebProcess(
            process_env(shared_artifacts_root, **overrides), tmp_path / f"web-{len(started)}.log"
        )
        started.append(web)
        web.start()
        web.wait_until_serving()
        return web

    yield start
    for web in started:
        web.stop()


class Response:
    def __init__(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.status, self.body, self.headers = status, body, headers

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    def json(self) -> object:
        import json

        return json.loads(self.body)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class HttpSession:
    """Just enough of a browser for the live web process: cookies, CSRF, redirects, a token."""

    def __init__(
        self, base_url: str, *, cookies: dict[str, str] | None = None, token: str | None = None
    ) -> None:
        self.base_url = base_url
        self.cookies = dict(cookies or {})
        self.token = token
        self._opener = urllib.request.build_opener(_NoRedirects)

    def request(
        self, method: str, path: str, data: dict[str, str] | None = None, json_body: object = None
    ) -> Response:
        import json

        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        body = None
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        # Only ever http://127.0.0.1:<port> of the web process this test started.
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers, method=method)  # noqa: S310
        try:
            with self._opener.open(request, timeout=30) as raw:
                response = Response(raw.status, raw.read(), dict(raw.headers))
                set_cookies = raw.headers.get_all("Set-Cookie") or []
        except urllib.error.HTTPError as error:
            response = Response(error.code, error.read(), dict(error.headers))
            set_cookies = error.headers.get_all("Set-Cookie") or []
        for header in set_cookies:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        if response.status in (301, 302, 303) and method in ("GET", "POST"):
            return self.request("GET", response.headers["Location"])
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_form(self, page: str, action: str, data: dict[str, str]) -> Response:
        """Load `page`, take its CSRF token, and post `data` to `action` like a browser form would."""
        html = self.get(page).text
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert match, f"no CSRF token on {page}"
        return self.request("POST", action, data={"csrfmiddlewaretoken": match.group(1), **data})


def wait_for_run(run_id: int, statuses: tuple[str, ...], timeout: float = 60.0) -> TrainingRun:
    deadline = time.monotonic() + timeout
    while True:
        run = TrainingRun.objects.get(pk=run_id)
        if run.status in statuses:
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} is still {run.status} ({run.message}) after {timeout} s")
        time.sleep(0.1)
