import time
import uuid

import pytest
from django.core.cache import cache

from reformdash.celery import app, ping


def _wait_for(key, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cache.get(key) is not None:
            return cache.get(key)
        time.sleep(0.1)
    return None


def test_the_embedded_default_runs_tasks_in_process(settings):
    assert app.conf.task_always_eager is (not settings.REDIS_URL)


def test_in_process_a_task_runs_at_once(tasks_in_process):
    token = uuid.uuid4().hex
    ping.delay(token)
    assert cache.get(f"reformdash:ping:{token}") == "pong"


def test_in_process_task_errors_reach_the_caller(tasks_in_process):
    with pytest.raises(TypeError):
        ping.delay()  # missing argument: eager mode must not swallow it


@pytest.mark.needs_redis
def test_the_cache_is_redis_when_redis_url_is_set(settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    key = f"reformdash:test:{uuid.uuid4().hex}"
    cache.set(key, "78,44", timeout=30)
    assert cache.get(key) == "78,44"


@pytest.mark.needs_redis
def test_a_real_worker_takes_a_job_from_redis_and_runs_it(celery_worker_process):
    token = uuid.uuid4().hex
    ping.apply_async(args=[token], queue=celery_worker_process)
    assert _wait_for(f"reformdash:ping:{token}", seconds=30) == "pong"


def test_every_task_celery_beat_sends_exists(settings):
    app.loader.import_default_modules()  # what a worker does at start: import every app's tasks
    missing = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] not in app.tasks]
    assert missing == []
