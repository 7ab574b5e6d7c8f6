"""The navigation link to the worklist: for unit members, staff, appraisers and administrators, worked
out at login (one query) and then free on every page."""

import pytest

from units.access import Action, may


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("staff", True),  # read only: they follow every unit's assessments (issue 19)
        ("head_a", True),
        ("head_b", True),
        ("appraiser", True),
        ("admin_user", True),
        ("outsider", False),
    ],
)
def test_the_link_is_shown_to_who_has_work_there(login, who, shown, english):
    body = login(who).get("/rankings/").content.decode()
    assert ('href="/assessments/"' in body) is shown


def test_anonymous_has_no_link(client, settings, db):
    settings.PUBLIC_RANKINGS = True
    assert 'href="/assessments/"' not in client.get("/rankings/").content.decode()


def test_it_costs_at_most_one_query(head_a, admin_user, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert may(head_a, Action.USE_WORKLIST)
    with django_assert_max_num_queries(0):
        assert may(admin_user, Action.USE_WORKLIST)


def test_pages_pay_no_query_for_it_after_login(client, head_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from units.access import WORKLIST_SESSION_KEY as SESSION_KEY

    client.force_login(head_a)
    assert client.session[SESSION_KEY] is True
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/rankings/").content.decode()
    assert 'href="/assessments/"' in body
    assert not any("units_membership" in q["sql"] and "auth_user_groups" in q["sql"] for q in queries)


def test_a_session_without_the_flag_works_it_out(client, head_a):
    from units.access import WORKLIST_SESSION_KEY as SESSION_KEY

    client.force_login(head_a)
    session = client.session
    del session[SESSION_KEY]
    session.save()
    assert 'href="/assessments/"' in client.get("/rankings/").content.decode()
