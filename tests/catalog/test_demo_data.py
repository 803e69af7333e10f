import hashlib
import json
import re

import numpy as np
import pytest
from django.core.management import call_command
from PIL import Image

from catalog.demo_data import hierarchy, vocab
from catalog.demo_data import images as demo_images
from catalog.demo_data.articles import _product_name, write_catalogue
from catalog.demo_data.generate import (
    MARKER,
    DemoDataOptions,
    OutputNotEmpty,
    generate_demo_data,
    interrupted,
)
from catalog.importer.schema import ARTICLES, CUSTOMERS, TRANSACTIONS
from catalog.progress import SilentProgress
from tests.catalog.hm_data import generate, read_rows

SMALL = {"articles": 60, "customers": 120, "weeks": 3}


def _fingerprint(folder):
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def test_the_same_seed_writes_the_same_files(tmp_path):
    first = _fingerprint(generate(tmp_path / "a", seed=11, **SMALL))
    second = _fingerprint(generate(tmp_path / "b", seed=11, **SMALL))

    assert first == second
    assert len(first) == 3 + SMALL["articles"]


def test_another_seed_writes_other_data(tmp_path):
    first = _fingerprint(generate(tmp_path / "a", seed=11, images=False, **SMALL))
    second = _fingerprint(generate(tmp_path / "b", seed=12, images=False, **SMALL))

    assert all(first[name] != second[name] for name in first)


def test_the_files_have_the_kaggle_layout(hm_demo_dir):
    for schema in (ARTICLES, CUSTOMERS, TRANSACTIONS):
        header = (hm_demo_dir / schema.filename).read_text().split("\n", 1)[0]
        assert header == ",".join(schema.header)
    articles = read_rows(hm_demo_dir / "articles.csv")
    for article in articles:
        assert re.fullmatch(r"0\d{9}", article["article_id"])
        assert re.fullmatch(r"0\d{6}", article["product_code"])
        assert article["article_id"].startswith(article["product_code"])
        assert re.fullmatch(r"\d\d", article["colour_group_code"])
        photo = hm_demo_dir / "images" / article["article_id"][:3] / f"{article['article_id']}.jpg"
        with Image.open(photo) as image:
            assert (image.format, image.size) == ("JPEG", (224, 224))
    for customer in read_rows(hm_demo_dir / "customers.csv"):
        assert re.fullmatch(r"[0-9a-f]{64}", customer["customer_id"])
        assert re.fullmatch(r"(\d+\.0)?", customer["age"])
        assert customer["FN"] in ("", "1.0")
    transactions = read_rows(hm_demo_dir / "transactions_train.csv")
    assert transactions == sorted(transactions, key=lambda row: row["t_dat"])
    for row in transactions[:500]:
        assert re.fullmatch(r"2020-\d\d-\d\d", row["t_dat"])
        assert re.fullmatch(r"0\.\d+", row["price"])
        assert row["sales_channel_id"] in ("1", "2")
    assert max(row["t_dat"] for row in transactions) == "2020-09-22"


def test_colour_variants_share_product_code_name_and_type_but_not_colour(hm_demo_dir):
    products = {}
    for article in read_rows(hm_demo_dir / "articles.csv"):
        products.setdefault(article["product_code"], []).append(article)
    variants = [group for group in products.values() if len(group) > 1]

    assert variants
    for group in variants:
        assert len({(a["prod_name"], a["product_type_name"], a["index_group_name"]) for a in group}) == 1
        assert len({a["colour_group_code"] for a in group}) == len(group)


def test_every_product_type_is_shown_by_the_matching_fashion_mnist_class():
    expected = {
        "T-shirt": "T-shirt/top", "Vest top": "T-shirt/top", "Top": "T-shirt/top", "Sweater": "Pullover",
        "Hoodie": "Pullover", "Cardigan": "Pullover", "Shirt": "Shirt", "Blouse": "Shirt", "Dress": "Dress",
        "Trousers": "Trouser", "Leggings/Tights": "Trouser", "Jacket": "Coat", "Coat": "Coat",
        "Blazer": "Coat", "Sneakers": "Sneaker", "Sandals": "Sandal", "Boots": "Ankle boot", "Bag": "Bag",
        "Backpack": "Bag",
    }  # fmt: skip

    assert {t.name: hierarchy.PHOTO_CLASSES[t.photo_class] for t in hierarchy.PRODUCT_TYPES} == expected


