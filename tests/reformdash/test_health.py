"""GET /health/: no login, JSON, 200 when the database and the broker answer, 503 quickly when one
does not, the last recompute's time, and nothing secret."""

import datetime
import os
import socket
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from jobs.models import Job, JobStatus


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_the_embedded_default_is_healthy_with_tasks_in_process(client, settings):
    settings.REDIS_URL = ""
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "broker": "in-process", "last_recompute": None}


@pytest.mark.django_db
def test_it_answers_without_a_login_and_is_never_cached(client, settings):
    settings.REDIS_URL = ""
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_reports_the_last_finished_recompute(client, settings):
    settings.REDIS_URL = ""
    finished = timezone.now() - datetime.timedelta(hours=3)
    Job.objects.create(kind="results.recompute", key="1:2024", status=JobStatus.DONE, finished_at=finished)
    Job.objects.create(kind="results.recompute", key="1:2023", status=JobStatus.FAILED, finished_at=timezone.now())
    body = client.get(reverse("health")).json()
    assert datetime.datetime.fromisoformat(body["last_recompute"]) == finished


@pytest.mark.django_db
def test_a_broker_that_does_not_answer_is_a_503_within_seconds(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    started = time.monotonic()
    response = client.get(reverse("health"))
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "ok", "broker": "down", "last_recompute": None}


@pytest.mark.django_db
def test_a_broker_that_accepts_but_never_answers_is_a_503_within_seconds(client, settings):
    # A port that takes the connection and then says nothing: the read timeout, not the connect
    # timeout, has to end the wait.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings.REDIS_URL = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        started = time.monotonic()
        response = client.get(reverse("health"))
        assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert response.json()["broker"] == "down"


@pytest.mark.django_db
def test_the_answer_holds_no_secret(client, settings):
    settings.REDIS_URL = f"redis://:s3cret-password@127.0.0.1:{_closed_port()}/0"
    text = client.get(reverse("health")).content.decode()
    assert "s3cret" not in text and "127.0.0.1" not in text and "redis://" not in text
    assert "Error" not in text and "refused" not in text.lower()


@pytest.mark.django_db
def test_only_get_is_answered(client):
    assert client.post(reverse("health")).status_code == 405


@pytest.mark.needs_redis
@pytest.mark.django_db
def test_a_running_redis_is_reported_ok(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


_HEALTH_IN_A_PROCESS = """
import django, json
django.setup()
from django.test import Client
response = Client().get("/health/", HTTP_HOST="cchc.example.gov.vn", secure=True)
print(response.status_code, json.dumps(response.json(), sort_keys=True))
"""


def test_a_database_that_does_not_answer_is_a_503():
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "reformdash.settings",
        "DEBUG": "off",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "cchc.example.gov.vn",
        "DATABASE_URL": f"postgres://reformdash:secret@127.0.0.1:{_closed_port()}/reformdash?connect_timeout=2",
    }
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", _HEALTH_IN_A_PROCESS],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert time.monotonic() - started < 30
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    assert body == '{"broker": "in-process", "database": "down", "last_recompute": null, "status": "down"}'
