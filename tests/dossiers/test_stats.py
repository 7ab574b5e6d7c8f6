"""Monthly dossier statistics: the SQL counts against a hand-computed example and against the
rules of dossiers/measures.py on random dossiers; incremental and full give the same table; the
read-side selectors (period_stats, dossier_ranking); and recompute requests for dossier indices."""

import datetime
import itertools
import random
import threading
import time
from collections import defaultdict
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections, transaction
from django.db.models import F, Q

from demo.synthetic_dossiers import dossiers_generate
from dossiers import measures, stats
from dossiers.importers.dossiers import dossiers_write
from dossiers.measures import COUNTS, DossierMeasure
from dossiers.models import Dossier, DossierAdded, DossierMonth, DossierMonthDirty, Scope
from dossiers.selectors import (
    dossier_ranking,
    months_of_quarter,
    months_of_year,
    period_stats,
)
from dossiers.services import (
    STATS_INCREMENTAL,
    dossier_derive,
    dossier_months_mark_dirty,
    touched_months,
)
from dossiers.stats import dossier_stats_full, dossier_stats_incremental
from indicators.models import Aggregation, Direction, Index, Methodology
from indicators.services import RECOMPUTE
from jobs.models import Job, JobStatus
from jobs.services import job_run
from tests.conftest import build_tree
from units.models import Unit, UnitKind

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(*args):
    return datetime.datetime(*args, tzinfo=VN)


# The statistics are computed "now" = 15 July 2024, noon: July is the current month.
NOW = vn(2024, 7, 15, 12, 0)
_serial = itertools.count()


def dossier(unit, received_at, due_at, *, completed_at=None, status=None, supplement_days=0, **fields):
    """An unsaved dossier with its derived columns set, as an import would write it."""
    fields.setdefault("channel", "in_person")
    return dossier_derive(
        Dossier(
            source="test",
            external_id=str(next(_serial)),
            unit=unit,
            received_at=received_at,
            due_at=due_at,
            completed_at=completed_at,
            status=status or ("completed" if completed_at else "pending"),
            supplement_days=D(supplement_days),
            **fields,
        )
    )


def mark_dirty(dossiers, *, now=NOW):
    dossier_months_mark_dirty(
        pairs={
            (d.unit_id, month)
            for d in dossiers
            for month in touched_months(
                received_month=d.received_month, completed_month=d.completed_month, now_month=measures.month_of(now)
            )
        }
    )


def save(*dossiers, now=NOW):
    Dossier.objects.bulk_create(dossiers)
    mark_dirty(dossiers, now=now)


def table(*, by_code=False):
    """{(unit, month, scope): {count: value} without zeros}: the whole DossierMonth table."""
    rows = DossierMonth.objects.select_related("unit").values("unit_id", "unit__code", "month", "scope", *COUNTS)
    return {
        (row["unit__code"] if by_code else row["unit_id"], row["month"], row["scope"]): {
            name: row[name] for name in COUNTS if row[name]
        }
        for row in rows
    }


# The hand-computed example: dossiers of department A, district B and commune B1 in May–July 2024.


@pytest.fixture
def example(tree):
    a, b, b1 = tree.dept_a, tree.district_b, tree.commune_b1
    save(
        # a1: completed exactly at its due date: on time; online, fully online, fee paid online, result entered.
        dossier(
            a,
            vn(2024, 5, 2, 8),
            vn(2024, 5, 10, 17),
            completed_at=vn(2024, 5, 10, 17),
            channel="online",
            fully_online=True,
            fee_required=True,
            paid_online=True,
            result_entered=True,
        ),
        # a2: pending at the end of May, past its due date (31 May, 17:00) but not past it plus the 4
        # days waiting for the citizen: on time then; completed 3 June, which the 4 days bring to
        # 30 May, before its due date: completed on time in June.
        dossier(
            a,
            vn(2024, 5, 20, 9),
            vn(2024, 5, 31, 17),
            completed_at=vn(2024, 6, 3, 10),
            supplement_days=4,
            supplement_requests=1,
            fee_required=True,
        ),
        # a3: pending on time at the end of May; completed one second late in June, result entered.
        dossier(
            a,
            vn(2024, 5, 25, 9),
            vn(2024, 6, 5, 17),
            completed_at=vn(2024, 6, 5, 17, 0, 1),
            channel="online",
            result_entered=True,
        ),
        # a4: still pending, due 20 June: overdue at the end of June and now.
        dossier(a, vn(2024, 6, 10, 9), vn(2024, 6, 20, 17), channel="online"),
        # a5: still pending, due 20 July: on time at the end of June, and on time now (15 July),
        # though it will be overdue at the end of July.
        dossier(a, vn(2024, 6, 28, 9), vn(2024, 7, 20, 17)),
        # a6: withdrawn (processing stopped) on 25 June, after its due date: ended late in June.
        dossier(a, vn(2024, 6, 12, 9), vn(2024, 6, 22, 17), completed_at=vn(2024, 6, 25, 9), status="withdrawn"),
        # b1: completed before its due date, but after two supplement requests: late.
        dossier(b1, vn(2024, 5, 6, 9), vn(2024, 5, 15, 17), completed_at=vn(2024, 5, 14, 9), supplement_requests=2),
        # b2: received at 00:30 on 1 July, Vietnam time (still 30 June in UTC): a July dossier; overdue now.
        dossier(b1, vn(2024, 7, 1, 0, 30), vn(2024, 7, 10, 17)),
        # b3: returned to the citizen the next day: ended on time in June.
        dossier(b1, vn(2024, 6, 3, 9), vn(2024, 6, 30, 17), completed_at=vn(2024, 6, 4, 9), status="returned"),
        # d1 (the district's own): overdue at the end of June, completed late on 2 July.
        dossier(b, vn(2024, 6, 15, 9), vn(2024, 6, 25, 17), completed_at=vn(2024, 7, 2, 9), supplement_requests=1),
    )
    return tree


