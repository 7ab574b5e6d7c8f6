"""The Celery app. Configured from Django settings (CELERY_*), so with no REDIS_URL every task
runs in-process and eagerly, and `celery -A reformdash worker` needs no other setup."""

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

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


@contextlib.contextmanager
def worker_running(*, env, log, name=None, queues=("celery",), start_timeout=30):
    """A real `celery worker` subprocess, as the tests and the benchmark start one: the solo pool,
    one job at a time, no gossip, mingle or heartbeat, named `name` (by default the log file's
    name, so that two can run side by side), its output in `log`. Yields the process once it is
    ready (RuntimeError with the log's end if it is not); stopped on exit."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "reformdash",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "-Q",
        ",".join(queues),
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
        "-n",
        f"{name or Path(log).stem}@%h",
    ]
    from django.conf import settings

    with open(log, "wb") as log_file:
        worker = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR)
    try:
        deadline = time.monotonic() + start_timeout
        while b"ready." not in Path(log).read_bytes():
            if worker.poll() is not None or time.monotonic() > deadline:
                state = f"exited {worker.returncode}" if worker.poll() is not None else "did not start"
                raise RuntimeError(f"the Celery worker {state}:\n{Path(log).read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield worker
    finally:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
