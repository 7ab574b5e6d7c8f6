"""Threshold alerts: a unit's month worse than its target alerts whoever sees the unit by
membership, once per month; a plan action past its deadline alerts the plan's unit's head and
officers, once per deadline; neither reaches a user who may not see the unit, nor one who turned
the kind off."""

import datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers.models import Dossier, DossierMonth, Scope
from dossiers.services import dossier_derive
from dossiers.stats import dossier_stats_full
from indicators.models import Index, Target
from notifications.alerts import action_alerts, rate_alerts
from notifications.mail import mail_send_pending
from notifications.models import Kind, Notification, NotificationPreference
from notifications.tasks import alerts_daily_task
from notifications.texts import render
from remediation.models import ActionStatus, Plan, PlanAction, PlanItem
from tests.indicators.builders import methodology
from tests.indicators.workflow import officer_a, viewer_a  # noqa: F401 (fixtures)
from tests.notifications.conftest import mail_text
from units.models import Membership, MembershipRole, Unit, UnitKind

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# 3 December 2026: the month just ended is November 2026.
NOW = datetime.datetime(2026, 12, 3, 6, 30, tzinfo=VN)


@pytest.fixture
def overdue(tree):
    """The overdue rate as an index computed from dossiers (lower is better), with a target of at
    most 2 % for every department in 2026 and 5 % of its own for district B."""
    index = Index.objects.create(
        code="overdue",
        name_vi="Tỷ lệ hồ sơ trễ hạn",
        name_en="Overdue rate",
        direction="lower",
        dossier_measure="overdue_rate",
    )
    Target.objects.create(index=index, year=2026, unit_kind=UnitKind.DEPARTMENT, value=D(2))
    Target.objects.create(index=index, year=2026, unit=tree.district_b, value=D(5))
    return index


@pytest.fixture
def province_viewer(tree):
    """A member of the province: he sees every unit under it through that membership."""
    user = User.objects.create_user(username="province_viewer", password="x", email="province@example.org")
    Membership.objects.create(user=user, unit=tree.province, role=MembershipRole.VIEWER)
    return user


def subject(received):
    """The subject as a mail client shows it: a long one is folded onto a second header line."""
    return " ".join(str(received["message"]["Subject"]).split())


def headed_unit(code, kind, *, parent):
    """A new unit under `parent`, with a head of its own (username head_<code>)."""
    unit = Unit.objects.create(code=code, name=f"Đơn vị {code}", kind=kind, parent=parent)
    head = User.objects.create_user(username=f"head_{code}", password="x")
    Membership.objects.create(user=head, unit=unit, role=MembershipRole.HEAD)
    return unit


def month_stats(unit, month, *, on_time, late, pending_overdue=0, **counts):
    """The unit's own statistics of a month, as the statistics job writes them."""
    DossierMonth.objects.update_or_create(
        unit=unit,
        month=month,
        scope=Scope.OWN,
        defaults={
            "completed_on_time": on_time,
            "completed_late": late,
            "pending_overdue": pending_overdue,
            "computed_at": NOW,
            **counts,
        },
    )


def keys_by_user(kind=Kind.RATE_ABOVE_TARGET):
    return set(Notification.objects.filter(kind=kind).values_list("user__username", "key"))


def test_a_month_worse_than_its_target_alerts_whoever_sees_the_unit_once(
    tree, overdue, head_a, head_b, staff, province_viewer
):
    month_stats(tree.dept_a, 202611, on_time=90, late=10)  # 10 % against at most 2 %
    month_stats(tree.district_b, 202611, on_time=96, late=4)  # 4 % against its own 5 %: met
    rate_alerts(now=NOW)
    key = f"rate:{tree.dept_a.pk}:overdue:2026-11"
    # Department A's head and the province's member who oversees it; not B's head, who may not
    # see A, nor the staff, who would otherwise get one per unit of the province.
    assert keys_by_user() == {("head_a", key), ("province_viewer", key)}
    notification = Notification.objects.get(user=head_a)
    assert notification.unit == tree.dept_a
    assert notification.params["value"] == "10.000000" and D(notification.params["target"]) == 2

    rate_alerts(now=NOW)
    rate_alerts(now=NOW + datetime.timedelta(days=5))  # still November that is judged, in December
    assert Notification.objects.filter(kind=Kind.RATE_ABOVE_TARGET).count() == 2


def test_it_fires_when_the_rate_crosses_the_target_and_a_new_month_crossing_again_fires_anew(tree, overdue, head_a):
    month_stats(tree.dept_a, 202611, on_time=99, late=1)  # 1 %: within
    rate_alerts(now=NOW)
    assert keys_by_user() == set()

    month_stats(tree.dept_a, 202611, on_time=97, late=1, pending_overdue=2)  # late statistics: 3 %
    rate_alerts(now=NOW + datetime.timedelta(days=2))
    rate_alerts(now=NOW + datetime.timedelta(days=3))
    assert keys_by_user() == {("head_a", f"rate:{tree.dept_a.pk}:overdue:2026-11")}

    month_stats(tree.dept_a, 202612, on_time=90, late=10)
    rate_alerts(now=datetime.datetime(2027, 1, 2, 6, 30, tzinfo=VN))  # judged on 2026's target
    assert keys_by_user() == {
        ("head_a", f"rate:{tree.dept_a.pk}:overdue:2026-11"),
        ("head_a", f"rate:{tree.dept_a.pk}:overdue:2026-12"),
    }