OWN = {
    ("A", 202405, "own"): dict(
        received=3,
        received_online=2,
        received_fully_online=1,
        received_with_fee=2,
        paid_online=1,
        completed_on_time=1,
        completed_result_entered=1,
        pending_on_time=2,
    ),
    ("A", 202406, "own"): dict(
        received=3,
        received_online=1,
        completed_on_time=1,
        completed_late=1,
        completed_result_entered=1,
        returned_late=1,
        pending_on_time=1,
        pending_overdue=1,
    ),
    ("A", 202407, "own"): dict(pending_on_time=1, pending_overdue=1),
    ("B1", 202405, "own"): dict(received=1, completed_late=1),
    ("B1", 202406, "own"): dict(received=1, returned_on_time=1),
    ("B1", 202407, "own"): dict(received=1, pending_overdue=1),
    ("B", 202406, "own"): dict(received=1, pending_overdue=1),
    ("B", 202407, "own"): dict(completed_late=1),
}


def _summed(*rows):
    total = defaultdict(int)
    for row in rows:
        for name, value in row.items():
            total[name] += value
    return dict(total)


def _expected_totals():
    own = {(code, month): counts for (code, month, _), counts in OWN.items()}
    expected = {}
    for month in (202405, 202406, 202407):
        a, b, b1 = (own.get((code, month), {}) for code in ("A", "B", "B1"))
        expected[("A", month, "total")] = a
        expected[("B1", month, "total")] = b1
        expected[("B", month, "total")] = _summed(b, b1)
        expected[("P", month, "total")] = expected[("VN", month, "total")] = _summed(a, b, b1)
    return {key: counts for key, counts in expected.items() if counts}


def test_the_example_gives_the_hand_computed_rows(example):
    changed = dossier_stats_incremental(now=NOW)
    assert table(by_code=True) == {**OWN, **_expected_totals()}
    assert changed == len(OWN) + len(_expected_totals())
    assert not DossierMonthDirty.objects.exists()


def test_the_district_total_includes_its_commune(example):
    dossier_stats_incremental(now=NOW)
    got = table(by_code=True)
    assert ("B", 202405, "own") not in got  # the district itself had nothing in May…
    assert got[("B", 202405, "total")] == {"received": 1, "completed_late": 1}  # …its commune had
    assert got[("B", 202406, "total")] == {"received": 2, "returned_on_time": 1, "pending_overdue": 1}
    assert got[("B", 202407, "total")] == {"received": 1, "completed_late": 1, "pending_overdue": 1}
    assert got[("P", 202405, "total")]["received"] == 4


def test_the_full_recompute_gives_the_same_rows_and_changes_nothing(example):
    dossier_stats_incremental(now=NOW)
    before = table()
    assert dossier_stats_full(now=NOW) == 0
    assert table() == before
    assert dossier_stats_incremental(now=NOW) == 0


def test_the_full_recompute_alone_gives_the_hand_computed_rows(example):
    DossierMonthDirty.objects.all().delete()
    dossier_stats_full(now=NOW)
    assert table(by_code=True) == {**OWN, **_expected_totals()}


