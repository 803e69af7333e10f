"""Artifact storage: versioned folders with a manifest, written atomically, verified on load.

Layout under the storage root (settings.ARTIFACTS_ROOT):

    <kind>/v0007/manifest.json      format_version, kind, version, created, files (sha256, size)
    <kind>/v0007/<files>            whatever the kind's train() wrote (.npy, index files, JSON)
    <kind>/.incoming-<hex>/         a run's workdir until it is published (renamed to vNNNN)
    .scratch/run-<id>/              per-run folder shared with chunk tasks, never published

A version folder appears under its final name only by a rename of a complete folder (the
manifest is written last), so a reader sees either nothing or a whole artifact. Which version is
*active* is decided by the database (recommendations.versions), never by the file system.

The store is one small class so that object storage can replace it: `publish` would upload the
folder under the same key, `local_path` would download a version into a local cache folder once
and return it; nothing else touches the files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

if TYPE_CHECKING:
    from recommendations.registry import ModelKind

logger = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
# Version of the manifest's own layout (not of a kind's files: that is the kind's format_version).
MANIFEST_SCHEMA_VERSION = 1
INCOMING_PREFIX = ".incoming-"
SCRATCH_FOLDER = ".scratch"
_HASH_BLOCK_BYTES = 1024 * 1024


class ArtifactError(Exception):
    """An artifact is missing, partial, corrupted or incompatible; the message says which and where."""


@dataclass(frozen=True)
class PublishedArtifact:
    path: str  # relative to the storage root
    manifest: dict[str, Any]
    size_bytes: int


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalArtifactStore:
    """Artifacts in a local folder or a shared volume mounted on every web and worker machine."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def version_folder_name(self, version: int) -> str:
        return f"v{version:04d}"

    def new_workdir(self, kind: str) -> Path:
        # Inside the kind's folder so that the final rename stays on one file system (atomic).
        workdir = self.root / kind / f"{INCOMING_PREFIX}{uuid.uuid4().hex}"
        workdir.mkdir(parents=True)
        return workdir

    def scratch_dir(self, run_id: int) -> Path:
        folder = self.root / SCRATCH_FOLDER / f"run-{run_id}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def remove_scratch_dir(self, run_id: int) -> None:
        shutil.rmtree(self.root / SCRATCH_FOLDER / f"run-{run_id}", ignore_errors=True)

    def discard(self, workdir: Path) -> None:
        shutil.rmtree(workdir, ignore_errors=True)

    def highest_folder_version(self, kind: str) -> int:
        """The highest vNNNN folder on disk, including ones no database row points to."""
        highest = 0
        kind_root = self.root / kind
        if kind_root.is_dir():
            for child in kind_root.iterdir():
                if child.name.startswith("v") and child.name[1:].isdigit():
                    highest = max(highest, int(child.name[1:]))
        return highest

    def publish(
        self, workdir: Path, *, kind: ModelKind, version: int, extra: dict[str, Any]
    ) -> PublishedArtifact:
        """Write the manifest into workdir and rename it to its version folder, atomically."""
        files: dict[str, dict[str, Any]] = {}
        total = 0
        for path in sorted(workdir.rglob("*")):
            if path.is_symlink():
                raise ArtifactError(f"{path}: artifacts may not contain symbolic links.")
            if not path.is_file():
                continue
            relative = path.relative_to(workdir).as_posix()
            if relative == MANIFEST_NAME:
                raise ArtifactError(f"{path}: {MANIFEST_NAME} is reserved for the manifest.")
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
            size = path.stat().st_size
            files[relative] = {"sha256": file_sha256(path), "size": size}
            total += size
        if not files:
            raise ArtifactError(f"The {kind.name} training wrote no files into its workdir.")
        manifest = {
            "manifest_version": MANIFEST_SCHEMA_VERSION,
            "format_version": kind.format_version,
            "kind": kind.name,
            "version": version,
            "created": timezone.now().isoformat(),
            **extra,
            "files": files,
        }
        temporary_manifest = workdir / f".{MANIFEST_NAME}.tmp"
        with temporary_manifest.open("w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=2, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary_manifest, workdir / MANIFEST_NAME)
        _fsync_directory(workdir)

        relative = f"{kind.name}/{self.version_folder_name(version)}"
        final = self.root / relative
        if final.exists():
            raise ArtifactError(f"{final} already exists; refusing to overwrite a published version.")
        os.rename(workdir, final)
        try:
            _fsync_directory(final.parent)
        except BaseException:
            # The caller only knows the workdir, which is gone: a folder left under its version
            # name would look published to nobody's record and be cleaned up by nothing.
            shutil.rmtree(final, ignore_errors=True)
            raise
        return PublishedArtifact(path=relative, manifest=manifest, size_bytes=total)

    def local_path(self, relative: str) -> Path:
        return self.root / relative

    def delete(self, relative: str) -> None:
        shutil.rmtree(self.root / relative, ignore_errors=True)

    def remove_stale_temporaries(self, *, older_than_seconds: float, keep_scratch_for: set[int]) -> int:
        """Delete workdirs and scratch folders left by killed workers. Returns how many went."""
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - older_than_seconds
        candidates = list(self.root.glob(f"*/{INCOMING_PREFIX}*"))
        scratch_root = self.root / SCRATCH_FOLDER
        if scratch_root.is_dir():
            candidates += [
                child
                for child in scratch_root.iterdir()
                if int(child.name.removeprefix("run-") or 0) not in keep_scratch_for
            ]
        return self._remove_older_than(candidates, cutoff)

    def remove_unrecorded_versions(self, *, older_than_seconds: float, recorded: set[str]) -> int:
        """Delete version folders no database row points to. Returns how many went.

        A worker killed between the rename and the activating commit leaves one; so does an
        activation whose outcome the worker could not learn (it keeps the folder when unsure).
        """
        if not self.root.is_dir():
            return 0
        candidates = [
            folder
            for folder in self.root.glob("*/v*")
            if folder.name[1:].isdigit() and folder.relative_to(self.root).as_posix() not in recorded
        ]
        return self._remove_older_than(candidates, time.time() - older_than_seconds)

    @staticmethod
    def _remove_older_than(folders: list[Path], cutoff: float) -> int:
        removed = 0
        for folder in folders:
            try:
                if folder.stat().st_mtime < cutoff:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed += 1
            except FileNotFoundError:
                continue
        return removed


def get_store() -> LocalArtifactStore:
    return LocalArtifactStore(settings.ARTIFACTS_ROOT)


def scratch_dir(run_id: int) -> Path:
    """The folder a chunk task of run `run_id` shares with the run's finishing step."""
    return get_store().scratch_dir(run_id)


def verify_artifact(folder: Path, kind: ModelKind, *, check_checksums: bool = True) -> dict[str, Any]:
    """Return the manifest of a complete, intact artifact of this kind, or raise ArtifactError."""
    if not folder.is_dir():
        raise ArtifactError(f"{folder}: the artifact folder is missing.")
    manifest_path = folder / MANIFEST_NAME
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtifactError(f"{manifest_path}: no manifest (a partial artifact).") from None
    except (OSError, ValueError) as error:
        raise ArtifactError(f"{manifest_path}: unreadable manifest ({error}).") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ArtifactError(f"{manifest_path}: the manifest has no file list.")
    if manifest.get("kind") != kind.name:
        raise ArtifactError(
            f"{manifest_path}: the artifact is of kind {manifest.get('kind')!r}, not {kind.name!r}."
        )
    if manifest.get("format_version") != kind.format_version:
        raise ArtifactError(
            f"{manifest_path}: format version {manifest.get('format_version')!r} is not the "
            f"{kind.format_version} this code reads (retrain {kind.name} to replace it)."
        )
    for relative, expected in manifest["files"].items():
        path = folder / relative
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise ArtifactError(f"{path}: listed in the manifest but missing (a partial artifact).") from None
        if size != expected.get("size"):
            raise ArtifactError(f"{path}: {size} bytes, the manifest says {expected.get('size')}.")
        if check_checksums and file_sha256(path) != expected.get("sha256"):
            raise ArtifactError(f"{path}: checksum mismatch (the file is corrupted).")
    return manifest


def load_artifact(relative: str, kind: ModelKind) -> Any | None:
    """The in-memory model of a published artifact, or None (logged) when it cannot be used."""
    folder = get_store().local_path(relative)
    try:
        manifest = verify_artifact(folder, kind, check_checksums=settings.ARTIFACTS_VERIFY_CHECKSUMS)
    except ArtifactError as error:
        logger.error("Not loading the %s model: %s", kind.name, error)
        return None
    try:
        return kind.load(folder, manifest)
    except Exception:
        # A kind's loader may fail in ways we cannot list (a truncated .npy, a bad index file):
        # whatever it is, serving falls back instead of answering 500.
        logger.exception("Not loading the %s model: its loader failed on %s.", kind.name, folder)
        return None
