import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arcadia.settings")
application = get_asgi_application()
# Refuse to serve without a SECRET_KEY (DEBUG off and none set: arcadia.settings).
settings.SECRET_KEY  # noqa: B018
