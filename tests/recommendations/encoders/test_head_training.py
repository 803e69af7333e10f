import random

import numpy as np
import pytest

from recommendations.content.evaluation import COLOUR_TYPE_KEY, TYPE_KEY, metadata_queries, precision_at_k
from recommendations.content.texts import ArticleText, training_texts
from recommendations.encoders import get_encoder
from recommendations.encoders.heads import HeadTraining, train_heads
from tests.recommendations.photos import CLASS_NAMES, garment_photo

CLASSES = (0, 1, 3, 5, 7, 8)
COLOURS = ("Red", "Blue", "Black", "Yellow")


@pytest.fixture(scope="module")
def small_catalogue():
    """6 garment types x 4 colours x 4 photos; half the photos of each colour and type are held out."""
    photos, texts = [], []
    for class_index in CLASSES:
        for colour in COLOURS:
            for variant in range(4):
                photos.append(garment_photo(class_index, colour, variant=variant))
                texts.append(
                    ArticleText(
                        name="Style",
                        type=CLASS_NAMES[class_index],
                        colour=colour,
                        pattern_name="Solid",
                        department="Jersey",
                        index_group="Ladieswear",
                        description="",
                    )
                )
    encoder = get_encoder("bundled")
    features = encoder.image_features(photos)
    heldout = np.arange(len(photos)) % 4 >= 2
    return encoder, features, texts, heldout


def _precision(encoder, features, articles, template, key):
    queries = metadata_queries(articles, template, key)
    scores = encoder.embed_texts(queries.texts) @ encoder.project_images(features).T
    return precision_at_k(scores, queries.relevant)


def test_trained_heads_find_held_out_photos_far_better_than_untrained_ones(small_catalogue):
    encoder, features, articles, heldout = small_catalogue
    rng = random.Random(0)
    train_rows = np.flatnonzero(~heldout)
    texts, owners = [], []
    for position, row in enumerate(train_rows):
        for text in training_texts(articles[row], 6, rng):
            texts.append(text)
            owners.append(position)
    text_features = encoder.text_features(texts)
    heads = train_heads(
        features[train_rows], text_features, np.array(owners), HeadTraining(epochs=40, batch_size=32)
    )
    trained = encoder.with_heads(heads)
    heldout_articles = [articles[row] for row in np.flatnonzero(heldout)]
    heldout_features = features[heldout]

    trained_type = _precision(trained, heldout_features, heldout_articles, "{type}", TYPE_KEY)
    untrained_type = _precision(encoder, heldout_features, heldout_articles, "{type}", TYPE_KEY)
    trained_colour = _precision(
        trained, heldout_features, heldout_articles, "{colour} {type}", COLOUR_TYPE_KEY
    )
    untrained_colour = _precision(
        encoder, heldout_features, heldout_articles, "{colour} {type}", COLOUR_TYPE_KEY
    )
    assert trained_type >= 0.6
    assert trained_type >= 2 * untrained_type
    assert trained_colour >= 2 * untrained_colour