def test_each_article_gets_a_photo_of_its_type_class(tmp_path):
    photos = demo_images.FashionMnistPhotos.load()
    if photos is None:
        pytest.skip("Fashion-MNIST (dataset-fashion-mnist) is not installed")
    catalogue = write_catalogue(tmp_path / "articles.csv", 40, 3, np.random.default_rng(1))

    jobs = list(demo_images._jobs(tmp_path, catalogue, photos, seed=1))

    for position, job in enumerate(jobs):
        product_type = int(catalogue.product_type[position])
        photo_class = hierarchy.PRODUCT_TYPES[product_type].photo_class
        # The photo is from the type's own pool, and that pool was cut from the type's class.
        assert (photos.pool(product_type) == job.photo).all(axis=(1, 2)).any()
        sources = photos.sources[product_type]
        assert (photos.by_class[photo_class][:, None] == sources[None, :8]).all(axis=(2, 3)).any(axis=0).all()


def test_photos_are_painted_in_the_article_colour(tmp_path):
    photos = demo_images.FashionMnistPhotos.load() or demo_images.DrawnGarments()
    red = next(colour for colour in vocab.COLOURS if colour.name == "Red")
    path = tmp_path / "red.jpg"
    job = demo_images.ImageJob(path, photos.photo(hierarchy.DRESS, 0.3), red.rgb, "solid", seed=1)

    demo_images.render_to_file(job)

    pixels = np.asarray(Image.open(path).convert("RGB"), dtype=float)
    garment = pixels[np.abs(pixels - demo_images.BACKGROUND * 255).sum(axis=2) > 60]
    assert len(garment) > 2_000
    r, g, b = garment.mean(axis=0)
    assert r > g + 60 and r > b + 60


def test_stripes_are_drawn_over_the_garment(tmp_path):
    photos = demo_images.FashionMnistPhotos.load() or demo_images.DrawnGarments()
    black = next(colour for colour in vocab.COLOURS if colour.name == "Black")
    shape = photos.photo(hierarchy.TSHIRT, 0.5)
    solid, striped = tmp_path / "solid.jpg", tmp_path / "striped.jpg"
    demo_images.render_to_file(demo_images.ImageJob(solid, shape, black.rgb, "solid", seed=2))
    demo_images.render_to_file(demo_images.ImageJob(striped, shape, black.rgb, "stripe", seed=2))

    def light_share(path):
        pixels = np.asarray(Image.open(path).convert("L"), dtype=float)[60:170, 80:150]
        return (pixels > 150).mean()

    assert light_share(striped) > light_share(solid) + 0.15


def test_without_fashion_mnist_it_draws_garments_and_warns(tmp_path, monkeypatch):
    monkeypatch.setattr(demo_images.FashionMnistPhotos, "load", classmethod(lambda cls, directory=None: None))
    notes = []

    class Recorder:
        def bar(self, *args, **kwargs):
            from catalog.progress import SilentProgress

            return SilentProgress().bar(*args, **kwargs)

        def note(self, message):
            notes.append(message)

    summary = generate_demo_data(
        tmp_path / "drawn", options=DemoDataOptions(seed=1, **SMALL), progress=Recorder()
    )

    assert summary.photo_source == "drawn"
    assert any("warning" in note and "dataset-fashion-mnist" in note for note in notes)
    assert len(list((tmp_path / "drawn" / "images").rglob("*.jpg"))) == SMALL["articles"]


def test_it_will_not_overwrite_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "articles.csv").write_text("a real download\n")

    with pytest.raises(OutputNotEmpty):
        generate_demo_data(tmp_path, options=DemoDataOptions(**SMALL), progress=None)
    assert (tmp_path / "articles.csv").read_text() == "a real download\n"


def test_a_catalogue_large_enough_for_worker_processes_gets_its_photos(tmp_path, monkeypatch):
    """From POOL_THRESHOLD articles the photos are drawn in spawned processes, which start without
    Django: what they import must not need it (an import of a model module broke `make demo`)."""
    monkeypatch.setattr(demo_images.os, "cpu_count", lambda: 2)  # the pool even on one core
    articles = demo_images.POOL_THRESHOLD
    out = generate(tmp_path / "out", articles=articles, customers=20, weeks=1)

    assert len(list((out / "images").rglob("*.jpg"))) == articles


