import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storefront.settings")
application = get_wsgi_application()

# Web requests wait for a database lock only briefly (an import holds some tables for minutes).
from storefront import db_locks  # noqa: E402  (after Django is set up)

db_locks.install()
