"""/notifications/: the user's own notifications, in his words, only kinds he keeps in his inbox
and only about units he may still see; the header's unread count agrees with it."""

import re

import pytest
from django.test import Client

from notifications.models import Kind, Notification, NotificationPreference

pytestmark = pytest.mark.django_db

URL = "/notifications/"
PARAMS = {
    "unit_name": "Sở A",
    "index_vi": "Chỉ số CCHC",
    "index_en": "PAR Index",
    "year": 2024,
    "actor": "Thẩm định viên",
}


def note(user, unit, key, kind=Kind.RETURNED, **params):
    return Notification.objects.create(
        user=user,
        kind=kind,
        key=key,
        unit=unit,
        params={**PARAMS, "unit_name": unit.name if unit else "", **params},
        url="/assessments/1/",
    )


def page(user):
    client = Client()
    client.force_login(user)
    return client.get(URL)


def badge(html):
    found = re.search(r'class="unread-count">(\d+)', html)
    return int(found.group(1)) if found else 0


def test_the_user_reads_his_own_notifications_in_vietnamese(head_a, head_b, tree):
    note(head_a, tree.dept_a, "step:1", comment="Thiếu minh chứng cho tiêu chí 1.1")
    note(head_b, tree.district_b, "step:2")
    response = page(head_a)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Bản tự đánh giá Chỉ số CCHC năm 2024 của Sở A bị trả lại để sửa" in html
    assert "Thiếu minh chứng cho tiêu chí 1.1" in html
    assert "Huyện B" not in html
    assert badge(html) == 1


def test_a_notification_about_a_unit_he_no_longer_sees_is_neither_shown_nor_counted(head_b, tree):
    # Written while head_b was a member of Sở A; he is not any more.
    note(head_b, tree.dept_a, "step:1")
    note(head_b, tree.commune_b1, "step:2")
    html = page(head_b).content.decode()
    assert "Sở A" not in html
    assert "Xã B1" in html
    assert badge(html) == 1


def test_a_kind_kept_out_of_the_inbox_is_not_shown(head_a, tree):
    NotificationPreference.objects.create(user=head_a, kind=Kind.RETURNED, in_app=False, by_email=True)
    note(head_a, tree.dept_a, "step:1")
    note(head_a, tree.dept_a, "step:2", kind=Kind.APPRAISED)
    html = page(head_a).content.decode()
    assert "bị trả lại" not in html
    assert "đã được thẩm định" in html
    assert badge(html) == 1


def test_read_ones_are_not_counted_and_a_notification_with_no_unit_is_shown(appraiser, tree):
    read = note(appraiser, tree.dept_a, "step:1", kind=Kind.SUBMITTED)
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    Notification.objects.create(user=appraiser, kind=Kind.DIGEST, key="digest:2026-W49", params={"week": "2026-W49"})
    html = page(appraiser).content.decode()
    assert "Sở A" in html and "Bản tin tuần 49/2026" in html
    assert badge(html) == 1


def test_an_anonymous_reader_is_sent_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_inbox_pages_its_notifications(head_a, tree):
    for n in range(35):
        note(head_a, tree.dept_a, f"step:{n}")
    first = page(head_a).content.decode()
    assert first.count('class="card notification') == 30
    client = Client()
    client.force_login(head_a)
    assert client.get(URL, {"page": 2}).content.decode().count('class="card notification') == 5


def test_the_inbox_costs_the_same_few_queries_for_many_notifications(head_a, tree, django_assert_max_num_queries):
    for n in range(30):
        note(head_a, tree.dept_a, f"step:{n}")
    client = Client()
    client.force_login(head_a)
    # session, user, the count and page of the inbox, the header's flags and unread count.
    with django_assert_max_num_queries(8):
        assert client.get(URL).status_code == 200
