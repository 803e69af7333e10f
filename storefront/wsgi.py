import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storefront.settings")
application = get_wsgi_application()

# Web requests wait for a database lock only briefly (an import holds some tables for minutes),
# and their queries are never JIT-compiled (see storefront.web_connections).
from storefront import web_connections  # noqa: E402  (after Django is set up)

web_connections.install()
