"""Any photo Pillow decodes as plain 8-bit RGB, the same way wherever a photo is taken (shop the
look, the image towers, the importer and the admin's upload).

Here rather than in catalog/ or recommendations/, which both take photos and must not import
each other's code the wrong way round; plain Pillow, no Django, for the importer's worker
processes.
"""

from __future__ import annotations

from PIL import Image

# Pillow's modes for 16-bit greyscale (a 16-bit PNG opens as I;16). Converted to 8 bits by Pillow,
# every value over 255 reads 255: a mid-grey photo came out white.
SIXTEEN_BIT_GREY_MODES = ("I;16", "I;16L", "I;16B", "I")
SIXTEEN_TO_EIGHT_BITS = 1 / 256


def flattened_rgb(image: Image.Image) -> Image.Image:
    """`image` in RGB, its transparent areas white like a product photo's background (a cut-out
    garment on a transparent background is then a garment on a plain one, not on black) and a
    16-bit grey scaled to 8 bits. Always a new image, so callers may change it in place."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode in SIXTEEN_BIT_GREY_MODES:
        return image.convert("I").point(lambda value: value * SIXTEEN_TO_EIGHT_BITS).convert("RGB")
    return image.convert("RGB")
