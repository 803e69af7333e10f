import numpy as np
from PIL import Image, ImageDraw

from recommendations.content.evaluation import image_precision_at_k, tune_shape_weight
from recommendations.encoders.base import l2_normalise, reweight_shape
from recommendations.encoders.bundled import BundledEncoder
from recommendations.encoders.efficientnet_tower import PIXEL_MEAN, PIXEL_STD, RESOLUTION
from recommendations.encoders.image_preprocessing import to_batch
from recommendations.encoders.silhouette import DIMENSION, silhouette_features
from tests.recommendations.photos import garment_photo

STUDIO = (242, 241, 238)


def _garment(width: int, height: int, colour: tuple[int, int, int], size: tuple[int, int] = (160, 160)):
    photo = Image.new("RGB", size, STUDIO)
    left, top = (size[0] - width) // 2, (size[1] - height) // 2
    ImageDraw.Draw(photo).rectangle((left, top, left + width - 1, top + height - 1), fill=colour)
    return photo


def _silhouettes(*photos: Image.Image) -> np.ndarray:
    return silhouette_features(to_batch(list(photos), RESOLUTION, PIXEL_MEAN, PIXEL_STD))


def test_the_silhouette_ignores_colour_but_not_cut():
    red_wide, navy_wide, red_narrow = _silhouettes(
        _garment(100, 120, (200, 30, 30)), _garment(100, 120, (30, 42, 84)), _garment(60, 120, (200, 30, 30))
    )
    np.testing.assert_allclose(red_wide, navy_wide, atol=1e-6)
    assert red_wide @ red_narrow < 0.9
    np.testing.assert_allclose(np.linalg.norm(red_wide), 1.0, atol=1e-5)


def test_the_white_padding_of_a_portrait_photo_is_not_part_of_the_garment():
    # The same garment shot square and in a tall frame: preprocessing pads the tall one with white,
    # which differs from the studio grey but must not read as a garment as wide as the frame.
    square = _garment(60, 120, (40, 140, 60), size=(160, 160))
    tall = _garment(60, 120, (40, 140, 60), size=(80, 160))
    full_width = _garment(160, 120, (40, 140, 60), size=(160, 160))
    square_shape, tall_shape, full_shape = _silhouettes(square, tall, full_width)
    assert square_shape @ tall_shape > full_shape @ tall_shape + 0.1
    assert square_shape @ tall_shape > 0.9


def test_a_blank_photo_has_an_empty_silhouette_not_nans():
    (blank,) = _silhouettes(Image.new("RGB", (50, 50), STUDIO))
    assert blank.shape == (DIMENSION,)
    assert np.isfinite(blank).all() and not blank.any()


def test_the_bundled_image_features_end_with_the_silhouette_part():
    encoder = BundledEncoder()
    photos = [garment_photo(1, "Red"), garment_photo(1, "Blue"), garment_photo(3, "Red")]
    features = encoder.image_features(photos)
    shape_part = features[:, -encoder.shape_feature_dimension :]
    np.testing.assert_allclose(np.linalg.norm(shape_part, axis=1), np.sqrt(0.5), atol=1e-4)
    # Only the outline: two colourings of one pair of trousers share it, a dress does not.
    similarity = 2 * shape_part @ shape_part.T
    assert similarity[0, 1] > 0.98
    assert similarity[0, 2] < similarity[0, 1] - 0.1


def test_reweighting_scales_the_shape_columns_and_keeps_unit_length():
    features = l2_normalise(np.array([[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0]], np.float32))
    assert reweight_shape(features, 2, 1.0) is features
    appearance_only = reweight_shape(features, 2, 0.0)
    np.testing.assert_allclose(appearance_only, [[1, 0, 0, 0], [0, 1, 0, 0]], atol=1e-6)
    heavy = reweight_shape(features, 2, 3.0)
    np.testing.assert_allclose(np.linalg.norm(heavy, axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(heavy[0, 2] / heavy[0, 0], 3.0, rtol=1e-5)
    assert reweight_shape(features, 0, 3.0) is features


def test_tuning_weighs_the_silhouette_up_only_when_it_tells_types_apart():
    rng = np.random.default_rng(0)
    labels = ["top", "vest top"] * 20
    # Appearance is noise (random colours); the shape part separates the two types.
    appearance = rng.normal(size=(40, 8))
    shape = np.array([[1.0, 0.2] if label == "top" else [0.2, 1.0] for label in labels])
    shape += rng.normal(scale=0.05, size=shape.shape)
    features = l2_normalise(np.concatenate([l2_normalise(appearance), l2_normalise(shape)], axis=1))
    weight, measured = tune_shape_weight(features, labels, 2)
    assert weight > 1.0
    assert measured[weight] > measured[0.0] + 0.3
    assert image_precision_at_k(reweight_shape(features, 2, weight), labels) == measured[weight]

    # When the appearance part carries the type and the shape is noise, the shape stays light.
    swapped = l2_normalise(np.concatenate([l2_normalise(shape), l2_normalise(appearance[:, :2])], axis=1))
    weight, measured = tune_shape_weight(swapped, labels, 2)
    assert weight < 1.0


def test_an_encoder_without_a_silhouette_part_is_not_tuned():
    features = l2_normalise(np.eye(4, dtype=np.float32))
    assert tune_shape_weight(features, ["a", "a", "b", "b"], 0) == (1.0, {})