def test_the_current_month_judges_pending_dossiers_now(example):
    dossier_stats_full(now=NOW)
    assert table(by_code=True)[("A", 202407, "own")] == {"pending_on_time": 1, "pending_overdue": 1}
    # Ten days later a5 is past its due date (20 July): overdue now, though July has not ended.
    dossier_stats_full(now=vn(2024, 7, 25, 12))
    got = table(by_code=True)
    assert got[("A", 202407, "own")] == {"pending_overdue": 2}
    assert got[("A", 202406, "own")] == OWN[("A", 202406, "own")]  # a past month is judged at its end


def test_a_changed_dossier_moves_its_counts_and_leaves_no_empty_row(example):
    dossier_stats_incremental(now=NOW)
    d1 = Dossier.objects.get(unit=example.district_b)
    old = Dossier(unit_id=d1.unit_id, received_month=d1.received_month, completed_month=d1.completed_month)
    d1.unit = example.dept_a
    d1.save()
    mark_dirty([old, d1])
    dossier_stats_incremental(now=NOW)
    got = table(by_code=True)
    assert not any(code == "B" and scope == "own" for code, _, scope in got)
    assert got[("B", 202406, "total")] == {"received": 1, "returned_on_time": 1}  # only B1's returned dossier is left
    assert got[("A", 202407, "own")] == {"completed_late": 1, "pending_on_time": 1, "pending_overdue": 1}
    assert dossier_stats_full(now=NOW) == 0


def test_a_mark_for_a_month_not_yet_begun_waits_for_it(example):
    DossierMonthDirty.objects.create(unit=example.dept_a, month=202408)
    dossier_stats_incremental(now=NOW)
    assert list(DossierMonthDirty.objects.values_list("month", flat=True)) == [202408]
    assert not DossierMonth.objects.filter(month__gt=202407).exists()


def test_with_no_dossiers_the_full_recompute_empties_the_table(example):
    dossier_stats_incremental(now=NOW)
    Dossier.objects.all().delete()
    assert dossier_stats_full(now=NOW) == len(OWN) + len(_expected_totals())
    assert not DossierMonth.objects.exists()


def test_the_job_kind_runs_the_incremental_statistics(tree):
    save(dossier(tree.dept_a, vn(2024, 5, 2, 8), vn(2024, 5, 10, 17), completed_at=vn(2024, 5, 9, 17)))
    job = Job.objects.get(kind=STATS_INCREMENTAL, status=JobStatus.PENDING)
    job = job_run(job_id=job.pk)
    assert (job.status, job.rows_changed) == (JobStatus.DONE, 4)  # A own, A, P and VN total
    assert DossierMonth.objects.get(unit=tree.dept_a, month=202405, scope=Scope.OWN).completed_on_time == 1


# Random dossiers: SQL against the rules of dossiers/measures.py, and incremental against full.


def _random_moment(rng, first, last):
    return first + datetime.timedelta(seconds=rng.randrange(max(1, int((last - first).total_seconds()))))


def _edge_or(rng, moment):
    """Sometimes the start of the moment's month exactly, the edge the rules are careful about."""
    return measures.month_bounds(measures.month_of(moment))[0] if rng.random() < 0.1 else moment


def random_dossier(rng, units):
    received = _edge_or(rng, _random_moment(rng, vn(2023, 11, 1), NOW))
    due = received + datetime.timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 23))
    if rng.random() < 0.1:
        due = measures.month_bounds(measures.month_of(due))[1]  # due exactly at a month's end
    completed = None
    if rng.random() < 0.65:
        completed = received + datetime.timedelta(days=rng.randint(0, 40), seconds=rng.randrange(86400))
        if rng.random() < 0.1:
            completed = due
        completed = max(_edge_or(rng, completed), received)
        if completed > NOW:
            completed = None
    if completed:
        status = rng.choices(["completed", "returned", "withdrawn", "pending"], weights=[85, 6, 5, 4])[0]
    else:
        status = rng.choices(["pending", "returned", "withdrawn", "completed"], weights=[85, 6, 6, 3])[0]
    requests = rng.choices([0, 1, 2, 3], weights=[70, 20, 7, 3])[0]
    channel = rng.choice(["online", "in_person", "postal"])
    fee = rng.random() < 0.4
    return dossier(
        rng.choice(units),
        received,
        due,
        completed_at=completed,
        status=status,
        supplement_requests=requests,
        supplement_days=D(rng.randint(0, 300)).scaleb(-2) if requests else 0,
        channel=channel,
        fully_online=channel == "online" and rng.random() < 0.5,
        fee_required=fee,
        paid_online=fee and rng.random() < 0.5,
        result_entered=rng.random() < 0.7,
    )


