import dataclasses
import json
import logging
import re
import shutil

import pytest

from recommendations import artifacts
from recommendations.artifacts import ArtifactError, load_artifact, verify_artifact
from tests.recommendations import dummy_kind

KIND = dummy_kind.KIND


def publish(store, value=1, version=1):
    workdir = store.new_workdir(KIND.name)
    (workdir / "value.json").write_text(json.dumps({"value": value}))
    (workdir / "nested").mkdir()
    (workdir / "nested" / "data.bin").write_bytes(b"\x00\x01" * 100)
    return store.publish(workdir, kind=KIND, version=version, extra={"run_id": 9})


def test_it_publishes_a_versioned_folder_with_a_manifest(artifacts_root):
    store = artifacts.get_store()
    published = publish(store)
    folder = artifacts_root / "test-dummy" / "v0001"
    assert published.path == "test-dummy/v0001"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format_version"] == 3
    assert manifest["kind"] == "test-dummy"
    assert manifest["version"] == 1
    assert manifest["run_id"] == 9
    assert manifest["files"]["nested/data.bin"] == {
        "sha256": artifacts.file_sha256(folder / "nested/data.bin"),
        "size": 200,
    }
    assert published.size_bytes == 200 + len(json.dumps({"value": 1}))
    # The workdir was renamed, not copied: no temporary folder is left behind.
    assert sorted(path.name for path in (artifacts_root / "test-dummy").iterdir()) == ["v0001"]


def test_it_refuses_to_overwrite_a_published_version():
    store = artifacts.get_store()
    publish(store)
    with pytest.raises(ArtifactError, match="already exists"):
        publish(store)


def test_it_refuses_an_empty_workdir():
    store = artifacts.get_store()
    with pytest.raises(ArtifactError, match="wrote no files"):
        store.publish(store.new_workdir(KIND.name), kind=KIND, version=1, extra={})


def test_it_loads_an_intact_artifact():
    published = publish(artifacts.get_store(), value=5)
    assert load_artifact(published.path, KIND) == {"value": 5}


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda folder: shutil.rmtree(folder), "the artifact folder is missing"),
        (lambda folder: (folder / "manifest.json").unlink(), r"no manifest \(a partial artifact\)"),
        (lambda folder: (folder / "manifest.json").write_text("{not json"), "unreadable manifest"),
        (lambda folder: (folder / "nested" / "data.bin").unlink(), "listed in the manifest but missing"),
        (
            lambda folder: (folder / "nested" / "data.bin").write_bytes(b"short"),
            "5 bytes, the manifest says 200",
        ),
        (lambda folder: (folder / "nested" / "data.bin").write_bytes(b"\x07" * 200), "checksum mismatch"),
    ],
)
def test_a_damaged_artifact_loads_as_none_and_says_why(artifacts_root, caplog, damage, reason):
    published = publish(artifacts.get_store())
    damage(artifacts_root / published.path)
    with caplog.at_level(logging.ERROR, logger="recommendations.artifacts"):
        assert load_artifact(published.path, KIND) is None
    assert any(record.levelno == logging.ERROR for record in caplog.records)
    assert re.search(reason, caplog.text)


def test_an_artifact_of_another_format_version_is_incompatible(artifacts_root):
    published = publish(artifacts.get_store())
    manifest_path = artifacts_root / published.path / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 2
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="format version 2 is not the 3 this code reads"):
        verify_artifact(artifacts_root / published.path, KIND)


def test_a_loader_that_raises_loads_as_none(caplog):
    published = publish(artifacts.get_store())
    broken_kind = dataclasses.replace(KIND, load=lambda folder, manifest: 1 / 0)
    with caplog.at_level(logging.ERROR):
        assert load_artifact(published.path, broken_kind) is None
    assert "its loader failed" in caplog.text
    assert "ZeroDivisionError" in caplog.text


def test_it_sweeps_temporary_folders_left_by_killed_workers(artifacts_root):
    store = artifacts.get_store()
    abandoned = store.new_workdir(KIND.name)
    live_scratch = store.scratch_dir(7)
    dead_scratch = store.scratch_dir(8)
    assert store.remove_stale_temporaries(older_than_seconds=-1, keep_scratch_for={7}) == 2
    assert not abandoned.exists()
    assert not dead_scratch.exists()
    assert live_scratch.exists()
