"""The settings of the processes tests start and log in to (the web servers and workers of
tests/faults, the Celery workers of tests/conftest.py): the real ones, with the tests' fast hasher,
so that a user a test created in its own process (hashed with MD5, tests/conftest.py) logs in there
too. Given to them as DJANGO_SETTINGS_MODULE; manage.py and reformdash/celery.py only default it."""

from reformdash.settings import *  # noqa: F403 (the real settings, one thing changed)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Run with DEBUG off but without `collectstatic`: the files as they are, from static/ (the hashed,
# compressed production storage is measured by tests/browser/test_first_visit.py).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
