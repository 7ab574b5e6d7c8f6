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
