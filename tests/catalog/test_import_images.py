import errno
import hashlib
import os
import re
import struct
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from PIL import Image, ImageCms

from catalog.importer import images as image_import
from catalog.importer.errors import ImportInputError
from catalog.importer.image_files import PHOTO_PROCESSING, THUMBNAIL_WIDTH, ImageTask, process_image
from catalog.models import Article, RetiredPhoto
from catalog.progress import SilentProgress
from tests.catalog.hm_data import read_rows, run_import
from tests.recommendations.hostile_files import (
    cut_out_photo,
    cut_short_and_closed,
    encoded,
    jpeg_with_orientation,
    png_with_short_data,
    red_corners,
    sixteen_bit_grey_png,
    turned_photo,
)

pytestmark = pytest.mark.django_db


def _photo(data_dir: Path, article_id: str) -> Path:
    return data_dir / "images" / article_id[:3] / f"{article_id}.jpg"


def test_photos_are_copied_thumbnailed_and_recorded(hm_files):
    run_import(hm_files)

    article_id = read_rows(hm_files / "articles.csv")[0]["article_id"]
    article = Article.objects.get(article_id=int(article_id))
    source = _photo(hm_files, article_id)
    # In H&M's folders, named by the photo's fingerprint too (a new photo never overwrites the old).
    assert article.image == f"articles/{article_id[:3]}/{article_id}-{article.image_sha256[:16]}.jpg"
    stored = Path(settings.MEDIA_ROOT) / article.image
    assert stored.read_bytes() == source.read_bytes()
    assert article.image_sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    with Image.open(source) as original:
        assert (article.image_width, article.image_height) == original.size
    with Image.open(Path(settings.MEDIA_ROOT) / article.image_thumbnail) as thumbnail:
        assert thumbnail.format == "WEBP"
        assert thumbnail.width <= THUMBNAIL_WIDTH
    assert Article.objects.filter(image="").count() == 0


def test_large_photos_get_a_thumbnail_256_pixels_wide(hm_files):
    article_id = read_rows(hm_files / "articles.csv")[1]["article_id"]
    # H&M's own photos are 1166x1750.
    Image.new("RGB", (1166, 1750), (200, 30, 40)).save(_photo(hm_files, article_id), "JPEG")

    run_import(hm_files)

    article = Article.objects.get(article_id=int(article_id))
    assert (article.image_width, article.image_height) == (1166, 1750)
    with Image.open(Path(settings.MEDIA_ROOT) / article.image_thumbnail) as thumbnail:
        assert thumbnail.size == (256, 384)


def test_unchanged_photos_are_skipped_and_changed_ones_replaced(hm_files):
    run_import(hm_files)
    article_id = read_rows(hm_files / "articles.csv")[2]["article_id"]
    Image.new("RGB", (300, 450), (10, 120, 40)).save(_photo(hm_files, article_id), "JPEG")

    report = run_import(hm_files).report("images")

    assert report.changed == 1
    article = Article.objects.get(article_id=int(article_id))
    assert article.image_width == 300
    assert (Path(settings.MEDIA_ROOT) / article.image).read_bytes() == _photo(
        hm_files, article_id
    ).read_bytes()


def test_a_photo_deleted_from_media_is_restored_on_the_next_import(hm_files):
    run_import(hm_files)
    article = Article.objects.order_by("article_id").first()
    (Path(settings.MEDIA_ROOT) / article.image_thumbnail).unlink()

    assert run_import(hm_files).report("images").changed == 1
    assert (Path(settings.MEDIA_ROOT) / article.image_thumbnail).exists()


def test_photos_of_unknown_articles_and_stray_files_are_skipped_with_a_note(hm_files):
    (hm_files / "images" / "099").mkdir()
    Image.new("RGB", (20, 30)).save(hm_files / "images" / "099" / "0999999001.jpg", "JPEG")
    (hm_files / "images" / "Thumbs.db").write_text("windows")

    report = run_import(hm_files).report("images")

    assert "1 photos of unknown articles skipped" in report.notes
    assert "1 files not named like 0108775015.jpg ignored" in report.notes


def test_worker_processes_produce_the_same_records(hm_files, monkeypatch):
    monkeypatch.setattr(image_import, "POOL_THRESHOLD", 1)

    run_import(hm_files, image_workers=2)

    assert Article.objects.filter(image="").count() == 0
    assert Article.objects.exclude(image_width=224).count() == 0


