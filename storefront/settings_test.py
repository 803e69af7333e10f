"""Test settings: the base settings with only what tests need changed."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("ALLOW_INSECURE_SECRET_KEY", "1")
os.environ.setdefault("HTTPS", "0")
# Every test client is 127.0.0.1: searches from the whole suite must not add up to a limit, nor
# failed logins (counted across runs of the suite for 15 minutes). Tests of limits set their own
# and use clients of their own; the web and worker processes tests start get these too.
TEST_LIMITS = {
    "SEARCH_THROTTLE_USER": "100000/min",
    "SEARCH_THROTTLE_ANON": "100000/min",
    "SIGNUP_THROTTLE": "100000/min",
    "LOGIN_FAILURES_PER_ADDRESS": "100000",
    "LOGIN_FAILURES_PER_USERNAME": "100000",
}
for _name, _limit in TEST_LIMITS.items():
    os.environ.setdefault(_name, _limit)

from storefront.settings import *  # noqa: E402, F403

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":  # noqa: F405
    raise RuntimeError("Tests run against PostgreSQL: set DATABASE_URL=postgres://... (make test does).")

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
_TEST_ROOT = Path(tempfile.mkdtemp(prefix="storefront-tests-"))
MEDIA_ROOT = _TEST_ROOT / "media"
ARTIFACTS_ROOT = _TEST_ROOT / "artifacts"
SERVE_MEDIA = True
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# WhiteNoise wants its folder to exist; tests serve static files through the finders.
STATIC_ROOT = _TEST_ROOT / "static"
STATIC_ROOT.mkdir()
WHITENOISE_USE_FINDERS = True
