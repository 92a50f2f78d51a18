"""The Celery app. Queues are per DO token purpose (DESIGN.md, "Tokens") so one
purpose's rate limit never starves another's work."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arcadia.settings")

app = Celery("arcadia")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
