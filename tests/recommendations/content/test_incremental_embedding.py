import pytest

from recommendations.content.chunks import plan_chunks, run_chunk
from recommendations.content.models import ImageEmbedding
from recommendations.encoders import get_encoder
from tests.recommendations.content.catalogue import FakeTrainingContext, make_photo_catalogue, write_photo
from tests.recommendations.photos import garment_photo

pytestmark = pytest.mark.django_db


def test_chunks_embed_each_photo_once_and_later_runs_reuse_the_vectors(tmp_path):
    articles = make_photo_catalogue(variants=1)
    ctx = FakeTrainingContext(workdir=tmp_path)
    ctx.parameters["chunk_size"] = 10
    tower = get_encoder().image_tower_name

    chunks = plan_chunks(ctx)
    assert [len(chunk["article_ids"]) for chunk in chunks] == [10, 10, 4]
    for chunk in chunks:
        run_chunk(1, chunk)
    assert ImageEmbedding.objects.filter(tower=tower).count() == len(articles)
    first_vectors = dict(ImageEmbedding.objects.values_list("image_sha256", "created_at"))

    # Nothing changed: the next version plans no embedding work at all.
    assert plan_chunks(ctx) == []

    # One photo re-shot: only that one is embedded again.
    changed = articles[3]
    changed.image, changed.image_sha256 = write_photo(garment_photo(9, "Blue"), "reshoot")
    changed.save(update_fields=["image", "image_sha256"])
    chunks = plan_chunks(ctx)
    assert [chunk["article_ids"] for chunk in chunks] == [[changed.article_id]]
    run_chunk(2, chunks[0])
    after = dict(ImageEmbedding.objects.values_list("image_sha256", "created_at"))
    assert len(after) == len(articles) + 1
    assert all(after[sha] == created for sha, created in first_vectors.items())


def test_a_chunk_run_twice_stores_nothing_twice(tmp_path):
    make_photo_catalogue(variants=1)
    chunk = plan_chunks(FakeTrainingContext(workdir=tmp_path))[0]
    run_chunk(1, chunk)
    run_chunk(1, chunk)
    assert ImageEmbedding.objects.count() == len(chunk["article_ids"])


def test_an_unreadable_photo_is_skipped_not_fatal(tmp_path, settings):
    articles = make_photo_catalogue(variants=1)
    (settings.MEDIA_ROOT / articles[0].image).write_bytes(b"not a jpeg")
    for chunk in plan_chunks(FakeTrainingContext(workdir=tmp_path)):
        run_chunk(1, chunk)
    assert ImageEmbedding.objects.count() == len(articles) - 1
