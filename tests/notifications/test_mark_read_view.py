"""POST /notifications/<id>/read/ and /notifications/read/: the user marks his own notifications
read, and opens what one is about; another user's id, or one the inbox no longer shows, is a 404."""

import pytest
from django.test import Client

from notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db


def note(user, unit, key="step:1", url="/assessments/7/"):
    return Notification.objects.create(user=user, kind=Kind.RETURNED, key=key, unit=unit, url=url)


def logged_in(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


def is_read(notification):
    return Notification.objects.get(pk=notification.pk).read_at is not None


def test_marking_one_read_comes_back_to_the_inbox(head_a, tree):
    mine, other = note(head_a, tree.dept_a), note(head_a, tree.dept_a, key="step:2")
    response = logged_in(head_a).post(f"/notifications/{mine.pk}/read/", {"then": "inbox"})
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert is_read(mine) and not is_read(other)


def test_opening_one_marks_it_read_and_goes_to_what_it_is_about(head_a, tree):
    mine = note(head_a, tree.dept_a)
    response = logged_in(head_a).post(f"/notifications/{mine.pk}/read/", {"then": "open"})
    assert response.status_code == 302 and response["Location"] == "/assessments/7/"
    assert is_read(mine)


def test_a_link_off_the_site_is_not_followed(head_a, tree):
    mine = note(head_a, tree.dept_a, url="//evil.example/x")
    response = logged_in(head_a).post(f"/notifications/{mine.pk}/read/", {"then": "open"})
    assert response["Location"] == "/notifications/"


def test_another_users_notification_is_a_404_and_stays_unread(head_a, head_b, tree):
    theirs = note(head_b, tree.district_b)
    response = logged_in(head_a).post(f"/notifications/{theirs.pk}/read/", {"then": "open"})
    assert response.status_code == 404
    assert not is_read(theirs)


def test_one_about_a_unit_he_no_longer_sees_is_a_404(head_b, tree):
    hidden = note(head_b, tree.dept_a)
    assert logged_in(head_b).post(f"/notifications/{hidden.pk}/read/", {"then": "open"}).status_code == 404


def test_marking_all_read_touches_only_the_users_own(head_a, head_b, tree):
    mine = [note(head_a, tree.dept_a, key=f"step:{n}") for n in range(3)]
    theirs = note(head_b, tree.district_b)
    response = logged_in(head_a).post("/notifications/read/")
    assert response.status_code == 302
    assert all(is_read(n) for n in mine) and not is_read(theirs)


def test_only_a_post_with_its_csrf_token_marks_read(head_a, tree):
    mine = note(head_a, tree.dept_a)
    assert logged_in(head_a).get(f"/notifications/{mine.pk}/read/").status_code == 405
    strict = logged_in(head_a, enforce_csrf_checks=True)
    assert strict.post(f"/notifications/{mine.pk}/read/").status_code == 403
    assert strict.post("/notifications/read/").status_code == 403
    assert not is_read(mine)


def test_an_anonymous_post_marks_nothing(client, head_a, tree):
    mine = note(head_a, tree.dept_a)
    assert client.post(f"/notifications/{mine.pk}/read/").status_code == 302
    assert not is_read(mine)
