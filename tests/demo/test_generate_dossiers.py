"""Synthetic dossiers (demo.synthetic_dossiers.dossiers_generate) and the generate_dossiers command."""

import datetime
from collections import Counter
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from demo.synthetic_dossiers import LONG_LATE_DAYS, MAX_OPEN_DAYS, PROCEDURES, dossiers_generate
from dossiers import measures
from dossiers.models import Dossier, DossierAdded, DossierMonth, DossierMonthDirty, DossierStatus, Scope
from dossiers.services import STATS_INCREMENTAL, dossier_derive, touched_months
from dossiers.stats import dossier_stats_incremental
from jobs.models import Job, JobStatus
from units.models import Unit, UnitKind

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime.datetime(2024, 12, 31, 23, 59, tzinfo=VN)
YEAR_2024 = measures.months_between(202401, 202412)
# Every stored column but the id and the time of writing.
COLUMNS = [f.attname for f in Dossier._meta.concrete_fields if f.attname not in ("id", "updated_at")]


def rows():
    return list(Dossier.objects.order_by("source", "external_id").values_list(*COLUMNS))


def generate(units, months=YEAR_2024, per_unit_month=10, seed=1, **kwargs):
    return dossiers_generate(units=units, months=months, per_unit_month=per_unit_month, seed=seed, now=NOW, **kwargs)


def everyone(tree):
    return [tree.dept_a, tree.district_b, tree.commune_b1]


# --- dossiers_generate ------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_dossiers(tree):
    generate(everyone(tree), seed=7)
    first = rows()
    Dossier.objects.all().delete()

    generate(everyone(tree), seed=7)

    assert rows() == first
    assert len(first) == 3 * 12 * 10


def test_another_seed_gives_other_dossiers(tree):
    generate(everyone(tree), seed=7)
    first = rows()
    Dossier.objects.all().delete()

    generate(everyone(tree), seed=8)

    second = rows()
    assert [row[:2] for row in second] == [row[:2] for row in first]  # the same ids…
    assert sum(a != b for a, b in zip(first, second, strict=False)) > len(first) * 0.9  # …with other values


def test_a_units_dossiers_do_not_depend_on_the_other_units_or_months_generated_with_it(tree):
    generate(everyone(tree), months=[202403, 202404], seed=3)
    together = list(
        Dossier.objects.filter(unit=tree.district_b, received_month=202404)
        .order_by("external_id")
        .values_list(*COLUMNS)
    )
    Dossier.objects.all().delete()

    generate([tree.district_b], months=[202404], seed=3)

    assert rows() == together


def test_the_count_is_units_times_months_times_per_unit_month_with_ids_by_unit_month_and_number(tree):
    assert generate(everyone(tree), months=[202402, 202401, 202403], per_unit_month=4) == 3 * 3 * 4

    assert Dossier.objects.count() == 36
    counts = Counter(Dossier.objects.values_list("unit__code", "received_month"))
    assert counts == {(code, month): 4 for code in ("A", "B", "B1") for month in (202401, 202402, 202403)}
    ids = set(Dossier.objects.filter(unit=tree.commune_b1, received_month=202402).values_list("external_id", flat=True))
    assert ids == {"B1-202402-1", "B1-202402-2", "B1-202402-3", "B1-202402-4"}
    assert set(Dossier.objects.values_list("source", flat=True)) == {"synthetic"}


def test_nothing_is_completed_after_now_and_only_what_would_finish_later_is_pending(tree):
    generate(everyone(tree), per_unit_month=40)

    assert not Dossier.objects.filter(completed_at__gt=NOW).exists()
    assert not Dossier.objects.filter(received_at__gt=NOW).exists()
    pending = Dossier.objects.filter(status=DossierStatus.PENDING)
    assert not pending.filter(completed_at__isnull=False).exists()
    assert not Dossier.objects.exclude(status=DossierStatus.PENDING).filter(completed_at__isnull=True).exists()
    # Mostly the latest month's, whose processing time runs past the year's end; a few long-late ones.
    by_month = Counter(pending.values_list("received_month", flat=True))
    assert by_month[202412] > sum(count for month, count in by_month.items() if month < 202411)
    assert not pending.filter(result_entered=True).exists()