def random_change(rng, d, units):
    """Change one thing about a dossier, the way a later export from the one-stop system would."""
    change = rng.choice(["complete", "reopen", "unit", "due", "received", "supplement", "status"])
    if change == "complete" and d.completed_at is None:
        d.completed_at = _random_moment(rng, d.received_at, NOW)
        d.status = "completed"
    elif change == "reopen":
        d.completed_at, d.status = None, "pending"
    elif change == "unit":
        d.unit = rng.choice(units)
    elif change == "due":
        d.due_at = d.received_at + datetime.timedelta(days=rng.randint(0, 30))
    elif change == "received":
        d.received_at = _random_moment(rng, vn(2023, 11, 1), d.completed_at or NOW)
    elif change == "supplement":
        d.supplement_requests = rng.randint(0, 3)
        d.supplement_days = D(rng.randint(0, 500)).scaleb(-2)
    else:
        d.status = rng.choice(["pending", "completed", "returned", "withdrawn"])
    return dossier_derive(d)


def rules_table(units, now):
    """The table as dossiers/measures.py defines it, computed in Python, one dossier at a time."""
    dossiers = list(Dossier.objects.all())
    own = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    first = min(d.received_month for d in dossiers)
    for month in measures.months_between(first, measures.month_of(now)):
        _, end = measures.month_bounds(month)
        at = min(end, now)
        for d in dossiers:
            counts = {name: 0 for name in COUNTS}
            if d.received_month == month:
                counts["received"] = 1
                counts["received_online"] = d.channel == "online"
                counts["received_fully_online"] = d.fully_online
                counts["received_with_fee"] = d.fee_required
                counts["paid_online"] = d.fee_required and d.paid_online
            if d.completed_month == month:  # ended: completed, or else returned or stopped
                late = measures.completed_late(
                    effective_completed_at=d.effective_completed_at,
                    due_at=d.due_at,
                    supplement_requests=d.supplement_requests,
                )
                kind = "completed" if d.status == "completed" else "returned"
                counts[f"{kind}_late" if late else f"{kind}_on_time"] = 1
                counts["completed_result_entered"] = d.status == "completed" and d.result_entered
            if measures.is_pending_at(received_at=d.received_at, completed_at=d.completed_at, at=end):
                overdue = measures.pending_overdue(
                    effective_due_at=d.effective_due_at, at=at, supplement_requests=d.supplement_requests
                )
                counts["pending_overdue" if overdue else "pending_on_time"] = 1
            if any(counts.values()):
                row = own[(d.unit_id, month)]
                for name, value in counts.items():
                    row[name] += int(value)
    parent = dict(Unit.objects.values_list("id", "parent_id"))
    total = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for (unit_id, month), counts in own.items():
        while unit_id is not None:
            for name, value in counts.items():
                total[(unit_id, month)][name] += value
            unit_id = parent[unit_id]
    result = {}
    for scope, rows in ((Scope.OWN, own), (Scope.TOTAL, total)):
        for (unit_id, month), counts in rows.items():
            result[(unit_id, month, scope.value)] = {name: value for name, value in counts.items() if value}
    return result


@pytest.mark.parametrize("rows_per_insert", [5000, 2])
def test_incremental_equals_full_and_the_rules_after_random_inserts_updates_and_deletes(
    tree, monkeypatch, rows_per_insert
):
    monkeypatch.setattr(stats, "ROWS_PER_INSERT", rows_per_insert)  # 2: dirty marks and months in many statements
    rng = random.Random(20240715)
    units = [tree.nation, tree.province, tree.dept_a, tree.district_b, tree.commune_b1]
    save(*[random_dossier(rng, units) for _ in range(300)])
    dossier_stats_incremental(now=NOW)
    assert table() == rules_table(units, NOW)

    changed = []
    for d in rng.sample(list(Dossier.objects.all()), 120):
        old = Dossier(unit_id=d.unit_id, received_month=d.received_month, completed_month=d.completed_month)
        changed.append((old, random_change(rng, d, units)))
    Dossier.objects.bulk_update(
        [new for _, new in changed],
        [
            "unit",
            "received_at",
            "due_at",
            "completed_at",
            "status",
            "supplement_requests",
            "supplement_days",
            "received_month",
            "completed_month",
            "effective_completed_at",
            "effective_due_at",
        ],
    )
    mark_dirty([dossier for pair in changed for dossier in pair])
    gone = rng.sample(list(Dossier.objects.all()), 20)
    Dossier.objects.filter(pk__in=[d.pk for d in gone]).delete()
    mark_dirty(gone)
    save(*[random_dossier(rng, units) for _ in range(40)])

    assert dossier_stats_incremental(now=NOW) > 0
    incremental = table()
    assert incremental == rules_table(units, NOW)
    assert dossier_stats_full(now=NOW) == 0
    assert table() == incremental
    assert dossier_stats_incremental(now=NOW) == 0


