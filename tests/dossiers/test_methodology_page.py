"""The dossier methodology page shows the rules' own docstrings, in Vietnamese by default."""

import inspect

from django.urls import reverse
from django.utils import translation

from dossiers import measures

URL = "/dossiers/methodology/"


def test_the_url():
    assert reverse("dossier_methodology") == URL


def test_anonymous_users_are_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_every_rule_is_shown_with_its_docstring_in_english(client, head_b):
    client.force_login(head_b)
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(URL).content.decode()
    for function in (
        measures.effective_completion,
        measures.completed_late,
        measures.pending_overdue,
        measures.is_pending_at,
        measures.overdue_rate,
    ):
        assert function in measures.RULES
        # The docstring is what help() shows a developer, word for word what the page shows a user.
        assert inspect.getdoc(function) in page.replace("&#x27;", "'")
    assert "(1, 2, 2, 4)" in page


def test_the_vietnamese_page_shows_the_rules_translated(client, head_b):
    client.force_login(head_b)
    page = client.get(URL).content.decode()
    assert "Cách tính các tỷ lệ hồ sơ" in page
    for function in measures.RULES:
        with translation.override("vi"):
            vietnamese = translation.gettext(function.__doc__)
        assert vietnamese != function.__doc__, function.__name__
        assert vietnamese in page
    assert "trễ hạn" in page and "bổ sung" in page