def test_every_dossier_ends_within_90_days_so_only_the_last_weeks_are_pending(tree):
    """Issue 17: "stuck" dossiers stayed pending for up to a year, for ever once `now` was fixed."""
    generate(everyone(tree), per_unit_month=100, seed=3)

    open_for = datetime.timedelta(days=MAX_OPEN_DAYS)
    pending = Dossier.objects.filter(status=DossierStatus.PENDING)
    assert pending.exists() and not pending.filter(received_at__lt=NOW - open_for).exists()
    ended = Dossier.objects.exclude(status=DossierStatus.PENDING)
    assert all(
        completed - received <= open_for for received, completed in ended.values_list("received_at", "completed_at")
    )
    # Mostly on time, some a few days late, a few weeks late.
    late_by = [
        effective - due
        for effective, due in ended.filter(status=DossierStatus.COMPLETED).values_list(
            "effective_completed_at", "due_at"
        )
    ]
    on_time = sum(delay <= datetime.timedelta(0) for delay in late_by)
    weeks_late = sum(delay > datetime.timedelta(days=LONG_LATE_DAYS[0]) for delay in late_by)
    assert on_time > 0.8 * len(late_by) and 0 < weeks_late < 0.02 * len(late_by)


def test_a_unit_that_closes_receives_nothing_after_and_ends_every_dossier_by_its_last_day(tree):
    closing = datetime.date(2024, 6, 14)
    Unit.objects.filter(pk=tree.district_b.pk).update(valid_to=closing)
    tree.district_b.refresh_from_db()
    generate([tree.district_b], months=measures.months_between(202401, 202406), per_unit_month=100, seed=4)

    last_minute = datetime.datetime(2024, 6, 14, 23, 59, tzinfo=VN)
    dossiers = Dossier.objects.filter(unit=tree.district_b)
    assert dossiers.filter(received_month=202406).exists()
    assert not dossiers.filter(received_at__gt=last_minute).exists()
    assert not dossiers.filter(completed_at__gt=last_minute).exists()
    assert not dossiers.filter(status=DossierStatus.PENDING).exists()
    # What was still open on the last day ended then, late or not.
    assert dossiers.filter(completed_at=last_minute).count() > 10
    assert all(
        days <= Decimal(dossier_days + 1)
        for days, dossier_days in ((d.supplement_days, (d.completed_at - d.received_at).days) for d in dossiers)
    )


def test_a_month_that_is_still_running_has_nothing_received_after_now(tree):
    now = datetime.datetime(2024, 6, 12, 10, 0, tzinfo=VN)
    dossiers_generate(units=everyone(tree), months=[202406], per_unit_month=50, seed=1, now=now)

    assert Dossier.objects.count() == 150
    assert not Dossier.objects.filter(received_at__gte=now).exists()
    assert not Dossier.objects.filter(completed_at__gt=now).exists()
    assert Dossier.objects.filter(status=DossierStatus.PENDING).count() > 10


