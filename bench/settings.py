"""The app's settings with the benchmark's URLs on top: the bare view the pages are measured against."""

from reformdash.settings import *  # noqa: F403 (the real settings, overridden below)

ROOT_URLCONF = "bench.urls"
