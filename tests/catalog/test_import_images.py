import hashlib
import os
import struct
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from PIL import Image, ImageCms

from catalog.importer import images as image_import
from catalog.importer.errors import ImportInputError
from catalog.importer.image_files import PHOTO_PROCESSING, THUMBNAIL_WIDTH, ImageTask, process_image
from catalog.models import Article
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
    assert article.image == f"articles/{article_id[:3]}/{article_id}.jpg"
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


def test_a_full_disk_stops_the_import_naming_the_file_and_leaves_no_partial_file(hm_files):
    run_import(hm_files)
    first, second = Article.objects.order_by("article_id")[:2]
    recorded = {article.pk: article.image_sha256 for article in (first, second)}
    for index, article in enumerate((first, second)):
        changed = Image.new("RGB", (40, 60), (200, 10 * index, 40))
        changed.save(_photo(hm_files, f"{article.article_id:010d}"), "JPEG")
    # The second photo's temporary file is /dev/full, where every write fails with "No space left
    # on device": a real full disk, for this one file (the import runs in this process below 200
    # photos, so the temporary file carries this process's id).
    original = Path(settings.MEDIA_ROOT) / second.image
    temporary = original.with_name(f".{original.name}.{os.getpid()}.tmp")
    temporary.symlink_to("/dev/full")

    with pytest.raises(CommandError) as raised:
        call_command("import_hm", str(hm_files), verbosity=0)

    assert f"{original}: No space left on device" in str(raised.value)
    assert "The csv files and the 1 photo stored before it were imported" in str(raised.value)
    assert not temporary.is_symlink() and not temporary.exists()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.image_sha256 != recorded[first.pk]  # stored before the failure, and recorded
    assert second.image_sha256 == recorded[second.pk]  # still the photo it had
    assert (Path(settings.MEDIA_ROOT) / second.image_thumbnail).exists()


def test_a_thumbnail_that_cannot_be_written_leaves_the_old_photo_in_place(hm_files):
    run_import(hm_files)
    article = Article.objects.order_by("article_id").first()
    stored = Path(settings.MEDIA_ROOT) / article.image
    before = stored.read_bytes()
    Image.new("RGB", (40, 60), "blue").save(_photo(hm_files, f"{article.article_id:010d}"), "JPEG")
    thumbnail = Path(settings.MEDIA_ROOT) / article.image_thumbnail
    # Only the thumbnail's write fails (see the full-disk test above for /dev/full).
    thumbnail.with_name(f".{thumbnail.name}.{os.getpid()}.tmp").symlink_to("/dev/full")

    with pytest.raises(CommandError, match="No space left on device"):
        call_command("import_hm", str(hm_files), verbosity=0)

    # Not the new photo beside the old thumbnail and the old record: the photo it had, whole.
    assert stored.read_bytes() == before
    assert not list(stored.parent.glob(".*.tmp"))


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
    return Path(settings.MEDIA_ROOT) / f"articles/{article_id[:3]}/{article_id}.jpg"


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
    with Image.open(tmp_path / "articles/010/0108775015.jpg") as stored:
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
