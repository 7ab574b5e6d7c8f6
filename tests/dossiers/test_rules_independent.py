"""The 766 rules reimplemented independently, from the wording of Quyết định 766/QĐ-TTg (docs/design.md
§3) alone, and compared with what the product computes on every unit-month of a generated set.

Nothing here calls dossiers/measures.py: the dossiers go in through the import (dossier_parse,
dossiers_write, as a one-stop system would send them), the statistics job computes DossierMonth,
and the rules below say, in plain Python over the dossiers as sent, what every unit-month must
hold. The decision's wording, as this module reads it:

- a dossier is received in the month (Vietnam time) of its receipt;
- its processing ends when it is completed, returned or refused, or stopped (withdrawn); its end
  time is when that happened. A dossier with no end takes the end of the period as its end: it is
  pending then if it was received before;
- it is on time iff its end (or, while pending, the period's end, or now in the current month) less
  the time waiting for the citizen's supplement is at or before its due date; more than one
  supplement request makes it late whatever the dates;
- overdue rate = (ended late + pending overdue) ÷ every dossier to be handled in the period, which
  is those received in it plus those carried over (received before it and not ended at its start).
"""

import datetime
import random
from collections import defaultdict
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from dossiers.importers.dossiers import dossier_parse, dossiers_write
from dossiers.models import Dossier, DossierMonth, Scope
from dossiers.selectors import period_stats
from dossiers.services import dossier_derive, dossier_months_mark_dirty
from dossiers.stats import dossier_stats_full, dossier_stats_incremental
from units.models import Unit

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime.datetime(2024, 7, 15, 12, 0, tzinfo=VN)  # July 2024 is the current month
FIRST_MONTH = 202312
ENDED = {"completed", "returned", "withdrawn"}


def vn(*args):
    return datetime.datetime(*args, tzinfo=VN)


# --- The rules, from the decision's wording --------------------------------------------------


def month_of(moment):
    local = moment.astimezone(VN)
    return local.year * 100 + local.month


