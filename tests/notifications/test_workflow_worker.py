"""With Redis and a real Celery worker, as in production: a step's commit sends the sweep and the
mail to the worker, which mails the local SMTP server; beat's runs after it send nothing again."""

import time
import uuid

import pytest
from django.conf import settings

from notifications.models import Notification
from notifications.tasks import mail_send_task, workflow_sweep_task
from tests.conftest import running_worker
from tests.indicators.workflow import workflow  # noqa: F401 (fixture)
from tests.notifications.moves import give_back, submit


def _wait(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.needs_redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_tells_and_mails_each_step_once(workflow, head_a, appraiser, smtp_server, monkeypatch, tmp_path):
    import redis

    # The worker's own settings come from its environment: the SMTP server this test started.
    monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    monkeypatch.setenv("EMAIL_HOST", settings.EMAIL_HOST)
    monkeypatch.setenv("EMAIL_PORT", str(settings.EMAIL_PORT))
    for user, address in ((head_a, "head_a@so-a.example"), (appraiser, "appraiser@snv.example")):
        user.email = address
        user.save(update_fields=["email"])
    queue = f"test-{uuid.uuid4().hex[:12]}"
    redis.Redis.from_url(settings.REDIS_URL).delete("celery")
    log = tmp_path / "worker.log"
    with running_worker(redis_url=settings.REDIS_URL, queues=[queue, "celery"], log=log):
        give_back(submit(workflow.assessment, by=head_a), by=appraiser, comment="Bổ sung minh chứng")
        assert _wait(lambda: len(smtp_server) == 2), log.read_text(errors="replace")
        assert sorted(m["to"][0] for m in smtp_server) == ["appraiser@snv.example", "head_a@so-a.example"]
        assert Notification.objects.filter(emailed_at__isnull=False).count() == 2
        # Beat's next runs, on the worker: nothing new written, nothing mailed again.
        sweep = workflow_sweep_task.apply_async(queue=queue)
        mail = mail_send_task.apply_async(queue=queue)
        for task in (sweep, mail):
            assert _wait(lambda task=task: f"[{task.id}] succeeded" in log.read_text(errors="replace"))
        text = log.read_text(errors="replace")
        assert f"[{sweep.id}] succeeded" in text and f"[{mail.id}] succeeded" in text
    assert [line for line in text.splitlines() if f"[{mail.id}] succeeded" in line][0].rstrip().endswith(": 0")
    assert len(smtp_server) == 2
    assert Notification.objects.count() == 2  # the appraiser's of the submission, head_a's of the return
