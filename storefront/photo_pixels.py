"""Any photo Pillow decodes as plain 8-bit RGB, the same way wherever a photo is taken (shop the
look, the image towers, the importer and the admin's upload).

Here rather than in catalog/ or recommendations/, which both take photos and must not import
each other's code the wrong way round; plain Pillow, no Django, for the importer's worker
processes.
"""

from __future__ import annotations

from PIL import ExifTags, Image, ImageOps

# Pillow's modes for 16-bit greyscale (a 16-bit PNG opens as I;16). Converted to 8 bits by Pillow,
# every value over 255 reads 255: a mid-grey photo came out white.
SIXTEEN_BIT_GREY_MODES = ("I;16", "I;16L", "I;16B")
# Pillow's 32-bit integer greyscale (a 32-bit TIFF, say) says nothing of the range its values
# span. Its values are read as 8-bit when they fit (divided as 16-bit, a 0-255 image turned
# black), as 16-bit when they fit that, and otherwise scaled so that the largest is white.
EIGHT_BIT_WHITE = 255
SIXTEEN_BIT_WHITE = 65535
# EXIF orientations that turn or mirror the photo (TIFF 6.0): 1 is upright, and 0 or 9, which some
# apps write, are undefined and read as upright, as browsers read them.
TURNS = frozenset(range(2, 9))


def exif_orientation(image: Image.Image) -> int:
    """Its EXIF orientation, 1 (upright) where it has none; whatever the file says, maybe not 1-8."""
    return int(image.getexif().get(ExifTags.Base.Orientation, 1))


def upright(image: Image.Image, orientation: int) -> Image.Image:
    """`image`, a converted or shrunk copy of a photo (which carries no EXIF), turned as the photo's
    `orientation` says."""
    if orientation not in TURNS:
        return image
    image.getexif()[ExifTags.Base.Orientation] = orientation
    return ImageOps.exif_transpose(image)


def has_transparent_colour(image: Image.Image) -> bool:
    """Whether one colour of an RGB or grey photo stands for transparent (a PNG's tRNS chunk, as
    optipng and oxipng store a hard-edged cut-out). A resize averages that colour (the black under
    the background, most often) into the garment's edges as if it were seen: such a photo is
    flattened before it is resized. Palette images resize by nearest pixel and keep it exact."""
    return image.mode in ("RGB", "L") and "transparency" in image.info


def plain_rgb(image: Image.Image) -> Image.Image:
    """`image` itself when it is plain RGB already (no colour of it transparent), else
    flattened_rgb(image): for code that may use the photo as it is."""
    if image.mode == "RGB" and not has_transparent_colour(image):
        return image
    return flattened_rgb(image)


def flattened_rgb(image: Image.Image) -> Image.Image:
    """`image` in RGB, its transparent areas white like a product photo's background (a cut-out
    garment on a transparent background is then a garment on a plain one, not on black) and a
    16-bit grey scaled to 8 bits. Always a new image, so callers may change it in place."""
    # A single transparent colour ("transparency" in info) comes with palette images, and with the
    # RGB and grey PNGs that optimisers (optipng, oxipng) make of a hard-edged cut-out.
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if transparent and image.mode not in (*SIXTEEN_BIT_GREY_MODES, "I"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode in SIXTEEN_BIT_GREY_MODES:
        return _grey_rgb(image.convert("I"), white=SIXTEEN_BIT_WHITE)
    if image.mode == "I":
        high = int(image.getextrema()[1])  # type: ignore[arg-type]  # one band: (low, high)
        white = next((white for white in (EIGHT_BIT_WHITE, SIXTEEN_BIT_WHITE) if high <= white), high)
        return _grey_rgb(image, white=white)
    return image.convert("RGB")


def _grey_rgb(image: Image.Image, *, white: int) -> Image.Image:
    """A mode "I" image in RGB, its value `white` as 255."""
    if white == EIGHT_BIT_WHITE:
        return image.convert("RGB")
    scale = EIGHT_BIT_WHITE / white
    return image.point(lambda value: value * scale).convert("RGB")