def test_the_dossiers_are_consistent_as_an_import_would_require(tree):
    generate(everyone(tree), per_unit_month=30)

    procedures = {p.code: p for p in PROCEDURES.values()}
    for dossier in Dossier.objects.all():
        local = dossier.received_at.astimezone(VN)
        if local.day < 31:  # the month's working days; the fallback only serves a month just begun
            assert local.weekday() < 5 and datetime.time(7, 30) <= local.time() < datetime.time(17, 0)
        procedure = procedures[dossier.procedure_code]
        assert dossier.procedure_name == procedure.name
        due = dossier.due_at.astimezone(VN)
        assert due.time() == local.time() and due.weekday() < 5
        days = (due.date() - local.date()).days
        working = sum((local.date() + datetime.timedelta(days=n)).weekday() < 5 for n in range(1, days + 1))
        assert working == procedure.working_days
        if dossier.completed_at is not None:
            assert dossier.completed_at >= dossier.received_at
            assert dossier.supplement_days <= Decimal((dossier.completed_at - dossier.received_at).days + 1)
        assert not dossier.fully_online or dossier.channel == "online"
        assert not dossier.paid_online or dossier.fee_required
        assert (dossier.supplement_days > 0) <= (dossier.supplement_requests > 0)
        assert dossier.supplement_requests in (0, 1, 2)
        assert not dossier.result_entered or dossier.status == DossierStatus.COMPLETED


def test_the_derived_columns_are_set(tree):
    generate(everyone(tree), per_unit_month=5)

    for dossier in Dossier.objects.all():
        stored = (dossier.received_month, dossier.completed_month, dossier.effective_completed_at)
        dossier_derive(dossier)
        assert stored == (dossier.received_month, dossier.completed_month, dossier.effective_completed_at)
        assert dossier.received_month in YEAR_2024


def test_every_dossier_is_recorded_as_added_and_counted_in_every_unit_month_it_counts_in(tree):
    generate(everyone(tree), per_unit_month=20)
    assert DossierAdded.objects.count() == Dossier.objects.count()
    assert not DossierMonthDirty.objects.exists()
    assert Job.objects.filter(kind=STATS_INCREMENTAL, status=JobStatus.PENDING).count() == 1
    dossier_stats_incremental()

    expected = set()
    for unit_id, received, completed in Dossier.objects.values_list("unit_id", "received_month", "completed_month"):
        expected.update(
            (unit_id, month) for month in touched_months(received_month=received, completed_month=completed)
        )
    assert set(DossierMonth.objects.filter(scope=Scope.OWN).values_list("unit_id", "month")) == expected
    assert {(unit.pk, month) for unit in everyone(tree) for month in YEAR_2024} <= expected
    # Pending dossiers are stock up to the current month, which is past NOW.
    assert max(month for _, month in expected) == measures.month_of(datetime.datetime.now(tz=VN))


def test_the_rates_look_like_the_article_says(tree):
    # Several units of each kind, a year of 100 dossiers a month each.
    units = list(everyone(tree))
    for n in range(2, 5):
        units.append(Unit.objects.create(code=f"A{n}", name=f"Sở A{n}", kind=UnitKind.DEPARTMENT, parent=tree.province))
        district = Unit.objects.create(code=f"B{n}00", name=f"Huyện B{n}", kind=UnitKind.DISTRICT, parent=tree.province)
        units.append(district)
        units.append(Unit.objects.create(code=f"B{n}01", name=f"Xã B{n}", kind=UnitKind.COMMUNE, parent=district))
    generate(units, per_unit_month=100, seed=11)

    def share(kind, numerator, denominator=None):
        of_kind = Dossier.objects.filter(unit__kind=kind)
        base = of_kind.filter(**(denominator or {}))
        return base.filter(**numerator).count() / base.count()

    completed = {"status": DossierStatus.COMPLETED}
    late = {}
    for kind in (UnitKind.DEPARTMENT, UnitKind.DISTRICT, UnitKind.COMMUNE):
        done = Dossier.objects.filter(unit__kind=kind, status=DossierStatus.COMPLETED)
        late[kind] = (
            sum(
                measures.completed_late(effective_completed_at=e, due_at=d, supplement_requests=s)
                for e, d, s in done.values_list("effective_completed_at", "due_at", "supplement_requests")
            )
            / done.count()
        )
    # Overdue at district and commune level, not so much in departments.
    assert late[UnitKind.DEPARTMENT] < late[UnitKind.COMMUNE] and late[UnitKind.DEPARTMENT] < late[UnitKind.DISTRICT]
    assert 0.02 < late[UnitKind.DEPARTMENT] < 0.12 and 0.06 < late[UnitKind.DISTRICT] < 0.35
    # District one-stop desks often do not enter the result.
    not_entered = {kind: share(kind, {"result_entered": False}, completed) for kind in late}
    assert not_entered[UnitKind.DISTRICT] > 0.04 > not_entered[UnitKind.DEPARTMENT]
    assert not_entered[UnitKind.DISTRICT] > not_entered[UnitKind.COMMUNE]

    everything = Dossier.objects.all()
    online = everything.filter(channel="online")
    assert 0.25 < everything.filter(fee_required=True).count() / everything.count() < 0.55
    assert 0.01 < everything.filter(channel="postal").count() / everything.count() < 0.07
    assert online.filter(fully_online=True).count() / online.count() < 0.45  # low
    with_fee = everything.filter(fee_required=True)
    assert 0 < with_fee.filter(paid_online=True).count() / with_fee.count() < 0.1  # very low
    supplements = Counter(everything.values_list("supplement_requests", flat=True))
    assert supplements[0] > 0.8 * everything.count() and supplements[1] > supplements[2] > 0
    returned = everything.filter(status__in=[DossierStatus.RETURNED, DossierStatus.WITHDRAWN]).count()
    assert 0 < returned < 0.05 * everything.count()
    # The online share rises over the year.
    first_half = everything.filter(received_month__lte=202406)
    second_half = everything.filter(received_month__gt=202406)
    assert (
        second_half.filter(channel="online").count() / second_half.count()
        > first_half.filter(channel="online").count() / first_half.count() + 0.03
    )


