"""Finding a JPEG that was cut short and closed again with an end-of-image marker.

A photo whose upload or copy stopped part way, "repaired" by an app that appends the end marker,
decodes without an error: libjpeg fills every block it has no data for with zeros, which decode
to flat grey, and only warns ("premature end of data segment"); Pillow drops libjpeg's warnings
and reports no decoder status. The photo would be searched, or stored, half grey.

The test asks libjpeg itself. The same file with some bytes (and the restart marker it would
look for next) inserted before its end marker decodes exactly the same when its image data was
complete (the decoder stops after its last block and passes over stray bytes and a restart
marker before the end), and differently when the decoder ran out of data (it reads the inserted
bytes as the missing blocks). That is a second decode, so it runs only
when the first one ends in flat grey, as every photo cut short of its last block does and few
whole photos do: a whole photo costs one pixel read, never a refusal.

A progressive JPEG cut in one of its later scans is not grey: it decodes as the whole photo with
less detail where the cut scan stopped, which is what progressive files are made for, and it is
taken as it is.

Plain Pillow, no Django: the importer's worker processes run it too.
"""

from __future__ import annotations

import io
import re

from PIL import Image

# An all-zero block decodes to 128 (JPEG's level shift) in every component, so to RGB
# (128, 128, 128) and grey 128; Pillow inverts Adobe CMYK, where it reads 127.
ZERO_BLOCK_VALUES = (127, 128)
# Inserted before the end marker: never 0xFF (which would start a marker), and varied, so that
# they decode as non-zero coefficients whatever the file's Huffman tables. Enough to finish the
# block row the data stopped in and decode several more: a block takes at most about 210 bytes
# (64 coefficients of a 16-bit code and 10 bits each), a row of blocks (an MCU) at most 10 blocks.
# 64 bytes were not enough: a noisy photo's MCU then took them all, and drafted to 1/8 scale,
# which shows only each block's average, the cut one decoded the same either way.
PROBE_BYTES = bytes((index * 37 + 11) % 255 for index in range(4 * 1024))
# Inside a scan's data, 0xFF is followed by 0x00 (a stuffed byte) or a restart marker; anything
# else after it (fill bytes 0xFF aside) is the marker that ends the scan. A match starts only at
# the first 0xFF of a run: tried from every byte of a long run followed by 0x00, the search took
# time growing with the square of its length (a 128 KB upload of padding held a web worker for 68 s).
SCAN_END = re.compile(rb"(?<!\xff)\xff+[^\x00\xd0-\xd7\xff]")
FILL = re.compile(rb"\xff+")
RESTART = re.compile(rb"\xff[\xd0-\xd7]")
RESTART_0 = 0xD0
END_OF_IMAGE = 0xD9
START_OF_SCAN = 0xDA
# Markers without a length: TEM, restarts and the start of image.
STANDALONE_MARKERS = frozenset({0x01, 0xD8, *range(0xD0, 0xD8)})


def jpeg_cut_short(data: bytes, decoded: Image.Image, *, draft_size: tuple[int, int] | None) -> bool:
    """Whether the JPEG `data`, which Pillow `decoded` (loaded, drafted to `draft_size` when
    given), ran out of image data before its last block."""
    if not _ends_in_flat_grey(decoded):
        return False
    found = _end_of_first_image(data)
    if found is None:
        return False  # no end marker where Pillow found one: nothing to ask
    end, restarts = found
    # A file with restart intervals has the decoder look for the next restart marker after each
    # interval, skipping whatever comes before it: had the data stopped at the end of an
    # interval, the probe alone would be skipped. The marker it looks for lets it decode more.
    # Between scans and after the last one, libjpeg passes over a restart marker.
    next_restart = bytes((0xFF, RESTART_0 + restarts % 8))
    probed = data[:end] + PROBE_BYTES + next_restart + PROBE_BYTES + data[end:]
    try:
        with Image.open(io.BytesIO(probed), formats=["JPEG"]) as again:
            if draft_size is not None:
                again.draft("RGB", draft_size)
            again.load()
            return again.size != decoded.size or again.tobytes() != decoded.tobytes()
    except (OSError, SyntaxError, ValueError):
        return True  # the inserted bytes were read as image data, and broke it


def jpeg_ends_with_its_image(data: bytes) -> bool:
    """Whether the file ends with its (first) image's end marker. Bytes after it are no part of
    the photo: a ZIP or an HTML page appended makes a polyglot, which a browser or an unzip tool
    opening the file would find. False too when the markers cannot be followed to the end one."""
    found = _end_of_first_image(data)
    if found is None:
        return False
    end = data.index(bytes((0xFF, END_OF_IMAGE)), found[0]) + 2  # past the fill bytes and the marker
    return end == len(data)


def _ends_in_flat_grey(image: Image.Image) -> bool:
    # The last pixel decoded lies in the last block: zero when the data stopped anywhere before it.
    pixel = image.getpixel((image.width - 1, image.height - 1))
    values = pixel if isinstance(pixel, tuple) else (pixel,)
    return all(value in ZERO_BLOCK_VALUES for value in values)


def _end_of_first_image(data: bytes) -> tuple[int, int] | None:
    """Where the end marker of the file's first image starts (phones store further images after
    it, and a thumbnail inside it, in a segment that is skipped whole), before any fill bytes,
    and how many restart markers its last scan holds; None when there is none."""
    position = 2  # after the start-of-image marker
    scan_start = position
    while position + 2 <= len(data):
        if data[position] != 0xFF:
            return None
        marker_start = position
        fill = FILL.match(data, position, len(data) - 1)  # fill bytes before a marker, in C
        position = fill.end() - 1 if fill else position
        marker = data[position + 1]
        if marker == END_OF_IMAGE:
            return marker_start, len(RESTART.findall(data, scan_start, marker_start))
        if marker in STANDALONE_MARKERS:
            position += 2
            continue
        position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
        if marker == START_OF_SCAN:
            scan_start = position
            scan_end = SCAN_END.search(data, position)
            if scan_end is None:
                return None
            position = scan_end.start()
    return None
