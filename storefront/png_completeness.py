"""Whether a PNG's compressed data holds every row of pixels its header declares.

Pillow decodes a short IDAT stream that ends cleanly without a word and leaves the missing rows
black, so a cut or crafted file would pass for a photo. The price is a second inflate of the data:
0.3 s for a noisy 12 MP PNG, where Pillow's whole load takes 0.4 s (a shared 2-core machine).
Pillow does not say whether its decoder reached the last row, and phones send JPEGs, so PNGs are
rare enough to pay it. Callers check the pixel count first, so the count inflated to is bounded.

Used by the upload checks (storefront.photo_checks) and the importer; plain Python, no Django.
"""

from __future__ import annotations

import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Samples per pixel of each PNG colour type (PNG specification, 11.2.2 IHDR).
PNG_SAMPLES = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
# Adam7 interlacing's seven passes: (first column, first row, column step, row step).
ADAM7_PASSES = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)
# The row check inflates in pieces of this size and throws each away: it needs the count only.
INFLATE_PIECE_BYTES = 1024 * 1024


class _Damaged(Exception):
    pass


def png_damage(data: bytes) -> str | None:
    """None for a PNG (one Pillow opened) whose image data reaches its last row; otherwise what is
    wrong, worded to follow "the PNG": "stops after 150 of its 200 rows of pixels"."""
    try:
        header, compressed = _png_header_and_data(data)
        width, height, bit_depth, colour_type, interlace = struct.unpack(">IIBBxxB", header)
        bits_per_pixel = bit_depth * PNG_SAMPLES.get(colour_type, 4)

        def row_bytes(columns: int) -> int:
            return 1 + (columns * bits_per_pixel + 7) // 8  # one filter byte, then the packed pixels

        if interlace:
            passes = [(-(-(width - x) // dx), -(-(height - y) // dy)) for x, y, dx, dy in ADAM7_PASSES]
            expected = sum(rows * row_bytes(columns) for columns, rows in passes if columns > 0 and rows > 0)
        else:
            expected = height * row_bytes(width)
        found = _inflated_size(compressed, up_to=expected)
    except _Damaged as damage:
        return str(damage)
    if found >= expected:
        return None
    if interlace:
        return "is missing part of its pixel data"
    return f"stops after {found // row_bytes(width):,} of its {height:,} rows of pixels"


def _png_header_and_data(data: bytes) -> tuple[bytes, list[memoryview]]:
    """The IHDR chunk's 13 bytes and the IDAT chunks' contents (Pillow has checked the layout)."""
    view = memoryview(data)
    position, header, compressed = len(PNG_SIGNATURE), b"", []
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", view[position : position + 8])
        body = view[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = bytes(body[:13])
        elif kind == b"IDAT":
            compressed.append(body)
        elif kind == b"IEND":
            break
        position += 12 + length  # length, type, data, CRC
    if len(header) != 13:
        raise _Damaged("has no valid header")
    return header, compressed


def _inflated_size(pieces: list[memoryview], *, up_to: int) -> int:
    """How many bytes the zlib stream split over `pieces` inflates to, counting no further than
    `up_to` and holding at most INFLATE_PIECE_BYTES of output at a time."""
    inflater = zlib.decompressobj()
    produced = 0
    try:
        for piece in pieces:
            pending: bytes | memoryview = piece
            while produced < up_to:
                out = inflater.decompress(pending, INFLATE_PIECE_BYTES)
                produced += len(out)
                pending = inflater.unconsumed_tail
                if not out and not pending:
                    break
            if produced >= up_to or inflater.eof:
                break
    except zlib.error:
        raise _Damaged("has corrupt pixel data") from None
    return produced
