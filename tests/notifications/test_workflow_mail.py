"""The workflow's e-mail, end to end: a real transition (assessments.workflow), its commit asking for
the sweep and the mail (the embedded default runs them in-process), Django's SMTP backend talking to
a real SMTP server on 127.0.0.1; each mail once, as the user chose."""

import pytest
from django.conf import settings

from notifications.mail import mail_send_pending
from notifications.models import Kind, Notification, NotificationPreference
from notifications.tasks import mail_send_task, workflow_sweep_task
from notifications.workflow import workflow_sweep
from tests.indicators.workflow import officer_a, workflow  # noqa: F401 (fixtures)
from tests.notifications.conftest import mail_text
from tests.notifications.moves import give_back, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def addressed(head_a, officer_a, appraiser):
    for user, address in ((head_a, "head_a@so-a.example"), (appraiser, "appraiser@snv.example")):
        user.email = address
        user.save(update_fields=["email"])
    # officer_a has no address: told in his inbox only.
    return head_a


def test_a_return_is_mailed_to_the_unit_after_its_commit(
    workflow, addressed, officer_a, appraiser, smtp_server, tasks_in_process, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submitted = submit(workflow.assessment, by=addressed)
    assert [m["to"] for m in smtp_server] == [["appraiser@snv.example"]]
    with django_capture_on_commit_callbacks(execute=True):
        give_back(submitted, by=appraiser, comment="Bổ sung minh chứng tiêu chí 1.1")
    assert [m["to"] for m in smtp_server] == [["appraiser@snv.example"], ["head_a@so-a.example"]]
    received = smtp_server[1]["message"]
    # (A long subject in UTF-8 is folded into encoded words; the parsed header keeps the fold's space.)
    assert received["Subject"].strip() == "Bản tự đánh giá Chỉ số CCHC năm 2024 của Sở A bị trả lại để sửa"
    assert received["From"] == settings.DEFAULT_FROM_EMAIL
    text = mail_text(smtp_server[1])
    assert "Bổ sung minh chứng tiêu chí 1.1" in text
    assert f"{settings.SITE_URL}/assessments/{workflow.assessment.pk}/" in text
    # In both inboxes, mailed once: beat's next runs send nothing again.
    assert Notification.objects.filter(kind=Kind.RETURNED).count() == 2
    workflow_sweep()
    assert mail_send_pending() == 0
    assert len(smtp_server) == 2


def test_no_mail_of_a_kind_the_user_turned_off_but_it_stays_in_his_inbox(workflow, addressed, appraiser, smtp_server):
    NotificationPreference.objects.create(user=addressed, kind=Kind.RETURNED, by_email=False)
    give_back(submit(workflow.assessment, by=addressed), by=appraiser)
    workflow_sweep()
    mail_send_pending()
    assert [m["to"] for m in smtp_server] == [["appraiser@snv.example"]]
    assert Notification.objects.filter(user=addressed, kind=Kind.RETURNED).exists()


def test_the_beat_tasks_do_the_same_work(workflow, addressed, appraiser, smtp_server, tasks_in_process):
    give_back(submit(workflow.assessment, by=addressed), by=appraiser)
    assert workflow_sweep_task.delay().get() == 3
    assert mail_send_task.delay().get() == 2
    assert workflow_sweep_task.delay().get() == 0
    assert mail_send_task.delay().get() == 0
    assert sorted(m["to"][0] for m in smtp_server) == ["appraiser@snv.example", "head_a@so-a.example"]


def test_the_beat_schedule_runs_both_every_minute():
    tasks = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks["notifications.workflow_sweep"] == 60.0
    assert tasks["notifications.mail_send"] == 60.0


def test_a_failing_mail_server_fails_no_workflow_step(
    workflow, addressed, appraiser, settings, tasks_in_process, django_capture_on_commit_callbacks
):
    # Nothing listens there: the in-process mail fails after the commit, the step stands and the
    # notification waits for beat's next run.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with django_capture_on_commit_callbacks(execute=True):
        submitted = submit(workflow.assessment, by=addressed)
    assert submitted.status == "submitted"
    notification = Notification.objects.get(user=appraiser)
    assert notification.emailed_at is None