def test_two_photos_of_one_article_are_refused_before_any_photo_is_stored(hm_files):
    article_id = read_rows(hm_files / "articles.csv")[0]["article_id"]
    first = _photo(hm_files, article_id)
    second = first.with_name(f"{int(article_id)}.JPG")  # unpadded and in capitals: the same article
    Image.new("RGB", (20, 30), "red").save(second, "JPEG")

    with pytest.raises(ImportInputError) as raised:
        run_import(hm_files)

    assert str(raised.value) == (
        f"images: images/{article_id[:3]}/{second.name} is a second photo of article {article_id} "
        f"besides images/{article_id[:3]}/{first.name}: keep one"
    )
    assert Article.objects.exclude(image="").count() == 0


def test_a_media_root_it_cannot_write_stops_the_import_naming_the_folder_and_loses_nothing(
    hm_files, tmp_path, settings
):
    # A regular file where a folder should be: the operating system refuses the write for root
    # too, as it refuses a read-only mount.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker / "media"

    with pytest.raises(CommandError) as raised:
        call_command("import_hm", str(hm_files), verbosity=0)

    message, media = str(raised.value), blocker / "media"
    assert message.startswith(f"Could not write photos into MEDIA_ROOT ({media}): {media}/")
    assert "Not a directory" in message
    assert "run the import again" in message
    # The csv files are stored; no article records a photo it does not have.
    assert Article.objects.count() == len(read_rows(hm_files / "articles.csv"))
    assert Article.objects.exclude(image="").count() == 0

    settings.MEDIA_ROOT = tmp_path / "media-fixed"
    assert run_import(hm_files).report("images").changed == Article.objects.count()


