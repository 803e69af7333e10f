"""The content model trained once per session is handed to each module as files of its own."""

import pytest

from tests.recommendations.content.catalogue import artifact_files

pytestmark = pytest.mark.django_db


def test_each_module_gets_its_own_copy_of_the_model_files(trained_content, trained_content_files):
    """One folder was shared: a test that damaged it was found out only when its module ended,
    and then every later module failed the same check, far from the cause."""
    _articles, ctx, _metrics, workdir = trained_content
    assert workdir != trained_content_files.workdir
    assert ctx.workdir == workdir
    assert artifact_files(workdir) == trained_content_files.files
    (workdir / "content.json").write_text("damaged")  # this module's copy only
    assert artifact_files(trained_content_files.workdir) == trained_content_files.files
