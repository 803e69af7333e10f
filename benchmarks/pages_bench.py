"""Throughput and latency of the shopper pages under gunicorn, against a trivial view.

    .venv/bin/python benchmarks/pages_bench.py [--database-url URL] [--concurrency 8] [--seconds 8]

Loads the demo data into a PostgreSQL database (`generate_demo_data` + `import_hm`, once; reused
afterwards unless --reload), serves the shop with gunicorn, then drives /healthz (the baseline:
no database, no template), the home page, a browse page, product pages and searches with
concurrent keep-alive clients, one page at a time. Prints requests/s and p50/p99 latency per
page and each page's throughput as a fraction of the baseline's, measured in the same run, so
the figures compare across machines even when the absolute numbers do not.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.generated_data import ensure_database  # noqa: E402
from catalog.demo_data.generate import IN_PROGRESS  # noqa: E402

PYTHON = sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/storefront_bench"
SEARCH_TERMS = [
    "dress",
    "black top",
    "striped",
    "trousers",
    "denim",
    "jersey",
    "red",
    "sweater",
    "shorts",
    "socks",
]


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def shell(env: dict[str, str], code: str) -> str:
    return manage(env, "shell", "--no-imports", "-c", code).strip()


def load_demo_data(env: dict[str, str], reload: bool, data_dir: Path) -> None:
    manage(env, "migrate", "--no-input", "-v", "0")
    count = int(shell(env, "from catalog.models import Article; print(Article.objects.count())"))
    if count and not reload:
        print(f"Reusing the {count} articles already in the benchmark database (--reload to rebuild).")
        return
    commands = manage(env, "help", "--commands")
    if "generate_demo_data" not in commands or "import_hm" not in commands:
        sys.exit("The demo data commands (generate_demo_data, import_hm) are not available in this checkout.")
    print(f"Generating demo data into {data_dir} and importing it (once) ...", flush=True)
    if reload or not (data_dir / "articles.csv").exists() or (data_dir / IN_PROGRESS).exists():
        manage(env, "generate_demo_data", str(data_dir))
    manage(env, "import_hm", str(data_dir))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PageResult:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return (
            ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000 if ordered else float("nan")
        )


def drive(
    port: int, name: str, next_path: Callable[[int], str], concurrency: int, seconds: float
) -> PageResult:
    """`concurrency` keep-alive clients request paths as fast as the server answers them."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client(worker: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        own: list[float] = []
        own_errors = 0
        n = worker
        while time.perf_counter() < stop_at:
            path = next_path(n)
            n += concurrency
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    # A page that failed (or was throttled) is no measurement of that page.
                    own_errors += 1
                    continue
            except (OSError, http.client.HTTPException):
                own_errors += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            own.append(time.perf_counter() - started)
        connection.close()
        with lock:
            latencies.extend(own)
            errors[0] += own_errors

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return PageResult(name, len(latencies), errors[0], time.perf_counter() - began, latencies)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", ""), help="cache; none = per process"
    )
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench-data")
    parser.add_argument("--reload", action="store_true", help="regenerate and re-import the demo data")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn worker processes")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients per page")
    parser.add_argument("--seconds", type=float, default=8.0, help="measuring time per page")
    args = parser.parse_args()

    ensure_database(args.database_url)
    static_root = Path(tempfile.mkdtemp(prefix="bench-static-"))
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "ALLOW_INSECURE_SECRET_KEY": "1",
        "DEBUG": "0",
        "HTTPS": "0",
        "STATIC_ROOT": str(static_root),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "storefront.settings",
        # One client searching flat out is what the benchmark measures, not what the limits stop.
        "SEARCH_THROTTLE_ANON": "1000000/min",
        "SEARCH_THROTTLE_USER": "1000000/min",
    }
    load_demo_data(env, args.reload, args.data_dir)
    manage(env, "collectstatic", "--no-input", "-v", "0")
    sample = shell(
        env,
        "from catalog.models import Article; from catalog.categories import category_tree;"
        "print(next(iter(category_tree())));"
        "[print(a.get_absolute_url()) for a in Article.objects.order_by('-popularity')[:200]]",
    ).splitlines()
    group_slug, product_paths = sample[0], sample[1:]
    if not product_paths:
        sys.exit("The benchmark database has no articles.")

    pages: list[tuple[str, Callable[[int], str]]] = [
        ("healthz (baseline)", lambda n: "/healthz"),
        ("home", lambda n: "/"),
        (f"browse /c/{group_slug}/", lambda n: f"/c/{group_slug}/?page={1 + n % 5}"),
        ("product", lambda n: product_paths[n % len(product_paths)]),
        ("search", lambda n: f"/search/?q={urllib.parse.quote(SEARCH_TERMS[n % len(SEARCH_TERMS)])}"),
    ]
    port = free_port()
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "storefront.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            sys.exit("gunicorn did not come up")
        print(
            f"gunicorn: {args.workers} workers x 4 threads; {args.concurrency} clients per page, "
            f"{args.seconds:g}s each; cache: {'Redis' if args.redis_url else 'per process'}",
            flush=True,
        )
        results = []
        for name, next_path in pages:
            drive(
                port, name, next_path, args.concurrency, min(2.0, args.seconds / 4)
            )  # warm caches, connections
            results.append(drive(port, name, next_path, args.concurrency, args.seconds))
    finally:
        server.terminate()
        server.wait(timeout=30)

    baseline = results[0].rate
    print(f"\n{'page':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'vs healthz':>12}{'errors':>8}")
    for result in results:
        print(
            f"{result.name:<28}{result.rate:>9.1f}{result.percentile(0.50):>9.1f}{result.percentile(0.99):>9.1f}"
            f"{result.rate / baseline:>11.2f}x{result.errors:>8}"
        )
    mean_ms = statistics.mean(results[0].latencies) * 1000 if results[0].latencies else float("nan")
    print(f"\nBaseline mean latency {mean_ms:.1f} ms (HTTP, gunicorn and middleware alone).")
    failed = sum(result.errors for result in results)
    if failed:
        sys.exit(
            f"{failed} requests did not answer 200 (left out of the rates above): the figures are invalid."
        )


if __name__ == "__main__":
    main()