# Added dossiers: what an import creates is recorded as added, and the job adds what it counts to
# the stored rows instead of recounting their unit-months; what it changes is recounted.


def import_(*dossiers, now=NOW):
    """Write dossiers as an import or the push API does (dossiers_write: the staging table)."""
    return dossiers_write(dossiers=list(dossiers), now=now)


@pytest.mark.parametrize("rows_per_insert", [5000, 2])
def test_added_dossiers_are_added_to_the_stored_counts_as_a_full_recompute_counts_them(
    tree, monkeypatch, rows_per_insert
):
    monkeypatch.setattr(stats, "ROWS_PER_INSERT", rows_per_insert)
    rng = random.Random(20241203)
    units = [tree.nation, tree.province, tree.dept_a, tree.district_b, tree.commune_b1]
    import_(*[random_dossier(rng, units) for _ in range(300)])
    dossier_stats_incremental(now=NOW)
    assert table() == rules_table(units, NOW)

    # The new day, 15 July up to noon, brings new dossiers only.
    a, b, b1 = tree.dept_a, tree.district_b, tree.commune_b1
    day = [
        # Received in May, completed today: received in May, stock at the end of June, completed in July.
        dossier(a, vn(2024, 5, 20, 9), vn(2024, 6, 5, 17), completed_at=vn(2024, 7, 15, 9)),
        # Received in April, still pending and overdue: stock at the end of April, May, June and now.
        dossier(b1, vn(2024, 4, 28, 9), vn(2024, 5, 3, 17)),
        # Received today, pending, due tomorrow: on time now.
        dossier(b, vn(2024, 7, 15, 8), vn(2024, 7, 16, 17)),
        # Received and returned today, late through two supplement requests.
        dossier(
            a,
            vn(2024, 7, 15, 8),
            vn(2024, 7, 20, 17),
            completed_at=vn(2024, 7, 15, 10),
            status="returned",
            supplement_requests=2,
        ),
        *[random_dossier(rng, units) for _ in range(40)],
    ]
    assert import_(*day)["created"] == len(day)
    assert not DossierMonthDirty.objects.exists()  # nothing to recount
    assert DossierAdded.objects.count() == len(day)
    assert dossier_stats_incremental(now=NOW) > 0
    assert not DossierAdded.objects.exists()
    assert table() == rules_table(units, NOW)

    # New dossiers and changed ones at once, in the same unit-months: some recounted, the rest added.
    changes = [random_change(rng, d, units) for d in rng.sample(list(Dossier.objects.all()), 30)]
    assert import_(*changes, *[random_dossier(rng, units) for _ in range(30)])["created"] == 30
    assert DossierMonthDirty.objects.exists()
    dossier_stats_incremental(now=NOW)
    after = table()
    assert after == rules_table(units, NOW)
    assert dossier_stats_full(now=NOW) == 0
    assert table() == after
    assert dossier_stats_incremental(now=NOW) == 0


def test_the_job_adds_to_the_stored_flows_and_recounts_the_current_months_stock(example):
    dossier_stats_full(now=NOW)
    a = example.dept_a
    # Stored counts the job must not read again (May's flows) or must (July's stock, judged now).
    DossierMonth.objects.filter(unit=a, month=202405, scope=Scope.OWN).update(received=F("received") + 5)
    DossierMonth.objects.filter(unit=a, month=202407, scope=Scope.OWN).update(pending_on_time=9, pending_overdue=9)
    # Received in May, pending at the end of May and June, completed today on time.
    import_(dossier(a, vn(2024, 5, 20, 9), vn(2024, 7, 20, 17), completed_at=vn(2024, 7, 15, 9)))
    assert not DossierMonthDirty.objects.exists()
    dossier_stats_incremental(now=NOW)
    got = table(by_code=True)
    assert got[("A", 202405, "own")] == _summed(
        OWN[("A", 202405, "own")], {"received": 6, "pending_on_time": 1}
    )  # added
    assert got[("A", 202406, "own")] == _summed(OWN[("A", 202406, "own")], {"pending_on_time": 1})
    assert got[("A", 202407, "own")] == _summed(OWN[("A", 202407, "own")], {"completed_on_time": 1})  # recounted
    assert got[("P", 202405, "total")]["received"] == 4 + 6  # the totals follow the own rows
    dossier_stats_full(now=NOW)
    expected = _summed(OWN[("A", 202405, "own")], {"received": 1, "pending_on_time": 1})
    assert table(by_code=True)[("A", 202405, "own")] == expected