def test_existing_dossiers_are_refused_and_nothing_is_written(tree):
    generate([tree.district_b], months=[202403], per_unit_month=5)
    before = rows()
    added_before = set(DossierAdded.objects.values_list("dossier_id", flat=True))

    with pytest.raises(ValueError, match="already exist .*B-202403-1"):
        generate([tree.dept_a, tree.district_b], months=[202402, 202403], per_unit_month=5)

    assert rows() == before
    assert set(DossierAdded.objects.values_list("dossier_id", flat=True)) == added_before
    # Another source is another set of ids.
    assert generate([tree.district_b], months=[202403], per_unit_month=5, source="bench") == 5


def test_an_id_stored_some_other_way_is_refused_too_and_nothing_is_written(tree):
    # The same id, stored for another unit and month (by an import, say): the unique constraint catches it.
    generate([tree.dept_a], months=[202401], per_unit_month=1)
    Dossier.objects.update(external_id="B-202403-2")

    with pytest.raises(ValueError, match="could not be written"):
        generate([tree.commune_b1, tree.district_b], months=[202403], per_unit_month=5)

    assert list(Dossier.objects.values_list("external_id", flat=True)) == ["B-202403-2"]


def test_months_after_now_and_non_months_are_refused(tree):
    with pytest.raises(ValueError, match="after now"):
        generate([tree.dept_a], months=[202412, 202501])
    with pytest.raises(ValueError, match="not a month"):
        generate([tree.dept_a], months=[202413])
    assert not Dossier.objects.exists()


# --- generate_dossiers ------------------------------------------------------------------------------


def command(*args):
    out = StringIO()
    call_command("generate_dossiers", *args, stdout=out)
    return out.getvalue()


def test_the_command_generates_for_the_units_named(tree):
    out = command(
        "--units",
        "B,B1",
        "--months",
        "202401-202406",
        "--per-unit-month",
        "7",
        "--seed",
        "5",
        "--now",
        "2024-12-31T23:59",
    )

    assert "Created 84 dossiers (source synthetic, seed 5): 2 units, 12 unit-months from 202401 to 202406" in out
    assert Counter(Dossier.objects.values_list("unit__code", flat=True)) == {"B": 42, "B1": 42}
    assert DossierAdded.objects.filter(dossier__unit=tree.commune_b1).count() == 42