def _disk_full_for(monkeypatch, fails) -> None:
    """Writes of the files whose names `fails` picks stop half way, as on a full disk."""
    write_bytes = Path.write_bytes

    def write(path: Path, data: bytes) -> int:
        if fails(path.name):
            write_bytes(path, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return write_bytes(path, data)

    monkeypatch.setattr(Path, "write_bytes", write)


def test_a_full_disk_stops_the_import_naming_the_file_and_leaves_no_partial_file(hm_files, monkeypatch):
    run_import(hm_files)
    first, second = Article.objects.order_by("article_id")[:2]
    recorded = {article.pk: article.image_sha256 for article in (first, second)}
    for index, article in enumerate((first, second)):
        changed = Image.new("RGB", (40, 60), (200, 10 * index, 40))
        changed.save(_photo(hm_files, f"{article.article_id:010d}"), "JPEG")
    # The import runs in this process below 200 photos: the second photo's writes fail.
    _disk_full_for(monkeypatch, lambda name: name.startswith(f".{second.article_id:010d}-"))

    with pytest.raises(CommandError) as raised:
        call_command("import_hm", str(hm_files), verbosity=0)

    name = f"{second.article_id:010d}"
    folder = Path(settings.MEDIA_ROOT) / "articles" / name[:3]
    assert re.search(rf"{re.escape(str(folder))}/{name}-\w+\.jpg: No space left on device", str(raised.value))
    assert "The csv files and the 1 photo stored before it were imported" in str(raised.value)
    assert not list(Path(settings.MEDIA_ROOT).rglob(".*.tmp"))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.image_sha256 != recorded[first.pk]  # stored before the failure, and recorded
    assert second.image_sha256 == recorded[second.pk]  # still the photo it had
    assert (Path(settings.MEDIA_ROOT) / second.image).exists()
    assert (Path(settings.MEDIA_ROOT) / second.image_thumbnail).exists()


def test_a_full_disk_while_the_thumbnail_is_written_names_the_thumbnail(hm_files, monkeypatch):
    """The disk's error names no file: it was reported against the original, written just before."""
    run_import(hm_files)
    article = Article.objects.order_by("article_id").first()
    Image.new("RGB", (40, 60), "blue").save(_photo(hm_files, f"{article.article_id:010d}"), "JPEG")
    name = f"{article.article_id:010d}"
    _disk_full_for(monkeypatch, lambda file: file.startswith(f".{name}-") and ".webp." in file)

    with pytest.raises(CommandError) as raised:
        call_command("import_hm", str(hm_files), verbosity=0)

    thumbnails = Path(settings.MEDIA_ROOT) / "articles" / "thumbnails" / name[:3]
    written = rf"{re.escape(str(thumbnails))}/{name}-\w+\.webp"
    assert re.search(rf"{written}: No space left on device", str(raised.value))


def test_a_phone_photo_is_stored_upright_with_an_upright_thumbnail(hm_files):
    """Stored 300x150 with orientation 6 (turn a quarter to the right): the thumbnail was made
    sideways and the size recorded sideways."""
    article_id = read_rows(hm_files / "articles.csv")[3]["article_id"]
    _photo(hm_files, article_id).write_bytes(turned_photo(6))

    run_import(hm_files)

    article = Article.objects.get(article_id=int(article_id))
    assert (article.image_width, article.image_height) == (150, 300)
    with Image.open(Path(settings.MEDIA_ROOT) / article.image) as stored:
        assert stored.size == (150, 300) and stored.getexif().get(0x0112, 1) == 1
        assert red_corners(stored) == [False, True, False, False]
    with Image.open(Path(settings.MEDIA_ROOT) / article.image_thumbnail) as thumbnail:
        assert thumbnail.height > thumbnail.width
        assert red_corners(thumbnail) == [False, True, False, False]


def test_a_jpeg_cut_short_and_closed_again_stops_the_import_as_incomplete(hm_files):
    """Pillow decodes it without an error, grey from the cut on: it was stored so."""
    article_id = read_rows(hm_files / "articles.csv")[4]["article_id"]
    photo = Image.effect_noise((300, 450), 30).convert("RGB")
    _photo(hm_files, article_id).write_bytes(cut_short_and_closed(encoded(photo, "JPEG", quality=90)))

    with pytest.raises(ImportInputError) as raised:
        run_import(hm_files)

    assert raised.value.file == f"images/{article_id[:3]}/{article_id}.jpg"
    assert "the JPEG is incomplete" in str(raised.value)
    assert Article.objects.get(article_id=int(article_id)).image == ""


@pytest.mark.parametrize(
    ("mode", "image_format"),
    [("RGBA", "PNG"), ("P", "PNG"), ("RGBA", "WEBP")],
    ids=["RGBA", "palette", "WebP"],
)
def test_a_cut_out_on_a_transparent_background_is_stored_on_white(hm_files, mode, image_format):
    """Converted plainly, its background came out the black hidden under the transparency."""
    article_id = read_rows(hm_files / "articles.csv")[5]["article_id"]
    _photo(hm_files, article_id).write_bytes(encoded(cut_out_photo(mode), image_format, lossless=True))

    run_import(hm_files)

    article = Article.objects.get(article_id=int(article_id))
    for path in (article.image, article.image_thumbnail):
        with Image.open(Path(settings.MEDIA_ROOT) / path) as stored:
            rgb = stored.convert("RGB")
            assert min(rgb.getpixel((2, 2))) > 240, path  # the background
            assert rgb.getpixel((rgb.width // 2, rgb.height // 2))[0] > 150, path  # the garment


def test_a_16_bit_grey_photo_is_stored_grey(hm_files):
    """Pillow's own conversion to 8 bits reads every value over 255 as white."""
    article_id = read_rows(hm_files / "articles.csv")[6]["article_id"]
    _photo(hm_files, article_id).write_bytes(sixteen_bit_grey_png(32_000))

    run_import(hm_files)

    article = Article.objects.get(article_id=int(article_id))
    for path in (article.image, article.image_thumbnail):
        with Image.open(Path(settings.MEDIA_ROOT) / path) as stored:
            assert all(abs(value - 32_000 // 256) <= 3 for value in stored.convert("RGB").getpixel((10, 10)))


def _stored(article_id: str) -> Path:
    """The photo file the article records."""
    return Path(settings.MEDIA_ROOT) / Article.objects.get(article_id=int(article_id)).image


def _profile_of_colour_space(colour_space: bytes) -> bytes:
    """An ICC profile's 128-byte header saying it describes `colour_space` (ICC.1, 7.2), no tags."""
    header = bytearray(128)
    struct.pack_into(">I", header, 0, 132)
    header[12:16], header[16:20], header[20:24], header[36:40] = b"mntr", colour_space, b"XYZ ", b"acsp"
    return bytes(header) + b"\0\0\0\0"


@pytest.mark.parametrize(
    ("colour_space", "kept"),
    [(b"RGB ", True), (b"CMYK", False), (b"GRAY", False)],
    ids=["RGB", "CMYK", "grey"],
)
def test_a_re_encoded_photo_keeps_its_colour_profile_only_when_it_describes_rgb(tmp_path, colour_space, kept):
    """The stored copy is RGB whatever the source: a CMYK or grey profile on it made an invalid JPEG."""
    if colour_space == b"RGB ":
        profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    else:
        profile = _profile_of_colour_space(colour_space)
    mode = {b"RGB ": "RGB", b"CMYK": "CMYK", b"GRAY": "L"}[colour_space]
    source = tmp_path / "0108775015.jpg"
    # A turned JPEG is re-encoded, like every PNG.
    exif = Image.Exif()
    exif[0x0112] = 6
    source.write_bytes(encoded(Image.new(mode, (60, 40)), "JPEG", icc_profile=profile, exif=exif.tobytes()))

    result = process_image(ImageTask(str(source), 108775015, "", str(tmp_path)))

    assert result.stored and (result.width, result.height) == (40, 60)
    with Image.open(tmp_path / result.original) as stored:
        assert stored.mode == "RGB"
        assert stored.info.get("icc_profile") == (profile if kept else None)


@pytest.mark.parametrize("orientation", [1, 0, 9])
def test_a_jpeg_whose_orientation_turns_nothing_is_stored_byte_for_byte(hm_files, orientation):
    """0 and 9 are undefined (some apps write them) and read as upright: they were re-encoded."""
    article_id = read_rows(hm_files / "articles.csv")[7]["article_id"]
    _photo(hm_files, article_id).write_bytes(jpeg_with_orientation(orientation))

    run_import(hm_files)

    assert _stored(article_id).read_bytes() == _photo(hm_files, article_id).read_bytes()
    article = Article.objects.get(article_id=int(article_id))
    assert (article.image_width, article.image_height) == (200, 100)


def test_a_jpeg_with_a_page_appended_after_its_end_is_stored_without_it(hm_files):
    """A polyglot: a browser or an unzip tool that opens the stored photo's URL finds the page."""
    article_id = read_rows(hm_files / "articles.csv")[7]["article_id"]
    photo = jpeg_with_orientation(1)
    page = b"<html><script>alert(document.cookie)</script></html>"
    _photo(hm_files, article_id).write_bytes(photo + page)

    run_import(hm_files)

    stored = _stored(article_id).read_bytes()
    assert page not in stored and stored.endswith(b"\xff\xd9")
    with Image.open(_stored(article_id)) as image:
        assert image.size == (200, 100)
    # The record names the processing: the next import leaves the photo as it is.
    assert Article.objects.get(article_id=int(article_id)).image_sha256 == _sha256(
        f"{PHOTO_PROCESSING}\n".encode() + photo + page
    )
    assert run_import(hm_files).report("images").changed == 0


def test_a_png_missing_its_lower_rows_stops_the_import(hm_files):
    """Its compressed data ends cleanly after half its rows: Pillow decodes it, the rest black."""
    article_id = read_rows(hm_files / "articles.csv")[8]["article_id"]
    _photo(hm_files, article_id).write_bytes(png_with_short_data(300, 400, share=0.5))

    with pytest.raises(ImportInputError) as raised:
        run_import(hm_files)

    assert raised.value.file == f"images/{article_id[:3]}/{article_id}.jpg"
    assert "the PNG stops after 200 of its 400 rows of pixels" in str(raised.value)
    assert Article.objects.get(article_id=int(article_id)).image == ""


# Long past, so that a file the import writes again shows it.
EARLIER = 1_700_000_000


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stored_unchanged_since(path: Path, data: bytes) -> bool:
    return path.read_bytes() == data and path.stat().st_mtime == EARLIER


def _set_written_earlier(article: Article) -> None:
    for path in (article.image, article.image_thumbnail):
        os.utime(Path(settings.MEDIA_ROOT) / path, (EARLIER, EARLIER))


def test_a_plain_jpeg_is_recorded_by_its_sha256_and_neither_copied_nor_recorded_again(hm_files):
    """H&M's own photos: a re-import must not touch 105,000 files nor their cached vectors."""
    article_id = read_rows(hm_files / "articles.csv")[9]["article_id"]
    run_import(hm_files)
    article = Article.objects.get(article_id=int(article_id))
    assert article.image_sha256 == _sha256(_photo(hm_files, article_id).read_bytes())
    _set_written_earlier(article)
    stored = _stored(article_id).read_bytes()

    assert run_import(hm_files).report("images").changed == 0

    assert _stored_unchanged_since(_stored(article_id), stored)
    assert Article.objects.get(article_id=int(article_id)).image_sha256 == article.image_sha256


@pytest.mark.parametrize("source", ["turned JPEG", "cut-out PNG"])
def test_a_re_encoded_photo_is_recorded_with_its_processing_and_skipped_the_next_time(hm_files, source):
    article_id = read_rows(hm_files / "articles.csv")[9]["article_id"]
    data = turned_photo(6) if source == "turned JPEG" else encoded(cut_out_photo(), "PNG")
    _photo(hm_files, article_id).write_bytes(data)
    run_import(hm_files)
    article = Article.objects.get(article_id=int(article_id))
    assert article.image_sha256 == _sha256(f"{PHOTO_PROCESSING}\n".encode() + data)
    _set_written_earlier(article)
    stored = _stored(article_id).read_bytes()

    assert run_import(hm_files).report("images").changed == 0

    assert _stored_unchanged_since(_stored(article_id), stored)


@pytest.mark.parametrize("source", ["turned JPEG", "cut-out PNG"])
def test_a_photo_re_encoded_by_older_processing_is_stored_again(hm_files, source):
    """Recorded by its file's sha256, as every photo was before the record named the processing:
    stored sideways or on black then, it would have been skipped for good, and the content run
    would have kept the vector of those pixels."""
    article_id = read_rows(hm_files / "articles.csv")[9]["article_id"]
    data = turned_photo(6) if source == "turned JPEG" else encoded(cut_out_photo(), "PNG")
    _photo(hm_files, article_id).write_bytes(data)
    run_import(hm_files)
    old_pixels = Image.new("RGB", (300, 150), "black")
    _stored(article_id).write_bytes(encoded(old_pixels, "JPEG"))
    Article.objects.filter(article_id=int(article_id)).update(image_sha256=_sha256(data))

    assert run_import(hm_files).report("images").changed == 1

    article = Article.objects.get(article_id=int(article_id))
    assert article.image_sha256 == _sha256(f"{PHOTO_PROCESSING}\n".encode() + data)
    with Image.open(_stored(article_id)) as stored:
        assert stored.size == ((150, 300) if source == "turned JPEG" else (200, 200))
        assert min(stored.convert("RGB").getpixel((stored.width - 3, stored.height - 3))) > 240


def _changed_photos(data_dir: Path) -> list[Path]:
    """Every photo of the data set replaced by another plain JPEG (stored byte for byte)."""
    photos = sorted((data_dir / "images").rglob("*.jpg"))
    for number, path in enumerate(photos):
        Image.new("RGB", (60, 90), (number, 100, 200)).save(path, "JPEG")
    return photos


def _assert_each_article_shows_what_it_records():
    """Each recorded file holds the photo its fingerprint names, and no other photo file is stored
    but the replaced ones, retired (kept for pages rendered before, catalog.retired_photos)."""
    media = Path(settings.MEDIA_ROOT)
    recorded = set()
    for article in Article.objects.exclude(image=""):
        assert _sha256((media / article.image).read_bytes()) == article.image_sha256, article.display_id
        recorded |= {article.image, article.image_thumbnail}
    retired = set(RetiredPhoto.objects.values_list("path", flat=True))
    assert not retired & recorded
    assert {
        path.relative_to(media).as_posix() for path in media.rglob("*") if path.is_file()
    } == recorded | retired


def test_photos_the_workers_stored_after_a_bad_one_are_neither_recorded_nor_left_on_disk(
    hm_files, monkeypatch
):
    """Worker processes run ahead of the results the import reads: when it stopped at a bad photo,
    they had already written the next photos over their articles' files, whose rows kept the old
    fingerprints (the new pixels served under the old version, believed embedded by the content run)."""
    monkeypatch.setattr(image_import, "POOL_THRESHOLD", 1)
    run_import(hm_files)
    before = dict(Article.objects.values_list("article_id", "image_sha256"))
    photos = _changed_photos(hm_files)
    photos[0].write_bytes(b"not a photo")

    with pytest.raises(ImportInputError):
        run_import(hm_files, image_workers=2)

    assert dict(Article.objects.values_list("article_id", "image_sha256")) == before
    _assert_each_article_shows_what_it_records()


class _InterruptedProgress(SilentProgress):
    """Ctrl-C after `photos` photos: between two batches of records."""

    def __init__(self, photos):
        self.photos = photos

    @contextmanager
    def _bar(self):
        done = 0

        def advance(count):
            nonlocal done
            done += count
            if done > self.photos:
                raise KeyboardInterrupt

        yield advance

    def bar(self, description, *, total=None, unit="rows"):
        return self._bar()


def test_photos_of_a_batch_interrupted_before_it_was_recorded_leave_no_files(hm_files):
    run_import(hm_files)
    before = dict(Article.objects.values_list("article_id", "image_sha256"))
    _changed_photos(hm_files)

    with pytest.raises(KeyboardInterrupt):
        image_import.import_images(hm_files / "images", progress=_InterruptedProgress(10), workers=1)

    assert dict(Article.objects.values_list("article_id", "image_sha256")) == before
    _assert_each_article_shows_what_it_records()


def test_a_photo_an_older_import_named_by_the_article_alone_is_kept_until_it_changes(hm_files):
    """Older imports named the files articles/010/0108775015.jpg, and rows record those names."""
    run_import(hm_files)
    article_id = read_rows(hm_files / "articles.csv")[9]["article_id"]
    article = Article.objects.get(article_id=int(article_id))
    media = Path(settings.MEDIA_ROOT)
    folder = article_id[:3]
    older = (f"articles/{folder}/{article_id}.jpg", f"articles/thumbnails/{folder}/{article_id}.webp")
    for current, old in zip((article.image, article.image_thumbnail), older, strict=True):
        (media / current).rename(media / old)
    Article.objects.filter(pk=article.pk).update(image=older[0], image_thumbnail=older[1])

    assert run_import(hm_files).report("images").changed == 0
    assert Article.objects.get(pk=article.pk).image == older[0]

    _changed_photos(hm_files)
    run_import(hm_files)

    assert Article.objects.get(pk=article.pk).image != older[0]
    # The older files are retired, as any replaced photo's, and go with the sweep.
    assert set(older) <= set(RetiredPhoto.objects.values_list("path", flat=True))
    _assert_each_article_shows_what_it_records()


def test_a_photo_whose_thumbnail_cannot_be_written_leaves_no_original_behind(tmp_path):
    """The import stops on the error, and the original would be a file no row records."""
    source = tmp_path / "0108775015.jpg"
    Image.new("RGB", (60, 90), "red").save(source, "JPEG")
    media = tmp_path / "media"
    (media / "articles").mkdir(parents=True)
    in_the_way = media / "articles" / "thumbnails"
    in_the_way.write_text("a file where the thumbnails' folder goes")

    result = process_image(ImageTask(str(source), 108775015, "", str(media)))

    assert not result.stored and result.unwritable.endswith("Not a directory")
    assert [path for path in media.rglob("*") if path.is_file()] == [in_the_way]


def test_two_writers_of_one_photo_in_one_process_each_store_it_whole(tmp_path, monkeypatch):
    """Names follow the photo, so two staff uploading the same photo to an article (two threads of
    one web process) write the same files. Their temporary files were named by the process alone:
    the second writer's rename took the first one's temporary file away from under it."""
    source = tmp_path / "0108775015.jpg"
    Image.new("RGB", (60, 90), "red").save(source, "JPEG")
    media = tmp_path / "media"
    task = ImageTask(str(source), 108775015, "", str(media))
    replace = os.replace
    interleaved = []

    def second_writer_first(temporary, path):
        if not interleaved:  # the second writer runs whole while the first is about to rename
            interleaved.append(None)
            interleaved[0] = process_image(task)
        replace(temporary, path)

    monkeypatch.setattr(os, "replace", second_writer_first)

    first = process_image(task)

    assert first == interleaved[0] and first.stored
    assert (media / first.original).read_bytes() == source.read_bytes()
    stored = sorted(path.relative_to(media).as_posix() for path in media.rglob("*") if path.is_file())
    assert stored == sorted(first.files)  # no temporary file left either


def test_a_disk_that_fills_up_while_a_photo_is_written_leaves_no_part_of_it(tmp_path, monkeypatch):
    source = tmp_path / "0108775015.jpg"
    Image.new("RGB", (60, 90), "red").save(source, "JPEG")
    media = tmp_path / "media"
    write_bytes = Path.write_bytes

    def disk_full(path, data):
        if path.is_relative_to(media):
            write_bytes(path, data[: len(data) // 2])
            raise OSError(28, "No space left on device")
        return write_bytes(path, data)

    monkeypatch.setattr(Path, "write_bytes", disk_full)

    result = process_image(ImageTask(str(source), 108775015, "", str(media)))

    assert not result.stored and result.unwritable.endswith(".jpg: No space left on device")
    assert [path for path in media.rglob("*") if path.is_file()] == []