def test_an_added_dossier_of_a_month_not_yet_begun_waits_for_it_as_a_mark(example):
    dossier_stats_full(now=NOW)
    before = table()
    import_(dossier(example.dept_a, vn(2024, 8, 1, 8), vn(2024, 8, 5, 17)), now=vn(2024, 8, 1, 9))
    assert dossier_stats_incremental(now=NOW) == 0
    assert table() == before
    assert list(DossierMonthDirty.objects.values_list("unit_id", "month")) == [(example.dept_a.pk, 202408)]
    assert not DossierAdded.objects.exists()
    dossier_stats_incremental(now=vn(2024, 8, 1, 10))
    august = table(by_code=True)[("A", 202408, "own")]
    assert august["received"] == 1
    dossier_stats_full(now=vn(2024, 8, 1, 10))
    assert table(by_code=True)[("A", 202408, "own")] == august


def test_the_full_job_leaves_no_dossier_to_be_added_again(example):
    import_(dossier(example.dept_a, vn(2024, 7, 1, 8), vn(2024, 7, 5, 17), completed_at=vn(2024, 7, 2, 8)))
    dossier_stats_full(now=NOW)
    assert not DossierAdded.objects.exists()
    assert dossier_stats_incremental(now=NOW) == 0


@pytest.mark.needs_postgres
def test_a_job_waits_for_an_import_of_new_dossiers_in_flight_and_counts_them_once(transactional_db):
    # Were the job to run beside the import, it could count the new dossier from the table and
    # leave its queue entry, committed just after, to be added again by the next run.
    tree = build_tree()
    import_(dossier(tree.dept_a, vn(2024, 7, 1, 8), vn(2024, 7, 5, 17), completed_at=vn(2024, 7, 2, 8)))
    outcome = []

    def job():
        try:
            outcome.append(dossier_stats_incremental(now=NOW))
        finally:
            connections.close_all()

    thread = threading.Thread(target=job)
    with transaction.atomic():
        import_(dossier(tree.commune_b1, vn(2024, 6, 3, 8), vn(2024, 6, 10, 17), completed_at=vn(2024, 7, 4, 8)))
        thread.start()
        time.sleep(1)
        assert not outcome  # the job waits for the import's commit (dossier_stats_lock)
    thread.join(timeout=30)
    assert outcome and outcome[0] > 0
    assert not DossierAdded.objects.exists()
    assert dossier_stats_incremental(now=NOW) == 0
    assert table() == rules_table([], NOW)
    assert dossier_stats_full(now=NOW) == 0


def per_month_table(now):
    """The table as the statistics job computed it before issue 22: one GROUP BY unit statement per
    month from the first month a dossier was received to `now`'s, with the month as parameters
    (the rules' SQL of dossiers.measures), and the totals summed up the tree in Python."""
    m = measures.MONTH_PARAMETERS
    counts = ", ".join(f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)" for condition in measures.count_sql(m).values())
    sql = f"""
        SELECT d.unit_id, {counts} FROM {Dossier._meta.db_table} d
        WHERE {measures.counts_in_month_sql(m)} GROUP BY d.unit_id"""
    adapt = connection.ops.adapt_datetimefield_value
    first = min(Dossier.objects.values_list("received_month", flat=True))
    own = {}
    with connection.cursor() as cursor:
        for month in measures.months_between(first, measures.month_of(now)):
            _, end = measures.month_bounds(month)
            cursor.execute(sql, {"month": month, "end": adapt(end), "at": adapt(min(end, now))})
            for unit_id, *values in cursor.fetchall():
                own[(unit_id, month)] = dict(zip(COUNTS, values, strict=True))
    parent = dict(Unit.objects.values_list("id", "parent_id"))
    total = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for (unit_id, month), counts_of in own.items():
        while unit_id is not None:
            for name, value in counts_of.items():
                total[(unit_id, month)][name] += value
            unit_id = parent[unit_id]
    return {
        (unit_id, month, scope.value): {name: value for name, value in counts_of.items() if value}
        for scope, rows in ((Scope.OWN, own), (Scope.TOTAL, total))
        for (unit_id, month), counts_of in rows.items()
    }