def test_a_run_that_stopped_half_way_can_be_run_again(tmp_path, monkeypatch):
    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("catalog.demo_data.generate.write_images", crash)
    with pytest.raises(KeyboardInterrupt):
        generate_demo_data(tmp_path, options=DemoDataOptions(**SMALL), progress=SilentProgress())
    assert interrupted(tmp_path) and (tmp_path / "articles.csv").exists()
    monkeypatch.undo()

    generate(tmp_path, **SMALL)  # no --force needed: the folder is its own

    assert not interrupted(tmp_path) and (tmp_path / MARKER).exists()


def test_the_command_reports_what_it_wrote(tmp_path, capsys):
    call_command(
        "generate_demo_data", str(tmp_path / "out"), "--articles", "30", "--customers", "40", "--weeks", "2",
        "--no-images", verbosity=0,
    )  # fmt: skip

    assert re.search(
        r"Wrote 30 articles, 40 customers, [\d,]+ transactions and 0 images", capsys.readouterr().out
    )


def test_types_sharing_a_photo_class_each_get_their_own_look():
    photos = demo_images.FashionMnistPhotos.load()
    if photos is None:
        pytest.skip("Fashion-MNIST (dataset-fashion-mnist) is not installed")
    names = [t.name for t in hierarchy.PRODUCT_TYPES]
    tops = [names.index(name) for name in ("T-shirt", "Vest top", "Top")]
    looks = [np.stack([photos.photo_for_type(t, pick) for pick in np.linspace(0, 0.999, 200)]) for t in tops]
    centres = [look.reshape(len(look), -1).mean(axis=0) for look in looks]

    for own, look in enumerate(looks):
        flat = look.reshape(len(look), -1).astype(np.float32)
        distances = [np.linalg.norm(flat - centre, axis=1).mean() for centre in centres]
        # Each type's photos sit closer to their own type's average photo than to the others'.
        assert int(np.argmin(distances)) == own
    # The same pick gives different photos for different types (no photo shared between types).
    assert not (looks[0][0] == looks[1][0]).all()


@pytest.mark.django_db
def test_a_benchmark_data_set_written_by_another_version_of_the_generator_is_written_again(
    tmp_path, monkeypatch
):
    """Benchmarks reused a cached set by its options alone, so after a change to the generator they
    measured the old data under the new code."""
    from benchmarks import generated_data

    monkeypatch.setattr(generated_data, "REPO_ROOT", tmp_path)
    options = {"customers": SMALL["customers"], "articles": SMALL["articles"], "weeks": 3, "seed": 11}
    folder = generated_data.generated("check", **options)
    purchases = (folder / "transactions_train.csv").read_bytes()
    (folder / "transactions_train.csv").write_bytes(b"cached by the same generator\n")
    assert generated_data.generated("check", **options) == folder
    assert (folder / "transactions_train.csv").read_bytes() == b"cached by the same generator\n"

    marker = json.loads((folder / MARKER).read_text())
    (folder / MARKER).write_text(json.dumps({**marker, "generator": "an older one"}))
    generated_data.generated("check", **options)

    assert (folder / "transactions_train.csv").read_bytes() == purchases


def test_every_option_of_the_command_says_what_it_does():
    from catalog.management.commands.generate_demo_data import Command

    parser = Command().create_parser("manage.py", "generate_demo_data")
    undescribed = [action.dest for action in parser._actions if not action.help]
    assert undescribed == []


class _Drawn:
    """Numpy's generator, answering the draws _product_name makes with chosen values."""

    def __init__(self, *integers):
        self.integers_left = list(integers)

    def random(self):
        return 0.99  # a fit and a noun, not a given name

    def integers(self, high):
        value = self.integers_left.pop(0)
        assert value < high
        return value


def test_no_product_name_repeats_a_word():
    # "Padded padded jacket", "Fine-knit knit sweater", "Slim-fit slim jeans" were generated.
    for product_type in hierarchy.PRODUCT_TYPES:
        for noun_index in range(len(product_type.name_nouns)):
            for fit_index in range(len(vocab.FITS[product_type.photo_class])):
                rng = _Drawn(noun_index, fit_index)
                name = _product_name(hierarchy.INDEX_GROUPS[0], product_type, rng)
                assert not _repeats_a_word(name), name


def test_generated_names_repeat_no_word(tmp_path):
    catalogue = write_catalogue(tmp_path / "articles.csv", 1500, 3, np.random.default_rng(7))
    assert catalogue is not None
    names = {row["prod_name"] for row in read_rows(tmp_path / "articles.csv")}
    assert [name for name in names if _repeats_a_word(name)] == []


def _repeats_a_word(name):
    words = re.split(r"[\s-]+", name.lower())
    return len(set(words)) < len(words)
