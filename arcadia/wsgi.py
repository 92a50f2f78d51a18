import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arcadia.settings")
application = get_wsgi_application()
# Refuse to serve without a SECRET_KEY (DEBUG off and none set: arcadia.settings).
settings.SECRET_KEY  # noqa: B018
