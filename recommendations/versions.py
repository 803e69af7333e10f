"""Services for model versions: record a published artifact, activate (or roll back), prune old ones."""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from recommendations import artifacts, serving
from recommendations.artifacts import ArtifactError, PublishedArtifact
from recommendations.models import ModelVersion, TrainingRun
from recommendations.registry import get_kind

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)


def next_version_number(*, kind_name: str) -> int:
    """One above both the highest row and the highest folder (a folder can outlive a failed commit)."""
    highest_row = (
        ModelVersion.objects.filter(kind=kind_name).aggregate(highest=Max("version"))["highest"] or 0
    )
    return max(highest_row, artifacts.get_store().highest_folder_version(kind_name)) + 1


def model_version_create(
    *, kind_name: str, run: TrainingRun | None, published: PublishedArtifact
) -> ModelVersion:
    """Record a published folder. Call inside the transaction that also activates it."""
    return ModelVersion.objects.create(
        kind=kind_name,
        version=published.manifest["version"],
        path=published.path,
        format_version=published.manifest["format_version"],
        manifest=published.manifest,
        size_bytes=published.size_bytes,
        run=run,
    )


def activate_in_transaction(*, version: ModelVersion, activated_by: User | None = None) -> None:
    """Make `version` the one active version of its kind. Must run inside transaction.atomic."""
    # Deactivate first: the partial unique index on active versions is checked per statement.
    ModelVersion.objects.filter(kind=version.kind, is_active=True).exclude(pk=version.pk).update(
        is_active=False
    )
    version.is_active = True
    version.activated_at = timezone.now()
    version.activated_by = activated_by
    version.save(update_fields=["is_active", "activated_at", "activated_by"])
    # Web processes learn about it only once it is committed, never about a rolled-back activation.
    transaction.on_commit(partial(serving.announce_active_version, version.kind, version.pk))


def model_version_activate(*, version: ModelVersion, activated_by: User | None = None) -> ModelVersion:
    """Roll back (or forward) to a published version after checking its files are intact."""
    problem = model_version_problem(version=version, check_checksums=True)
    if problem is not None:
        raise ArtifactError(f"{version}: {problem}; it cannot be activated.")
    with transaction.atomic():
        locked = ModelVersion.objects.select_for_update().get(pk=version.pk)
        if locked.pruned_at is not None:
            raise ArtifactError(f"{locked}: its files were removed while it was being activated.")
        if not locked.is_active:
            activate_in_transaction(version=locked, activated_by=activated_by)
    logger.info("%s activated by %s.", locked, activated_by or "the system")
    return locked


def model_version_problem(*, version: ModelVersion, check_checksums: bool = False) -> str | None:
    """Why a version's files cannot be served (pruned, missing, partial, corrupted), or None.

    Without checksums it reads the manifest and the files' sizes only, cheap enough for a list
    page; a flipped byte then goes unnoticed until a web process loads the version.
    """
    if version.pruned_at is not None:
        return f"its files were removed on {version.pruned_at:%Y-%m-%d}"
    try:
        kind = get_kind(version.kind)
        artifacts.verify_artifact(
            artifacts.get_store().local_path(version.path), kind, check_checksums=check_checksums
        )
    except (ArtifactError, LookupError) as error:
        return str(error).rstrip(".")  # callers go on with the sentence
    return None


def model_versions_prune(*, kind_name: str, keep: int | None = None) -> int:
    """Delete the files of all but the newest `keep` versions (and the active one). Returns how many.

    Versions the quality gate held back (and nobody activated) do not count toward `keep`: night
    after night of them pushed the versions a rollback can go to out of storage. Of those, the
    newest stays, even once later versions passed, for staff to activate as its run's message
    offers; the older ones go.
    """
    keep = settings.ARTIFACTS_KEEP if keep is None else keep
    available = list(
        ModelVersion.objects.available().filter(kind=kind_name).select_related("run").order_by("-version")
    )
    rollback_targets = [version for version in available if not version.held_back_unused]
    kept = {version.pk for version in rollback_targets[:keep]}
    held_back = [version for version in available if version.held_back_unused]
    if held_back:
        kept.add(held_back[0].pk)
    doomed = [version for version in available if version.pk not in kept and not version.is_active]
    store = artifacts.get_store()
    pruned = 0
    for version in doomed:
        # The row is marked first: a rollback that races with pruning then refuses cleanly
        # instead of activating a folder that is about to disappear.
        still_doomed = ModelVersion.objects.filter(pk=version.pk, is_active=False)
        if version.held_back_unused:
            # Doomed as never activated: one staff activated (and deactivated) since is a rollback target.
            still_doomed = still_doomed.filter(activated_at__isnull=True)
        if still_doomed.update(pruned_at=timezone.now()):
            store.delete(version.path)
            pruned += 1
    return pruned