def month_start(month):
    return datetime.datetime(month // 100, month % 100, 1, tzinfo=VN)


def month_after(month):
    return month + 89 if month % 100 == 12 else month + 1


def months(first, last):
    result = [first]
    while result[-1] < last:
        result.append(month_after(result[-1]))
    return result


class Case:
    """One dossier as the one-stop system sent it."""

    def __init__(self, *, unit, received, due, status, end=None, requests=0, waited="0", **flags):
        self.unit, self.received, self.due, self.status, self.end = unit, received, due, status, end
        self.requests, self.waited = requests, D(waited)
        self.flags = dict(channel="in_person", fully_online=False, fee_required=False, paid_online=False)
        self.flags.update(flags)
        self.result_entered = self.flags.pop("result_entered", False)

    def end_time(self):
        """When its processing ended, or None: not ended (no end time means no end)."""
        return self.end if self.status in ENDED else None

    def late_at(self, moment):
        """Judged with `moment` as its end: late (overdue)?"""
        return self.requests > 1 or moment - datetime.timedelta(days=float(self.waited)) > self.due

    def open_at(self, moment):
        """Received before `moment` and not ended by it: still to be handled then."""
        end = self.end_time()
        return self.received < moment and (end is None or end >= moment)


def judge(cases, month):
    """{count: value} of the cases in one month: what was received and ended in it, and what was
    still open at its end (judged at its end, or now in the current month)."""
    start, end = month_start(month), month_start(month_after(month))
    at = min(end, NOW)
    counts = defaultdict(int)
    for case in cases:
        if start <= case.received < end:
            counts["received"] += 1
            counts["received_online"] += case.flags["channel"] == "online"
            counts["received_fully_online"] += case.flags["fully_online"]
            counts["received_with_fee"] += case.flags["fee_required"]
            counts["paid_online"] += case.flags["fee_required"] and case.flags["paid_online"]
        ended = case.end_time()
        if ended is not None and start <= ended < end:
            kind = "completed" if case.status == "completed" else "returned"
            counts[f"{kind}_late" if case.late_at(ended) else f"{kind}_on_time"] += 1
            counts["completed_result_entered"] += case.status == "completed" and case.result_entered
        if case.open_at(end):
            counts["pending_overdue" if case.late_at(at) else "pending_on_time"] += 1
    return {name: value for name, value in counts.items() if value}


def overdue_rate(cases, first, last):
    """The overdue rate of the months first..last in %, as the decision defines it; None with no
    dossier to handle."""
    start, end = month_start(first), month_start(month_after(last))
    at = min(end, NOW)
    received = sum(start <= case.received < end for case in cases)
    carried_over = sum(case.open_at(start) for case in cases)
    ended_late = sum(
        case.end_time() is not None and start <= case.end_time() < end and case.late_at(case.end_time())
        for case in cases
    )
    pending_overdue = sum(case.open_at(end) and case.late_at(at) for case in cases)
    if not received + carried_over:
        return None
    return D(ended_late + pending_overdue) * 100 / D(received + carried_over)


# --- The generated set ----------------------------------------------------------------------


def edge_cases(tree):
    a, b1, b = tree.dept_a, tree.commune_b1, tree.district_b
    return [
        # Returned after its due date, in the month after receipt: late, in the month it ended.
        Case(unit=a, received=vn(2024, 5, 20, 9), due=vn(2024, 5, 30, 17), status="returned", end=vn(2024, 6, 4, 9)),
        # Returned before its due date: on time.
        Case(unit=a, received=vn(2024, 5, 21, 9), due=vn(2024, 5, 30, 17), status="returned", end=vn(2024, 5, 22, 9)),
        # Withdrawn (stopped) after its due date: late.
        Case(unit=b1, received=vn(2024, 4, 2, 9), due=vn(2024, 4, 9, 17), status="withdrawn", end=vn(2024, 4, 19)),
        # Returned before its due date but after two supplement requests: late.
        Case(
            unit=b1,
            received=vn(2024, 4, 3, 9),
            due=vn(2024, 4, 20, 17),
            status="returned",
            end=vn(2024, 4, 5, 9),
            requests=2,
            waited="1",
        ),
        # Returned exactly at its due date plus the citizen's 2.5 days: on time.
        Case(
            unit=a,
            received=vn(2024, 3, 1, 9),
            due=vn(2024, 3, 10, 17),
            status="returned",
            end=vn(2024, 3, 13, 5),
            requests=1,
            waited="2.5",
        ),
        # Pending, past its due date (25 June) but not past it plus the 20 days waited (15 July,
        # 17:00): on time at the end of June and now (15 July, noon).
        Case(unit=a, received=vn(2024, 6, 10, 9), due=vn(2024, 6, 25, 17), status="pending", requests=1, waited="20"),
        # Pending with 3 days waited: due 28 June + 3 = 1 July: overdue now, on time at June's end.
        Case(unit=b, received=vn(2024, 6, 20, 9), due=vn(2024, 6, 28, 17), status="pending", requests=1, waited="3"),
        # Pending at the end of May, when its due date plus the 2 days waited is exactly reached:
        # on time then; completed late in June.
        Case(
            unit=b,
            received=vn(2024, 5, 2, 9),
            due=vn(2024, 5, 30, 0),
            status="completed",
            end=vn(2024, 6, 10, 9),
            requests=1,
            waited="2",
        ),
        # Carried over twice: received in March, pending at the ends of March and April, completed
        # late in May.
        Case(unit=a, received=vn(2024, 3, 25, 9), due=vn(2024, 4, 5, 17), status="completed", end=vn(2024, 5, 6, 9)),
        # Carried over into June and returned late in it.
        Case(unit=b1, received=vn(2024, 5, 28, 9), due=vn(2024, 6, 3, 17), status="returned", end=vn(2024, 6, 12, 9)),
        # Received at the very start of June (Vietnam time; still May in UTC), ended at the very
        # start of July: received in June, pending at its end, ended in July.
        Case(unit=a, received=vn(2024, 6, 1), due=vn(2024, 6, 30, 23), status="completed", end=vn(2024, 7, 1)),
        # Received at 00:30 on 1 July, Vietnam time: a July dossier; overdue now.
        Case(unit=b1, received=vn(2024, 7, 1, 0, 30), due=vn(2024, 7, 10, 17), status="pending", channel="online"),
        # Completed on time thanks to the citizen's 4 days; result entered, paid online.
        Case(
            unit=a,
            received=vn(2024, 5, 20, 9),
            due=vn(2024, 5, 31, 17),
            status="completed",
            end=vn(2024, 6, 3, 10),
            requests=1,
            waited="4",
            channel="online",
            fully_online=True,
            fee_required=True,
            paid_online=True,
            result_entered=True,
        ),
        # Received in December 2023, still pending: carried over into every month since.
        Case(unit=b, received=vn(2023, 12, 27, 9), due=vn(2024, 1, 5, 17), status="pending"),
    ]


def random_cases(rng, units, count):
    cases = []
    for _ in range(count):
        received = vn(2023, 12, 1) + datetime.timedelta(
            seconds=rng.randrange(int((NOW - vn(2023, 12, 1)).total_seconds()))
        )
        if rng.random() < 0.1:
            received = month_start(month_of(received))  # the first moment of its month
        due = received + datetime.timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 23))
        end = received + datetime.timedelta(days=rng.randint(0, 45), seconds=rng.randrange(86400))
        if rng.random() < 0.1:
            end = due
        elif rng.random() < 0.1:
            end = max(month_start(month_of(end)), received)
        requests = rng.choices([0, 1, 2, 3], weights=[65, 22, 9, 4])[0]
        status = rng.choices(["completed", "returned", "withdrawn"], weights=[80, 12, 8])[0]
        if end > NOW:
            status, end = "pending", None
        waited = D(rng.randint(0, 900)).scaleb(-2) if requests else D(0)
        if end is not None:
            waited = min(waited, D(int((end - received).total_seconds() // 864)).scaleb(-2))
        channel = rng.choice(["online", "in_person", "postal"])
        fee = rng.random() < 0.4
        cases.append(
            Case(
                unit=rng.choice(units),
                received=received,
                due=due,
                status=status,
                end=end,
                requests=requests,
                waited=str(waited),
                channel=channel,
                fully_online=channel == "online" and rng.random() < 0.5,
                fee_required=fee,
                paid_online=fee and rng.random() < 0.5,
                result_entered=status == "completed" and rng.random() < 0.7,
            )
        )
    return cases


def send(cases):
    """Send the cases through the import, as a one-stop system would."""
    units_by_code = dict(Unit.objects.values_list("code", "pk"))
    dossiers = []
    for number, case in enumerate(cases):
        record = {
            "source": "motcua",
            "external_id": f"H{number}",
            "unit_code": case.unit.code,
            "received_at": case.received.isoformat(),
            "due_at": case.due.isoformat(),
            "completed_at": case.end.isoformat() if case.end else "",
            "status": case.status,
            "supplement_requests": str(case.requests),
            "supplement_days": str(case.waited),
            "result_entered": "yes" if case.result_entered else "no",
            **{
                name: value if isinstance(value, str) else ("yes" if value else "no")
                for name, value in case.flags.items()
            },
        }
        dossier, problems = dossier_parse(record, units_by_code=units_by_code, now=NOW)
        assert problems == [], (case.__dict__, problems)
        dossiers.append(dossier)
    dossiers_write(dossiers=dossiers, now=NOW)


def expected_table(cases, units):
    """{(unit code, month, scope): counts} for every unit-month that counts anything."""
    parent = {unit.pk: unit.parent_id for unit in units}
    code = {unit.pk: unit.code for unit in units}
    subtree = defaultdict(list)  # unit id → the cases of it and the units under it
    for case in cases:
        unit_id = case.unit.pk
        while unit_id is not None:
            subtree[unit_id].append(case)
            unit_id = parent[unit_id]
    table = {}
    for month in months(FIRST_MONTH, month_of(NOW)):
        for unit in units:
            own = judge([case for case in cases if case.unit.pk == unit.pk], month)
            if own:
                table[(code[unit.pk], month, "own")] = own
            total = judge(subtree[unit.pk], month)
            if total:
                table[(code[unit.pk], month, "total")] = total
    return table


def product_table():
    names = [
        field.name
        for field in DossierMonth._meta.concrete_fields
        if field.get_internal_type() == "PositiveIntegerField" and field.name != "month"
    ]
    return {
        (row["unit__code"], row["month"], row["scope"]): {name: row[name] for name in names if row[name]}
        for row in DossierMonth.objects.values("unit__code", "month", "scope", *names)
    }


@pytest.fixture
def generated(tree):
    units = list(Unit.objects.all())
    cases = edge_cases(tree) + random_cases(random.Random(766), units, 400)
    send(cases)
    # A returned dossier stored without an end time, as the import took them before it refused
    # them: no end, so pending (and overdue once past its due date), not dropped.
    legacy = Case(unit=tree.dept_a, received=vn(2024, 2, 5, 9), due=vn(2024, 2, 20, 17), status="returned")
    stored = dossier_derive(
        Dossier(
            source="legacy",
            external_id="L1",
            unit=legacy.unit,
            received_at=legacy.received,
            due_at=legacy.due,
            status="returned",
            channel="in_person",
        )
    )
    stored.save()
    dossier_months_mark_dirty(pairs=[(legacy.unit.pk, month) for month in months(202402, month_of(NOW))])
    return cases + [legacy], units


def test_the_product_and_the_independent_rules_agree_on_every_unit_month(generated):
    cases, units = generated
    dossier_stats_incremental(now=NOW)
    expected = expected_table(cases, units)
    got = product_table()
    differing = sorted(key for key in expected.keys() | got.keys() if expected.get(key) != got.get(key))
    assert differing == [], [(key, expected.get(key), got.get(key)) for key in differing[:5]]
    assert len(expected) == len(units) * len(months(FIRST_MONTH, month_of(NOW))) * 2  # every one is used
    assert dossier_stats_full(now=NOW) == 0  # the nightly recompute finds the same rows


def test_the_edges_are_in_the_set(generated):
    cases, _ = generated
    assert any(c.status == "returned" and c.end and c.late_at(c.end) and c.requests < 2 for c in cases)
    assert any(c.status == "withdrawn" and c.end and c.late_at(c.end) for c in cases)
    assert any(c.end_time() is None and c.waited and c.late_at(NOW) != (NOW > c.due) for c in cases)
    assert any(c.open_at(month_start(202404)) and c.end_time() and month_of(c.end_time()) == 202405 for c in cases)


PERIODS = [(month, month) for month in months(FIRST_MONTH, month_of(NOW))] + [
    (202401, 202403),
    (202404, 202406),
    (202407, 202407),
    (202401, 202407),
    (202402, 202405),
]


@pytest.mark.parametrize("scope", [Scope.OWN, Scope.TOTAL])
def test_the_overdue_rate_divides_by_every_dossier_received_or_carried_over(generated, scope):
    cases, units = generated
    dossier_stats_incremental(now=NOW)
    parent = {unit.pk: unit.parent_id for unit in units}

    def under(unit_id, ancestor_id):
        while unit_id is not None:
            if unit_id == ancestor_id:
                return True
            unit_id = parent[unit_id]
        return False

    for first, last in PERIODS:
        got = period_stats(months=months(first, last), scope=scope, units=units)
        for unit in units:
            mine = [
                case
                for case in cases
                if (case.unit.pk == unit.pk if scope == Scope.OWN else under(case.unit.pk, unit.pk))
            ]
            expected = overdue_rate(mine, first, last)
            rate = got[unit.pk]["overdue_rate"]
            if expected is None:
                assert rate is None, (unit.code, first, last)
            else:
                assert rate is not None and abs(rate - expected) < D("0.000001"), (
                    unit.code,
                    first,
                    last,
                    rate,
                    expected,
                )