def test_the_one_pass_full_job_equals_the_former_one_statement_per_month(tree):
    units = [tree.dept_a, tree.district_b, tree.commune_b1]
    dossiers_generate(units=units, months=measures.months_between(202310, 202407), per_unit_month=40, seed=7, now=NOW)
    # Hand-made ones the generator makes few of: returned and withdrawn, supplemented more than
    # once, pending for months, received at the very start of a month, carried over a year end.
    rng = random.Random(22)
    save(*[random_dossier(rng, [tree.nation, tree.province, *units]) for _ in range(150)])
    dossiers = Dossier.objects.all()
    carried_over = dossiers.filter(Q(completed_month__gt=F("received_month")) | Q(completed_month__isnull=True))
    # The cases the one pass must get right, present in the data (else the test proves less):
    assert carried_over.filter(received_month__lt=202406, completed_month__isnull=True).exists()  # pending for months
    assert carried_over.filter(received_month=202312, completed_month__gte=202401).exists()  # over a year end
    assert dossiers.filter(completed_month__gte=F("received_month") + 2).exists()  # stock in a month between
    assert dossiers.filter(supplement_days__gt=0, completed_at__isnull=True).exists()  # pending, moved due date
    assert dossiers.filter(supplement_requests__gt=1).exists()
    assert dossiers.exclude(status__in=["completed", "pending"]).exists()  # returned or withdrawn
    DossierMonthDirty.objects.all().delete()
    dossier_stats_full(now=NOW)
    expected = per_month_table(NOW)
    assert table() == expected
    assert sum(1 for _, month, scope in expected if scope == "own" and month == 202407) > 0
    assert dossier_stats_full(now=NOW) == 0


# Read side: periods and rankings.


def test_quarters_and_years_stop_at_the_current_month():
    assert months_of_quarter(2024, 2, now=NOW) == [202404, 202405, 202406]
    assert months_of_quarter(2024, 3, now=NOW) == [202407]
    assert months_of_quarter(2024, 4, now=NOW) == []
    assert months_of_year(2024, now=NOW) == measures.months_between(202401, 202407)
    assert months_of_year(2023, now=NOW) == measures.months_between(202301, 202312)


def test_a_quarter_sums_the_flows_and_takes_the_stock_of_its_last_month(example):
    dossier_stats_incremental(now=NOW)
    a = period_stats(months=months_of_quarter(2024, 2, now=NOW))[example.dept_a.pk]
    # Flows: May + June. Stock: end of June only (a4 overdue, a5 on time), not May's a2 and a3.
    assert a == {
        "received": 6,
        "received_online": 3,
        "received_fully_online": 1,
        "received_with_fee": 2,
        "paid_online": 1,
        "completed_on_time": 2,
        "completed_late": 1,
        "completed_result_entered": 2,
        "returned_on_time": 0,
        "returned_late": 1,
        "pending_on_time": 1,
        "pending_overdue": 1,
        "completed": 3,
        "returned": 1,
        "pending": 2,
        # (1 completed late + 1 withdrawn late + 1 overdue) ÷ (6 received + none carried over into
        # April) = ÷ (3 completed + 1 withdrawn + 2 pending)
        "overdue_rate": D("50"),
        "online_rate": D("50"),  # 3 ÷ 6
        "fully_online_rate": D("16.666667"),  # 1 ÷ 6
        "online_payment_rate": D("50"),  # 1 paid online ÷ 2 with a fee
        "results_entered_rate": D("66.666667"),  # 2 ÷ 3 completed
    }
    assert a["overdue_rate"] == measures.overdue_rate(ended_late=2, pending_overdue=1, received=6, carried_over=0)


def test_a_month_and_the_total_scope(example):
    dossier_stats_incremental(now=NOW)
    may = period_stats(months=[202405])
    assert may[example.dept_a.pk]["overdue_rate"] == D(0)  # 0 overdue ÷ (1 completed + 2 pending on time)
    assert may[example.dept_a.pk]["online_rate"] == D("66.666667")
    assert example.district_b.pk not in may  # nothing of its own in May
    total = period_stats(months=[202405, 202406], scope=Scope.TOTAL, units=[example.district_b])
    # B's total: received 1 + 2; completed late 1 (May); returned on time 1 (June); pending overdue
    # 1 at the end of June: 2 ÷ 3, every dossier received (none carried over into May).
    assert total[example.district_b.pk]["received"] == 3
    assert total[example.district_b.pk]["overdue_rate"] == D("66.666667")


def test_a_unit_asked_for_without_dossiers_has_zeros_and_no_rates(example):
    dossier_stats_incremental(now=NOW)
    got = period_stats(months=[202405], units=Unit.objects.filter(code__in=["B", "A"]))
    assert got[example.district_b.pk]["received"] == 0
    assert got[example.district_b.pk]["overdue_rate"] is None
    assert got[example.dept_a.pk]["received"] == 3


def test_a_period_must_be_consecutive_months():
    with pytest.raises(ValueError, match="consecutive"):
        period_stats(months=[202401, 202403])


def month_row(unit, month, **counts):
    return DossierMonth.objects.create(unit=unit, month=month, scope=Scope.OWN, computed_at=NOW, **counts)