def test_the_running_month_is_not_judged(tree, overdue, head_a):
    month_stats(tree.dept_a, 202612, on_time=50, late=50)
    rate_alerts(now=NOW)
    assert keys_by_user() == set()


def test_the_target_a_unit_answers_to_is_the_targets_rule(tree, overdue, head_a, head_b):
    """A's own target wins over its kind's; B answers to its own 5 %."""
    Target.objects.create(index=overdue, year=2026, unit=tree.dept_a, value=D(15))
    month_stats(tree.dept_a, 202611, on_time=90, late=10)  # 10 % ≤ 15 %: met
    month_stats(tree.district_b, 202611, on_time=94, late=6)  # 6 % > 5 %
    rate_alerts(now=NOW)
    assert keys_by_user() == {("head_b", f"rate:{tree.district_b.pk}:overdue:2026-11")}


def test_a_unit_without_a_target_or_without_dossiers_is_not_judged(tree, overdue, head_b):
    Target.objects.filter(unit=tree.district_b).delete()
    month_stats(tree.district_b, 202611, on_time=0, late=9)  # no target for districts now
    month_stats(tree.dept_a, 202611, on_time=0, late=0)  # nothing to divide by
    rate_alerts(now=NOW)
    assert keys_by_user() == set()


def test_where_higher_is_better_a_rate_below_its_target_alerts(tree, head_a):
    online = Index.objects.create(
        code="online", name_vi="Tỷ lệ nộp trực tuyến", direction="higher", dossier_measure="online_rate"
    )
    Target.objects.create(index=online, year=2026, unit_kind=UnitKind.DEPARTMENT, value=D(50))
    month_stats(tree.dept_a, 202611, on_time=0, late=0, received=100, received_online=20)
    rate_alerts(now=NOW)
    assert list(Notification.objects.values_list("key", flat=True)) == [f"rate:{tree.dept_a.pk}:online:2026-11"]
    assert Notification.objects.get().url == "/units/A/?index=online&year=2026"


def test_the_rate_is_the_statistics_jobs_from_the_dossiers(tree, overdue, head_a, tasks_in_process):
    """From dossiers to the alert: November's dossiers of A, one of four completed late."""
    start = datetime.datetime(2026, 11, 2, 8, tzinfo=VN)
    for number in range(4):
        dossier_derive(
            Dossier(
                source="test",
                external_id=str(number),
                unit=tree.dept_a,
                received_at=start,
                due_at=start + datetime.timedelta(days=5),
                completed_at=start + datetime.timedelta(days=9 if number == 0 else 3),
                status="completed",
                channel="online",
            )
        ).save()
    dossier_stats_full(now=NOW)
    rate_alerts(now=NOW)
    notification = Notification.objects.get(user=head_a)
    assert D(notification.params["value"]) == 25
    assert notification.url == "/dossiers/units/A/overdue/?show=late&scope=own&period=month&year=2026&month=11"


def test_the_alert_mail_says_the_unit_the_rate_and_the_target_in_vietnamese(tree, overdue, head_a, smtp_server):
    head_a.email = "head_a@example.org"
    head_a.save()
    month_stats(tree.dept_a, 202611, on_time=90, late=10)
    rate_alerts(now=NOW)
    assert mail_send_pending() == 1
    assert mail_send_pending() == 0
    [received] = smtp_server
    assert received["to"] == ["head_a@example.org"]
    assert subject(received) == "Sở A: Tỷ lệ hồ sơ trễ hạn tháng 11/2026 không đạt chỉ tiêu"
    text = mail_text(received)
    assert "10,00 %" in text and "≤ 2,00 %" in text
    assert "Huyện B" not in text


def test_the_words_follow_the_readers_language(tree, overdue, head_a, english):
    month_stats(tree.dept_a, 202611, on_time=90, late=10)
    rate_alerts(now=NOW)
    words = render(Notification.objects.get(user=head_a))
    assert words.subject == "Sở A: Overdue rate of 11/2026 missed its target"
    assert "10.00 %" in words.body and "≤ 2.00 %" in words.body


def test_a_user_who_turned_the_kind_off_gets_no_mail_and_one_who_turned_it_all_off_gets_nothing(
    tree, overdue, head_a, province_viewer, smtp_server
):
    head_a.email = "head_a@example.org"
    head_a.save()
    NotificationPreference.objects.create(user=head_a, kind=Kind.RATE_ABOVE_TARGET, by_email=False)
    NotificationPreference.objects.create(
        user=province_viewer, kind=Kind.RATE_ABOVE_TARGET, in_app=False, by_email=False
    )
    month_stats(tree.dept_a, 202611, on_time=90, late=10)
    rate_alerts(now=NOW)
    assert mail_send_pending() == 0
    assert smtp_server == []
    # In his inbox only; nothing at all for the one who turned both off.
    assert keys_by_user() == {("head_a", f"rate:{tree.dept_a.pk}:overdue:2026-11")}


