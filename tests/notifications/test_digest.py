"""The weekly digest: each member is told of his units (each with the units under it) and of no
other, once a week, read here from the mail the local SMTP server received; a week with nothing to
say writes nothing; the words are those of the units the reader still sees."""

import datetime
import itertools

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dossiers.models import Dossier
from dossiers.services import dossier_derive
from indicators.models import Index
from notifications.digest import digest_offer, week_label
from notifications.mail import mail_send_pending
from notifications.models import Kind, Notification, NotificationPreference
from notifications.tasks import digest_weekly_task
from notifications.texts import render
from remediation.models import Plan, PlanAction, PlanItem
from tests.indicators.builders import methodology, publish_by_decision, score
from tests.notifications.conftest import mail_text
from tests.notifications.test_alerts import headed_unit, subject
from units.models import Membership, MembershipRole, Unit, UnitKind

pytestmark = pytest.mark.django_db
_serial = itertools.count()


def overdue_dossiers(unit, count, *, now):
    """`count` dossiers of the unit pending five days past their due date at `now`."""
    for _ in range(count):
        dossier_derive(
            Dossier(
                source="test",
                external_id=str(next(_serial)),
                unit=unit,
                received_at=now - datetime.timedelta(days=20),
                due_at=now - datetime.timedelta(days=5),
                status="pending",
                channel="in_person",
            )
        ).save()


@pytest.fixture
def week(tree, head_a, head_b, tasks_in_process):
    """This week: A has 2 dossiers overdue and its PAR 2025 result published; commune B1 (under
    district B) has 3 overdue, and B's plan an action due in 3 days. Both heads have an address."""
    now = timezone.now()
    for head in (head_a, head_b):
        head.email = f"{head.username}@example.org"
        head.save()
    overdue_dossiers(tree.dept_a, 2, now=now)
    overdue_dossiers(tree.commune_b1, 3, now=now)
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index")
    departments = methodology(par, 2025)
    score(departments, tree.dept_a, {"1.1": "30", "1.2": "20", "2.1": "40"})
    publish_by_decision([departments])
    districts = methodology(par, 2025, kind=UnitKind.DISTRICT)
    plan = Plan.objects.create(unit=tree.district_b, index=par, year=2025)
    item = PlanItem.objects.create(plan=plan, criterion=districts.criteria.get(code="1.1"), points_lost=10)
    PlanAction.objects.create(
        item=item, what="Rà soát quy trình", owner="Văn phòng", deadline=timezone.localdate() + datetime.timedelta(3)
    )
    return timezone.now()  # after the publication was recorded


def mails_to(received):
    return {message["to"][0]: message for message in received}


def test_a_heads_digest_names_only_his_units(tree, week, smtp_server):
    digest_offer(now=week)
    assert mail_send_pending() == 2
    mails = mails_to(smtp_server)
    assert set(mails) == {"head_a@example.org", "head_b@example.org"}

    to_a = mail_text(mails["head_a@example.org"])
    iso = timezone.localdate(week).isocalendar()
    assert subject(mails["head_a@example.org"]) == f"Bản tin tuần {iso.week}/{iso.year}"
    assert "Sở A" in to_a
    assert "Hồ sơ đang quá hạn xử lý: 2" in to_a
    assert "Kết quả được công bố trong tuần: Chỉ số CCHC năm 2025 (1 đơn vị)" in to_a
    assert "Huyện B" not in to_a and "Xã B1" not in to_a and "Tỉnh Thử" not in to_a

    to_b = mail_text(mails["head_b@example.org"])
    assert "Huyện B" in to_b
    assert "Hồ sơ đang quá hạn xử lý: 3" in to_b  # the commune's, under his district
    assert "Nhiệm vụ khắc phục đến hạn trong 7 ngày tới: 1" in to_b
    assert "Sở A" not in to_b and "Chỉ số CCHC năm 2025" not in to_b


def test_a_member_of_the_province_is_told_of_every_unit_under_it(tree, week):
    viewer = User.objects.create_user(username="province_viewer", password="x")
    Membership.objects.create(user=viewer, unit=tree.province, role=MembershipRole.VIEWER)
    digest_offer(now=week)
    [entry] = Notification.objects.get(user=viewer).params["units"]
    assert (entry["unit"], entry["overdue"], entry["actions_due"]) == (tree.province.pk, 5, 1)


def test_the_digest_is_written_once_a_week(tree, week, head_a):
    digest_offer(now=week)
    digest_offer(now=week + datetime.timedelta(hours=1))
    assert Notification.objects.filter(user=head_a, kind=Kind.DIGEST).count() == 1
    digest_offer(now=week + datetime.timedelta(days=7))
    keys = Notification.objects.filter(user=head_a, kind=Kind.DIGEST).values_list("key", flat=True)
    assert sorted(keys) == sorted(
        f"digest:{week_label(timezone.localdate(week + datetime.timedelta(days=days)))}" for days in (0, 7)
    )


def test_a_week_with_nothing_to_say_writes_nothing(tree, week):
    quiet = Unit.objects.create(code="C", name="Sở C", kind=UnitKind.DEPARTMENT, parent=tree.province)
    head_c = User.objects.create_user(username="head_c", password="x", email="c@example.org")
    Membership.objects.create(user=head_c, unit=quiet, role=MembershipRole.HEAD)
    digest_offer(now=week)
    assert not Notification.objects.filter(user=head_c).exists()


def test_no_mail_for_who_turned_it_off_and_nothing_for_who_turned_it_all_off(tree, week, head_a, head_b, smtp_server):
    NotificationPreference.objects.create(user=head_a, kind=Kind.DIGEST, by_email=False)
    NotificationPreference.objects.create(user=head_b, kind=Kind.DIGEST, in_app=False, by_email=False)
    digest_offer(now=week)
    assert mail_send_pending() == 0
    assert smtp_server == []
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["head_a"]


def test_the_words_name_only_the_units_the_reader_still_sees(tree, week, head_b):
    digest_offer(now=week)
    digest = Notification.objects.get(user=head_b)
    assert "Huyện B" in render(digest).body
    Membership.objects.filter(user=head_b).update(unit=tree.dept_a)  # moved to department A
    assert "Huyện B" not in render(Notification.objects.get(pk=digest.pk)).body


def test_the_weekly_task_mails_each_digest_once(tree, week, smtp_server):
    digest_weekly_task.delay()
    digest_weekly_task.delay()
    assert sorted(message["to"][0] for message in smtp_server) == ["head_a@example.org", "head_b@example.org"]


def test_the_queries_do_not_grow_with_the_members(tree, week):
    """Set-wise: as many queries for two members as for twenty-two, each of a unit of his own."""
    with CaptureQueriesContext(connection) as two:
        digest_offer(now=week)
    Notification.objects.all().delete()
    for number in range(20):
        unit = headed_unit(f"X{number}", UnitKind.COMMUNE, parent=tree.district_b)
        overdue_dossiers(unit, 1, now=week)
    with CaptureQueriesContext(connection) as many:
        digest_offer(now=week)
    assert Notification.objects.count() == 22
    assert len(many) == len(two)