def test_the_command_gives_what_the_service_gives(tree):
    command("--units", "B", "--months", "202405", "--per-unit-month", "9", "--seed", "5", "--now", "2024-12-31T23:59")
    from_command = rows()
    Dossier.objects.all().delete()

    generate([tree.district_b], months=[202405], per_unit_month=9, seed=5)

    assert rows() == from_command


def test_the_command_takes_the_units_of_a_kind_under_a_parent_that_existed_then(tree):
    Unit.objects.create(
        code="B2", name="Xã B2", kind=UnitKind.COMMUNE, parent=tree.district_b, valid_to=datetime.date(2024, 2, 10)
    )
    Unit.objects.create(
        code="B3", name="Xã B3", kind=UnitKind.COMMUNE, parent=tree.district_b, valid_from=datetime.date(2025, 1, 1)
    )
    other = Unit.objects.create(code="C", name="Huyện C", kind=UnitKind.DISTRICT, parent=tree.province)
    Unit.objects.create(code="C1", name="Xã C1", kind=UnitKind.COMMUNE, parent=other)

    out = command(
        "--kind",
        "commune",
        "--parent",
        "B",
        "--months",
        "202401-202403",
        "--per-unit-month",
        "2",
        "--seed",
        "1",
        "--now",
        "2024-12-31T23:59",
    )

    # B1 in three months, B2 only in January and February (it ended on 10 February), B3 not yet.
    assert Counter(Dossier.objects.values_list("unit__code", "received_month")) == {
        ("B1", 202401): 2,
        ("B1", 202402): 2,
        ("B1", 202403): 2,
        ("B2", 202401): 2,
        ("B2", 202402): 2,
    }
    assert "Created 10 dossiers" in out and "Only in the months they existed: B2." in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--units", "B", "--months", "2024-01"], "yyyymm or yyyymm-yyyymm"),
        (["--units", "B", "--months", "202413"], "202413 is not a month"),
        (["--units", "B", "--months", "202406-202401"], "ends before it starts"),
        (["--units", "B", "--months", "202412-202501"], "after the current month 202412"),
        (["--units", "B,NOPE,ZZ", "--months", "202401"], "unknown unit(s): NOPE, ZZ"),
        (["--kind", "commune", "--parent", "NOPE", "--months", "202401"], "unknown unit: NOPE"),
        (["--kind", "ministry", "--months", "202401"], "no unit of kind ministry existed from 202401 to 202401"),
        (["--units", "B", "--parent", "P", "--months", "202401"], "--parent goes with --kind"),
        (["--units", "B", "--months", "202401", "--source", "a b"], "--source"),
        (["--units", "B", "--months", "202401", "--now", "yesterday"], "not an ISO date-time"),
    ],
)
def test_the_command_explains_what_is_wrong_and_writes_nothing(tree, args, message):
    with pytest.raises(CommandError) as error:
        command(*args, "--per-unit-month", "3", "--seed", "1", *([] if "--now" in args else ["--now", "2024-12-31"]))
    assert message in str(error.value)
    assert not Dossier.objects.exists()


def test_the_command_refuses_units_that_did_not_exist_in_those_months(tree):
    Unit.objects.filter(code="B1").update(valid_to=datetime.date(2023, 12, 31))
    with pytest.raises(CommandError, match="B1 did not exist from 202401 to 202403"):
        command("--units", "B,B1", "--months", "202401-202403", "--per-unit-month", "3", "--seed", "1")
    assert not Dossier.objects.exists()


def test_the_command_refuses_to_generate_the_same_dossiers_twice(tree):
    args = ("--units", "A,B", "--months", "202401-202402", "--per-unit-month", "3", "--seed", "1")
    command(*args)
    before = rows()

    with pytest.raises(CommandError, match="already exist"):
        command(*args[:3], "202402-202403", *args[4:])

    assert rows() == before