@pytest.fixture
def departments(tree):
    p = tree.province
    a2 = Unit.objects.create(code="A2", name="Sở A2", kind=UnitKind.DEPARTMENT, parent=p)
    a3 = Unit.objects.create(code="A3", name="Sở A3", kind=UnitKind.DEPARTMENT, parent=p)
    Unit.objects.create(code="A4", name="Sở A4", kind=UnitKind.DEPARTMENT, parent=p)  # no dossiers
    gone = Unit.objects.create(
        code="A9", name="Sở cũ", kind=UnitKind.DEPARTMENT, parent=p, valid_to=datetime.date(2023, 12, 31)
    )
    month_row(tree.dept_a, 202405, received=10, received_online=5, completed_on_time=9, completed_late=1)
    month_row(a2, 202405, received=20, received_online=19, completed_on_time=18, completed_late=2)
    month_row(a3, 202405, received=20, received_online=10, completed_on_time=19, completed_late=1)
    month_row(gone, 202405, received=1, completed_on_time=1)  # bad data: a unit that no longer existed
    month_row(tree.district_b, 202405, received=1, completed_late=1)  # another kind
    return tree


def ranking(**kwargs):
    return [(row["code"], row["rank"], row["group_size"], row["value"]) for row in dossier_ranking(**kwargs)]


def test_overdue_rates_rank_lowest_first_with_ties_sharing_a_rank(departments):
    assert ranking(months=[202405], kind=UnitKind.DEPARTMENT) == [
        ("A3", 1, 3, D("5")),
        ("A", 2, 3, D("10")),  # 1 ÷ 10 and 2 ÷ 20 tie
        ("A2", 2, 3, D("10")),
        ("A4", None, 3, None),  # no dossiers: last, without a rank
    ]


def test_other_rates_rank_highest_first(departments):
    assert ranking(months=[202405], kind=UnitKind.DEPARTMENT, parent=departments.province, measure="online_rate") == [
        ("A2", 1, 3, D("95")),
        ("A", 2, 3, D("50")),
        ("A3", 2, 3, D("50")),
        ("A4", None, 3, None),
    ]


def test_a_ranking_groups_by_parent(departments):
    c = Unit.objects.create(code="C", name="Huyện C", kind=UnitKind.DISTRICT, parent=departments.province)
    c1 = Unit.objects.create(code="C1", name="Xã C1", kind=UnitKind.COMMUNE, parent=c)
    month_row(departments.commune_b1, 202405, completed_on_time=4, completed_late=1)
    month_row(c1, 202405, completed_on_time=1, completed_late=1)
    assert ranking(months=[202405], kind=UnitKind.COMMUNE) == [("B1", 1, 1, D("20")), ("C1", 1, 1, D("50"))]
    assert ranking(months=[202405], kind=UnitKind.COMMUNE, parent=c) == [("C1", 1, 1, D("50"))]


def test_an_unknown_measure_is_refused():
    with pytest.raises(ValueError, match="unknown dossier measure"):
        dossier_ranking(months=[202405], kind=UnitKind.DEPARTMENT, measure="speed")


# Indices computed from dossier statistics are recomputed when their year's statistics change.


def dossier_methodology(year):
    index = Index.objects.get_or_create(
        code="overdue",
        defaults={"name_vi": "Trễ hạn", "direction": Direction.LOWER, "dossier_measure": DossierMeasure.OVERDUE_RATE},
    )[0]
    return Methodology.objects.create(
        index=index, year=year, unit_kind=UnitKind.DEPARTMENT, aggregation=Aggregation.DOSSIERS
    )


def recompute_keys():
    return set(Job.objects.filter(kind=RECOMPUTE, status=JobStatus.PENDING).values_list("key", flat=True))


def test_changed_statistics_request_the_recompute_of_that_years_dossier_indices(example):
    this_year = dossier_methodology(2024)
    dossier_methodology(2023)
    dossier_stats_incremental(now=NOW)
    assert recompute_keys() == {f"{this_year.index_id}:2024"}  # nothing of 2023 changed
    Job.objects.filter(kind=RECOMPUTE).delete()
    dossier_stats_full(now=NOW)  # nothing changes
    assert recompute_keys() == set()


def test_without_a_dossier_methodology_no_recompute_is_requested(example):
    index = Index.objects.create(code="par", name_vi="PAR")
    Methodology.objects.create(index=index, year=2024, unit_kind=UnitKind.DEPARTMENT, aggregation=Aggregation.SUM)
    dossier_stats_incremental(now=NOW)
    assert DossierMonth.objects.exists()
    assert recompute_keys() == set()