# --- Plan actions past their deadline -------------------------------------------------------------

TODAY = datetime.date(2026, 12, 3)


@pytest.fixture
def action(tree):
    """An action of A's 2025 plan due on 1 December 2026, planned."""
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index")
    criterion = methodology(par, 2025).criteria.get(code="1.1")
    plan = Plan.objects.create(unit=tree.dept_a, index=par, year=2025)
    item = PlanItem.objects.create(plan=plan, criterion=criterion, points_lost=D(10))
    return PlanAction.objects.create(
        item=item, what="Số hóa kết quả giải quyết", owner="Văn phòng", deadline=datetime.date(2026, 12, 1)
    )


def action_keys():
    return keys_by_user(Kind.ACTION_OVERDUE)


def test_an_action_past_its_deadline_alerts_the_units_head_and_officers_once(
    action, head_a, officer_a, viewer_a, head_b, province_viewer
):
    action_alerts(today=TODAY)
    action_alerts(today=TODAY + datetime.timedelta(days=1))
    key = f"action:{action.pk}:2026-12-01"
    assert action_keys() == {("head_a", key), ("officer_a", key)}
    assert Notification.objects.filter(kind=Kind.ACTION_OVERDUE).first().url == "/plans/A/par/2025/"


def test_an_action_not_yet_past_or_done_alerts_nobody(action, head_a):
    action_alerts(today=datetime.date(2026, 12, 1))  # due today: not past
    assert action_keys() == set()
    action.status = ActionStatus.DONE
    action.save()
    action_alerts(today=TODAY)
    assert action_keys() == set()


def test_a_deadline_moved_and_passed_again_alerts_again(action, head_a):
    action_alerts(today=TODAY)
    action.deadline = datetime.date(2026, 12, 20)
    action.save()
    action_alerts(today=datetime.date(2026, 12, 10))
    action_alerts(today=datetime.date(2026, 12, 21))
    assert action_keys() == {
        ("head_a", f"action:{action.pk}:2026-12-01"),
        ("head_a", f"action:{action.pk}:2026-12-20"),
    }


def test_the_action_mail(action, head_a, smtp_server):
    head_a.email = "head_a@example.org"
    head_a.save()
    action_alerts(today=TODAY)
    assert mail_send_pending() == 1
    [received] = smtp_server
    assert subject(received) == "Sở A: một nhiệm vụ khắc phục đã quá hạn 01/12/2026"
    assert "“Số hóa kết quả giải quyết”" in mail_text(received)


def test_the_daily_task_offers_and_mails_each_alert_once(tree, overdue, action, head_a, smtp_server, tasks_in_process):
    """The beat's job, run twice: one mail of each kind. Its `now` is the real one, so the month it
    judges is the real month just ended."""
    from django.utils import timezone

    from dossiers.measures import month_of, previous_month

    head_a.email = "head_a@example.org"
    head_a.save()
    month = previous_month(month_of(timezone.now()))
    Target.objects.create(index=overdue, year=month // 100, unit=tree.dept_a, value=D(2))
    month_stats(tree.dept_a, month, on_time=90, late=10)
    action.deadline = timezone.localdate() - datetime.timedelta(days=1)
    action.save()
    alerts_daily_task.delay()
    alerts_daily_task.delay()
    assert sorted(Notification.objects.filter(user=head_a).values_list("kind", flat=True)) == [
        Kind.ACTION_OVERDUE,
        Kind.RATE_ABOVE_TARGET,
    ]
    assert len(smtp_server) == 2


def test_the_queries_do_not_grow_with_the_units_or_their_members(tree, overdue, action, head_a):
    """Set-wise: as many queries for one unit missing its target, and one action overdue, as for
    twenty-one of each, each unit with its head."""
    month_stats(tree.dept_a, 202611, on_time=90, late=10)
    with CaptureQueriesContext(connection) as one:
        rate_alerts(now=NOW)
        action_alerts(today=TODAY)
    Notification.objects.all().delete()
    for number in range(20):
        unit = headed_unit(f"D{number}", UnitKind.DEPARTMENT, parent=tree.province)
        month_stats(unit, 202611, on_time=90, late=10)
        plan = Plan.objects.create(unit=unit, index=action.item.plan.index, year=2025)
        item = PlanItem.objects.create(plan=plan, criterion=action.item.criterion, points_lost=D(10))
        PlanAction.objects.create(item=item, what="Rà soát", owner="Văn phòng", deadline=action.deadline)
    with CaptureQueriesContext(connection) as many:
        rate_alerts(now=NOW)
        action_alerts(today=TODAY)
    assert Notification.objects.count() == 42
    assert len(many) == len(one)
