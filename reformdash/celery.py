"""The Celery app. Configured from Django settings (CELERY_*), so with no REDIS_URL every task
runs in-process and eagerly, and `celery -A reformdash worker` needs no other setup."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reformdash.settings")

app = Celery("reformdash")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="reformdash.ping")
def ping(token):
    """Leave `token` in the shared cache: proves a worker took a job from the broker and ran it."""
    from django.core.cache import cache

    cache.set(f"reformdash:ping:{token}", "pong", timeout=300)
    return "pong"
