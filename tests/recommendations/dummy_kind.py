"""A throwaway model kind for tests, told by its parameters to sleep, fail or fan out.

Registered by the `dummy_kind` fixture in the test process, and through EXTRA_KIND_MODULES in the
worker and web processes that fault tests start.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.db import OperationalError

from recommendations.artifacts import scratch_dir
from recommendations.models import TrainingRun
from recommendations.registry import ModelKind, TrainingContext

KIND_NAME = "test-dummy"


def train(ctx: TrainingContext) -> dict[str, float]:
    parameters = ctx.parameters
    attempts = ctx.scratch_dir / "attempts"
    attempt = int(attempts.read_text()) + 1 if attempts.exists() else 1
    attempts.write_text(str(attempt))
    if attempt <= int(parameters["transient_failures"]):
        raise OperationalError(f"server closed the connection unexpectedly (attempt {attempt})")
    deadline = time.monotonic() + float(parameters["sleep"])
    started = time.monotonic()
    while time.monotonic() < deadline:
        ctx.check_cancelled()
        ctx.progress(100 * (time.monotonic() - started) / max(float(parameters["sleep"]), 0.001), "Sleeping")
        time.sleep(0.05)
    ctx.check_cancelled()
    if parameters["fail"]:
        raise RuntimeError(parameters["fail"])
    chunks_seen = sorted(path.name for path in ctx.scratch_dir.glob("chunk-*"))
    payload = {
        "value": parameters["value"],
        "chunks_seen": chunks_seen,
        "attempts": attempt,
        "load_sleep": parameters["load_sleep"],
    }
    (ctx.workdir / "value.json").write_text(json.dumps(payload), encoding="utf-8")
    return {"value": float(parameters["value"]), "chunks_seen": float(len(chunks_seen))}


def load(folder: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((folder / "value.json").read_text(encoding="utf-8"))
    # A big model (torch, a text tower) takes this long to load in a web process.
    time.sleep(float(loaded.get("load_sleep", 0.0)))
    return loaded


def plan_chunks(ctx: TrainingContext) -> list[dict[str, Any]]:
    return [{"number": number} for number in range(int(ctx.parameters["chunks"]))]


def run_chunk(run_id: int, chunk: dict[str, Any]) -> None:
    parameters = TrainingRun.objects.get(pk=run_id).parameters
    if chunk["number"] == parameters["fail_chunk"]:
        raise RuntimeError(f"chunk {chunk['number']} exploded")
    (scratch_dir(run_id) / f"chunk-{chunk['number']}").write_text("done", encoding="utf-8")


KIND = ModelKind(
    name=KIND_NAME,
    label="Test dummy",
    format_version=3,
    train=train,
    load=load,
    default_parameters={
        "sleep": 0.0,
        "fail": "",
        "value": 1,
        "chunks": 0,
        "fail_chunk": -1,
        "transient_failures": 0,
        "load_sleep": 0.0,
    },
    plan_chunks=plan_chunks,
    run_chunk=run_chunk,
)
