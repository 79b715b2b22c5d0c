"""The Celery app: settings from CELERY_* in Django settings, tasks from each app's tasks.py."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "layercache_site.settings")

app = Celery("layercache")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
