"""A small asyncio HTTP/1.1 load generator for benchmarks/load_bench.py.

Each simulated shopper keeps a connection open for a visit of a few requests, as a browser does
(reopened sooner whenever the server closes it), sends one request at a time and reads each
answer to its end.
Latencies are kept per endpoint group; nothing here knows about the shop itself.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

# A request that takes longer than this is counted as an error (a stuck or starved server).
REQUEST_TIMEOUT_SECONDS = 30.0
# Requests a shopper sends on one connection before opening another: a browser's connection
# closes when the shopper reads a page for longer than the server's keep-alive (5 s), and a
# connection kept for the whole run would pin each shopper to the worker process that accepted it.
REQUESTS_PER_VISIT = 5


@dataclass(frozen=True)
class Request:
    group: str
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


@dataclass
class GroupStats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, seconds: float, status: int, ok: bool) -> None:
        self.latencies.append(seconds)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if not ok:
            self.errors += 1


@dataclass
class Timeline:
    """(start offset, seconds, group) per request: what happened around a moment (a retrain)."""

    started: float
    samples: list[tuple[float, float, str]] = field(default_factory=list)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[max(0, round(fraction * 1000) - 1)]


def multipart_body(field_name: str, filename: str, content: bytes, content_type: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; '
        f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Connection:
    """One shopper's keep-alive connection, reopened whenever the server closes it (gunicorn's sync
    workers close every one; a threaded worker keeps it, as a browser would)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None

    async def send(self, request: Request) -> int:
        """The status of one request; the whole body is read so that the server finished its work."""
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        lines = [f"{request.method} {request.path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in request.headers]
        if request.body or request.method == "POST":
            lines.append(f"Content-Length: {len(request.body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + request.body)
        await writer.drain()
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection without an answer")
        status = int(status_line.split()[1])
        headers = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip().lower()
        if "content-length" in headers:
            await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            while size := int((await reader.readline()).split(b";")[0], 16):
                await reader.readexactly(size + 2)
            await reader.readline()
        else:
            await reader.read()
            headers["connection"] = "close"
        if headers.get("connection") == "close":
            self.close()
        return status


async def drive(
    host: str,
    port: int,
    *,
    next_request: Callable[[random.Random], Request],
    concurrency: int,
    seconds: float,
    seed: int,
    timeline: Timeline | None = None,
) -> dict[str, GroupStats]:
    """`concurrency` shoppers sending requests back to back for `seconds`; stats per group."""
    stats: dict[str, GroupStats] = {}
    deadline = time.monotonic() + seconds

    async def shopper(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        connection = Connection(host, port)
        sent = 0
        while time.monotonic() < deadline:
            sent += 1
            if sent % REQUESTS_PER_VISIT == 0:
                connection.close()
            request = next_request(rng)
            started = time.monotonic()
            try:
                status = await asyncio.wait_for(connection.send(request), REQUEST_TIMEOUT_SECONDS)
            except (TimeoutError, OSError, ValueError, IndexError, asyncio.IncompleteReadError):
                connection.close()
                status = 0
            elapsed = time.monotonic() - started
            ok = 200 <= status < 400
            stats.setdefault(request.group, GroupStats()).add(elapsed, status, ok)
            if timeline is not None:
                timeline.samples.append((started - timeline.started, elapsed, request.group))
        connection.close()

    await asyncio.gather(*(shopper(number) for number in range(concurrency)))
    return stats
