"""/notifications/settings/: per kind, in the inbox and by e-mail; the choice is the user's own and
is what the inbox and the mail then follow."""

import pytest
from django.test import Client

from notifications.mail import mail_pending
from notifications.models import Kind, Notification, NotificationPreference
from notifications.selectors import inbox

pytestmark = pytest.mark.django_db

URL = "/notifications/settings/"


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_every_kind_is_offered_both_ways_on_by_default(head_a):
    html = logged_in(head_a).get(URL).content.decode()
    for kind in Kind.values:
        assert f'name="{kind}-in_app" id="{kind}-in_app" checked' in html
        assert f'name="{kind}-by_email" id="{kind}-by_email" checked' in html
    assert "Một bản đánh giá bị trả lại để sửa" in html


def test_the_choice_is_saved_and_followed_by_the_inbox_and_the_mail(head_a, head_b, tree):
    head_a.email = "head_a@so-a.example"
    head_a.save(update_fields=["email"])
    returned = Notification.objects.create(user=head_a, kind=Kind.RETURNED, key="step:1", unit=tree.dept_a)
    appraised = Notification.objects.create(user=head_a, kind=Kind.APPRAISED, key="step:2", unit=tree.dept_a)
    # Everything on but: returned out of the inbox, appraised not by e-mail.
    data = {f"{kind}-{way}": "on" for kind in Kind.values for way in ("in_app", "by_email")}
    del data["returned-in_app"], data["appraised-by_email"]
    response = logged_in(head_a).post(URL, data)
    assert response.status_code == 302 and response["Location"] == URL
    chosen = {p.kind: (p.in_app, p.by_email) for p in NotificationPreference.objects.filter(user=head_a)}
    assert chosen[Kind.RETURNED] == (False, True) and chosen[Kind.APPRAISED] == (True, False)
    assert chosen[Kind.DIGEST] == (True, True)
    assert list(inbox(user=head_a)) == [appraised]
    assert list(mail_pending()) == [returned]
    # Saved again: updated in place, one row per kind; nobody else's touched.
    logged_in(head_a).post(URL, {})
    assert NotificationPreference.objects.filter(user=head_a).count() == len(Kind.values)
    assert not NotificationPreference.objects.filter(user=head_a, in_app=True).exists()
    assert not NotificationPreference.objects.filter(user=head_b).exists()
    html = logged_in(head_a).get(URL).content.decode()
    assert 'id="returned-in_app" aria' in html.replace(" checked", "")
    assert 'name="returned-in_app" id="returned-in_app" checked' not in html


def test_an_anonymous_reader_is_sent_to_the_login(client):
    assert client.get(URL)["Location"].startswith("/login/")
    assert client.post(URL, {})["Location"].startswith("/login/")
    assert not NotificationPreference.objects.exists()
