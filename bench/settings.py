"""The app's settings with the benchmark's URLs on top: the bare view the pages are measured against."""

from reformdash.settings import *  # noqa: F403 (the real settings, overridden below)

ROOT_URLCONF = "bench.urls"

# Run with DEBUG off but without `collectstatic`: the files as they are, from static/ (the hashed,
# compressed production storage is measured by tests/browser/test_first_visit.py).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
