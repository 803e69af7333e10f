import numpy as np
import pytest

from recommendations.encoders import get_encoder
from tests.recommendations.encoders.tiny_clip import save_tiny_clip
from tests.recommendations.photos import garment_photo


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory):
    return save_tiny_clip(tmp_path_factory.mktemp("tiny-clip"))


def test_it_loads_a_saved_clip_checkpoint_through_the_settings(settings, tiny_clip):
    settings.CONTENT_ENCODER = "clip"
    settings.CLIP_MODEL = str(tiny_clip)
    encoder = get_encoder()
    photos = [garment_photo(0, "Red"), garment_photo(5, "Blue").resize((40, 90))]
    images = encoder.embed_images(photos)
    texts = encoder.embed_texts(["red top", "blue sandals for women"])
    assert images.shape == texts.shape == (2, 16)
    np.testing.assert_allclose(np.linalg.norm(images, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(texts, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(images, encoder.embed_images(photos))
    assert encoder.trains_heads is False


def test_it_needs_clip_model_to_be_set(settings):
    settings.CLIP_MODEL = ""
    with pytest.raises(RuntimeError, match="CLIP_MODEL"):
        get_encoder("clip").embed_texts(["top"])
