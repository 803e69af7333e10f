import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storefront.settings")
application = get_asgi_application()

# As storefront/wsgi.py: the web server's connections, configured as such.
from storefront import web_connections  # noqa: E402  (after Django is set up)

web_connections.install()
