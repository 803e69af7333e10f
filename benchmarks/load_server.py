"""The server side of benchmarks/load_bench.py: serve the shop with scripts/serve-demo.sh, find its
gunicorn workers, read their memory and the model versions they map, and the database's state."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.load_targets import Targets

READY_TIMEOUT_SECONDS = 180
SMALL_DATA = {"articles": "1500", "customers": "3000"}
_VERSION_FOLDER = re.compile(r"/([a-z_]+/v\d{4})/")


def postgres_connections(database: str) -> int:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [database]
        ).fetchone()
    return int(row[0]) if row else 0


def memory_of(pid: int) -> dict[str, float]:
    """MiB of RSS, PSS (shared pages split between their users), private and shared pages."""
    fields: dict[str, float] = {}
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return {"rss": 0, "pss": 0, "private": 0, "shared": 0}
    for line in text.splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value) / 1024
    return {
        "rss": fields.get("Rss", 0),
        "pss": fields.get("Pss", 0),
        "private": fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0),
        "shared": fields.get("Shared_Clean", 0) + fields.get("Shared_Dirty", 0),
    }


def _children(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            children.append(int(entry.name))
    return children


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class ServerProcess:
    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = root / "var" / "bench" / "load-server.log"

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=self.root, env=self.env, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def build_small_database(self) -> None:
        from benchmarks.generated_data import ensure_database, own_artifacts_root

        url = self.env["DATABASE_URL"].rstrip("/") + "_small"
        name = url.rsplit("/", 1)[-1]
        self.env.update(
            DATABASE_URL=url,
            ARTIFACTS_ROOT=own_artifacts_root(url),
            MEDIA_ROOT=str(self.root / "var" / "bench" / "media" / name),
        )
        ensure_database(url)
        self.manage("migrate", "--no-input", "-v", "0")
        if self.active_version("content") is not None:
            return
        data = self.root / "var" / "bench" / f"load-small-{SMALL_DATA['articles']}a"
        print(f"Building {name} once: generating, importing and training ...", flush=True)
        self.manage(
            "generate_demo_data",
            str(data),
            "--articles",
            SMALL_DATA["articles"],
            "--customers",
            SMALL_DATA["customers"],
        )
        self.manage("import_hm", str(data))
        for kind in ("trending", "collaborative", "content"):
            self.manage("train", kind, "--in-process")

    def collect_targets(self, *, logins: int) -> Targets:
        import django

        os.environ.update(self.env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storefront.settings")
        django.setup()
        from benchmarks.load_targets import collect

        return collect(logins=logins, photos=8, seed=1)

    def _rows(self, sql: str, params: list[object]) -> list[tuple]:
        """The rows of one query on the shop's database, read beside the server."""
        import psycopg

        with psycopg.connect(self.env["DATABASE_URL"], autocommit=True) as connection:
            return connection.execute(sql, params).fetchall()

    def active_version(self, kind: str) -> int | None:
        rows = self._rows(
            "SELECT version FROM recommendations_modelversion WHERE kind = %s AND is_active", [kind]
        )
        return int(rows[0][0]) if rows else None

    def runs_in_progress(self, kind: str) -> int:
        rows = self._rows(
            "SELECT count(*) FROM recommendations_trainingrun WHERE kind = %s"
            " AND status IN ('queued', 'running')",
            [kind],
        )
        return int(rows[0][0]) if rows else 0

    def available_versions(self, kind: str) -> list[int]:
        """Ids of the kind's versions whose files are kept, newest first."""
        rows = self._rows(
            "SELECT id FROM recommendations_modelversion WHERE kind = %s AND pruned_at IS NULL"
            " ORDER BY version DESC",
            [kind],
        )
        return [int(row[0]) for row in rows]

    def activate(self, version_id: int, staff_token: str) -> int:
        """Activate a version as staff do through the API; the answer's status."""
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", int(self.env["PORT"]), timeout=60)
        connection.request(
            "POST",
            f"/api/v1/model-versions/{version_id}/activate/",
            headers={"Authorization": f"Token {staff_token}"},
        )
        status = connection.getresponse().status
        connection.close()
        return status

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            ["./scripts/serve-demo.sh"],
            cwd=self.root,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        url = f"http://127.0.0.1:{self.env['PORT']}/healthz"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped; see {self.log_path}")
            try:
                urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        else:
            self.stop()
            raise RuntimeError(
                f"the server did not answer {url} in {READY_TIMEOUT_SECONDS} s; see {self.log_path}"
            )
        # Workers answer while their models load (recommendations/serving.py): wait for each one's
        # warm-up (each logs when it is done).
        while time.monotonic() < deadline and self._warmed_up_workers() < len(self.worker_pids()):
            time.sleep(0.5)
        if self._warmed_up_workers() < len(self.worker_pids()):
            # Measuring now would time model loads, not serving (LOG_LEVEL above INFO hides the line).
            self.stop()
            raise RuntimeError(
                f"not every worker finished its warm-up (the log line) in {READY_TIMEOUT_SECONDS} s; "
                f"see {self.log_path}"
            )
        print(f"serving on {url} (log: {self.log_path}), workers {self.worker_pids()}", flush=True)

    def _warmed_up_workers(self) -> int:
        from recommendations.serving import WARM_UP_FINISHED

        return self.log_path.read_text(errors="replace").count(WARM_UP_FINISHED)

    def gunicorn_master(self) -> int | None:
        if self.process is None:
            return None
        for pid in _children(self.process.pid):
            if "gunicorn" in _cmdline(pid):
                return pid
        return None

    def worker_pids(self) -> list[int]:
        master = self.gunicorn_master()
        return sorted(_children(master)) if master else []

    def mapped_versions(self, pid: int) -> list[str]:
        try:
            maps = Path(f"/proc/{pid}/maps").read_text()
        except OSError:
            return []
        return sorted(set(_VERSION_FOLDER.findall(maps)))

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        time.sleep(1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # a celery child that outlived its parent
