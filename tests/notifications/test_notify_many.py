"""notify_many: each notification once per user and key, never about a unit the user may not see."""

import pytest
from django.core.mail import send_mail

from notifications.models import Kind, Notification
from notifications.services import NewNotification, notify_many
from tests.notifications.conftest import mail_text

pytestmark = pytest.mark.django_db


def test_a_key_is_written_once_however_often_it_is_offered(head_a, tree):
    head = head_a
    row = NewNotification(user_id=head.pk, kind=Kind.RETURNED, key="step:1", unit_id=tree.dept_a.pk, params={"a": 1})
    notify_many([row])
    notify_many([row, row])
    assert Notification.objects.filter(user=head, key="step:1").count() == 1


def test_nothing_is_written_about_a_unit_the_user_may_not_see(head_a, tree):
    head = head_a
    notify_many(
        [
            NewNotification(user_id=head.pk, kind=Kind.RETURNED, key="own", unit_id=tree.dept_a.pk),
            NewNotification(user_id=head.pk, kind=Kind.RETURNED, key="foreign", unit_id=tree.district_b.pk),
            NewNotification(user_id=head.pk, kind=Kind.DIGEST, key="no unit"),
        ]
    )
    assert set(Notification.objects.filter(user=head).values_list("key", flat=True)) == {"own", "no unit"}


def test_the_local_smtp_server_receives_what_django_sends(smtp_server):
    send_mail("Chủ đề", "Nội dung thư", "from@example.org", ["to@example.org"])
    assert len(smtp_server) == 1
    assert smtp_server[0]["to"] == ["to@example.org"]
    assert smtp_server[0]["message"]["Subject"] == "Chủ đề"
    assert "Nội dung thư" in mail_text(smtp_server[0])


def test_a_notification_is_mailed_once_to_its_user(head_a, tree, smtp_server):
    from notifications.mail import mail_send_pending

    head_a.email = "head@example.org"
    head_a.save()
    notify_many([NewNotification(user_id=head_a.pk, kind=Kind.RETURNED, key="k", unit_id=tree.dept_a.pk, url="/x/")])
    assert mail_send_pending() == 1
    assert mail_send_pending() == 0
    assert [received["to"] for received in smtp_server] == [["head@example.org"]]
    assert mail_text(smtp_server[0]).strip().endswith("/x/")


def test_no_mail_when_the_user_turned_it_off_for_the_kind(head_a, tree, smtp_server):
    from notifications.mail import mail_send_pending
    from notifications.models import NotificationPreference

    head_a.email = "head@example.org"
    head_a.save()
    NotificationPreference.objects.create(user=head_a, kind=Kind.RETURNED, by_email=False)
    notify_many([NewNotification(user_id=head_a.pk, kind=Kind.RETURNED, key="k", unit_id=tree.dept_a.pk)])
    assert mail_send_pending() == 0
    assert smtp_server == []
