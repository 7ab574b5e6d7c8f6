"""Run one management command as the benchmark measures it: jobs queued where no worker reads them
(bench/run.py explains why), in a process of its own so that its peak memory is its own."""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reformdash.settings")

import django  # noqa: E402 (after django.setup())

django.setup()

from django.core.management import call_command  # noqa: E402 (after django.setup())

from bench.measure import PEAK_MARK, own_peak_kb  # noqa: E402 (after django.setup())
from reformdash.celery import app  # noqa: E402 (after django.setup())

app.conf.task_always_eager = False
app.conf.broker_url = "memory://localhost/"

if __name__ == "__main__":
    try:
        call_command(*sys.argv[1:])
    finally:
        # Our own peak, for bench.measure.child_time_and_peak: what wait4 reports includes the
        # memory of the benchmark process this one was forked from.
        peak = own_peak_kb()
        if peak is not None:
            print(f"{PEAK_MARK}{peak}", file=sys.stderr)
