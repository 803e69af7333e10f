"""CPU time and peak memory of the upload checks (storefront/photo_checks.py) on hostile photos,
against an ordinary 12-megapixel phone photo checked in the same run.

    .venv/bin/python benchmarks/hostile_uploads_bench.py [--scans 500]

Each file goes through `recommendations.uploads.validate_photo` (what shop the look and the API's
photo search run) in a fresh process, so each peak RSS is that file's alone. The scan bomb is also
checked with the scan limit lifted, as it was before the limit, to show what the limit saves. Prints
seconds of CPU, peak RSS above an idle process, the outcome, and each CPU time as a multiple of
the phone photo's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable

# The same hostile files the upload tests use, at the sizes that cost the most.
from tests.recommendations.hostile_files import cut_short_and_closed, encoded, jpeg_with_scans  # noqa: E402

MEASURE = """
import json, os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storefront.settings")
sys.path.insert(0, sys.argv[1])
django.setup()
import storefront.photo_checks
from recommendations.uploads import validate_photo
from storefront.photo_checks import UploadRejected
if sys.argv[3] == "unchecked":
    storefront.photo_checks.MAX_JPEG_SCANS = sys.maxsize
data = open(sys.argv[2], "rb").read()
def high_water_kb():
    # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over from the parent across exec,
    # and the parent held the large test images.
    status = open("/proc/self/status").read()
    return int(status.split("VmHWM:")[1].split()[0])
idle = high_water_kb()
start = time.process_time()
try:
    outcome = "accepted {}x{}".format(*validate_photo(data).size)
except UploadRejected as error:
    outcome = f"{error.status}: {error.message}"
cpu = time.process_time() - start
peak = high_water_kb() - idle
print(json.dumps({"cpu": cpu, "peak_mb": peak / 1024, "outcome": outcome}))
"""


def padded(jpeg: bytes, size: int) -> bytes:
    return jpeg[:-2] + b"\xff" * size + b"\x00\xff\xd9"


def cases(scans: int) -> list[tuple[str, bytes, str]]:
    phone = Image.effect_noise((4000, 3000), 40).convert("RGB")
    bomb = jpeg_with_scans(scans, (6000, 6000))
    cmyk = encoded(Image.new("CMYK", (6324, 6324)), "JPEG", progressive=True)
    # Ends in the grey of an all-zero block, so the completeness check decodes it a second time.
    grey_corner = phone.copy()
    grey_corner.paste((128, 128, 128), (3000, 2000, 4000, 3000))
    phone_jpeg = encoded(phone, "JPEG", quality=90)
    grey_corner_jpeg = encoded(grey_corner, "JPEG", quality=90)
    grey_jpeg = encoded(Image.new("RGB", (1200, 900), (128, 128, 128)), "JPEG", quality=90)
    return [
        ("12 MP phone photo (baseline)", phone_jpeg, "checks"),
        ("12 MP photo ending in mid grey (decoded twice)", grey_corner_jpeg, "checks"),
        ("12 MP photo cut short, end marker appended", cut_short_and_closed(phone_jpeg), "checks"),
        # libjpeg skips a run of 0xFF after the scan's data; the completeness check reads it too.
        ("grey photo, 8 MB of 0xFF padding after its data", padded(grey_jpeg, 8 * 2**20), "checks"),
        (f"6000 px JPEG of {scans:,} scans, no scan limit", bomb, "unchecked"),
        (f"6000 px JPEG of {scans:,} scans, checked", bomb, "checks"),
        ("40 MP progressive CMYK JPEG", cmyk, "checks"),
        ("39.7 MP RGBA PNG", encoded(Image.new("RGBA", (6300, 6300)), "PNG", compress_level=9), "checks"),
    ]


def measure(path: Path, mode: str) -> dict[str, object]:
    result = subprocess.run(
        [PYTHON, "-c", MEASURE, str(ROOT), str(path), mode],
        env={**os.environ, "ALLOW_INSECURE_SECRET_KEY": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scans", type=int, default=500, help="scans added to the bomb (each costs the unlimited run ~30 ms)"
    )
    options = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for label, data, mode in cases(options.scans):
            path = Path(folder) / "upload"
            path.write_bytes(data)
            rows.append((label, len(data), measure(path, mode)))
    baseline = max(float(rows[0][2]["cpu"]), 1e-3)  # type: ignore[arg-type]
    print(f"{'file':<52} {'bytes':>11} {'cpu s':>7} {'x base':>7} {'peak MB':>8}  outcome")
    for label, size, result in rows:
        cpu = float(result["cpu"])  # type: ignore[arg-type]
        print(
            f"{label:<52} {size:>11,} {cpu:>7.2f} {cpu / baseline:>7.1f} "
            f"{float(result['peak_mb']):>8.0f}  {str(result['outcome'])[:60]}"  # type: ignore[arg-type]
        )


if __name__ == "__main__":
    main()
