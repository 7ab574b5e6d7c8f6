"""The 766 index's measures of dossiers (Quyết định 766/QĐ-TTg; docs/design.md §3), in one place: read
this module to know what they are and how each is counted and rated.

- the months: a dossier counts in Vietnamese calendar months (month_of, month_bounds);
- the rules of a dossier's timeliness, one function each (completed_late, pending_overdue, …),
  whose docstrings the methodology page shows (in Vietnamese through the translation catalogue:
  `rule` below), as the decision states them: a dossier ended by return or refusal is judged like
  a completed one, the citizen's waiting time moves the due date of pending dossiers too, and the
  overdue rate divides by every dossier to be handled in the period;
- what a unit-month counts (COUNTS), each count as SQL on one dossier row in a month (count_sql,
  counts_in_month_sql, months_counted_sql), and the same counts as the aggregates the monthly
  statistics (dossiers/stats.py) run into DossierMonth (counted_sql); the same rules as ORM filters list the dossiers behind the counts
  (completed_late_q, pending_q, pending_overdue_q);
- the rates over a period's counts (MEASURES, named by DossierMeasure): numerator ÷ denominator
  in %, as SQL (Measure.rate_sql, which the dossier pages and the indices computed from dossiers
  both use) and in Python (Measure.rate_of), and whether lower or higher is better.

The tests hold the SQL and the Python together by checking the SQL counts against the rule
functions on random dossiers. Nothing here imports a model: indicators.models reads
DossierMeasure from here while the apps load.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

PERCENT = Decimal(100)
RULES = []


def rule(title, explanation):
    """Give a rule its title and its explanation, which becomes its docstring, and list it in RULES
    in the order the methodology page shows them.

    The explanation is a gettext_noop string rather than a plain docstring because makemessages
    cannot see docstrings: this way the one text is both the code's documentation and the msgid
    the page translates."""

    def attach(function):
        function.__doc__ = explanation
        function.title = title
        RULES.append(function)
        return function

    return attach


def month_of(moment):
    """The month a moment falls in, in Vietnam time, as yyyymm (202407): months are Vietnamese
    calendar months, whatever time zone the one-stop system sent."""
    # The default zone, as month_bounds reads months: no look-up of an activated one (a fifth of
    # the time an import spent checking a row).
    local = moment.astimezone(timezone.get_default_timezone())
    return local.year * 100 + local.month


def month_bounds(month):
    """[start, end) of a yyyymm month as aware datetimes in Vietnam time."""
    year, number = divmod(month, 100)
    start = datetime.datetime(year, number, 1)
    end = datetime.datetime(year + number // 12, number % 12 + 1, 1)
    zone = timezone.get_default_timezone()
    return timezone.make_aware(start, zone), timezone.make_aware(end, zone)


def next_month(month):
    year, number = divmod(month, 100)
    return (year + 1) * 100 + 1 if number == 12 else month + 1


def previous_month(month):
    year, number = divmod(month, 100)
    return (year - 1) * 100 + 12 if number == 1 else month - 1


def months_between(first, last):
    """Every yyyymm month from `first` to `last`, both included."""
    months, month = [], first
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


# How a dossier's processing ends (Quyết định 766/QĐ-TTg): it is completed, returned to the citizen
# or stopped ("dừng xử lý / từ chối": status returned, or withdrawn at the citizen's request). Its
# end time is completed_at whatever the status; the import refuses an ended dossier without one.
STOPPED = ("returned", "withdrawn")


@rule(
    gettext_noop("Time waiting for the citizen"),
    gettext_noop(
        "Time spent waiting for the citizen to supplement the dossier does not count against the unit: "
        "it moves the due date later by the days waited. For a dossier whose processing has ended, that is "
        "the same as taking the days off its end time; for a pending dossier, it is judged against the due "
        "date so moved."
    ),
)
def effective_completion(completed_at, supplement_days):
    if completed_at is None:
        return None
    if not supplement_days:
        return completed_at  # the same moment, without a timedelta for each of a file's rows
    return completed_at - datetime.timedelta(days=float(supplement_days))


def effective_due(due_at, supplement_days):
    """The due date moved later by the days waiting for the citizen (effective_completion's rule,
    seen from the due date): what a pending dossier is judged against."""
    if not supplement_days:
        return due_at
    return due_at + datetime.timedelta(days=float(supplement_days))


@rule(
    gettext_noop("Ended on time or late"),
    gettext_noop(
        "A dossier's processing ends when it is completed, returned to the citizen or refused, or stopped "
        "(withdrawn at the citizen's request); its end time is when that happened. A dossier so ended is on "
        "time if and only if its end time, less the citizen's supplement time, is at or before the due date; "
        "otherwise it ended late. A returned or stopped dossier is judged like a completed one, in the month "
        "it ended. A dossier the unit asked the citizen to supplement more than once counts as late whatever "
        "the dates."
    ),
)
def completed_late(*, effective_completed_at, due_at, supplement_requests):
    return supplement_requests > 1 or effective_completed_at > due_at


@rule(
    gettext_noop("Pending on time or overdue"),
    gettext_noop(
        "A dossier still pending at the end of the period (or now, in the current period) takes that moment "
        "as its end: it is overdue if its due date, moved later by the days waiting for the citizen, is "
        "before that moment; otherwise it is pending on time. More than one supplement request makes it "
        "overdue too."
    ),
)
def pending_overdue(*, effective_due_at, at, supplement_requests):
    return supplement_requests > 1 or effective_due_at < at


@rule(
    gettext_noop("Pending"),
    gettext_noop(
        "A dossier is pending at a moment if it was received before it and its processing had not ended by "
        "it. A dossier that is returned or stopped is no longer pending once it is, like a completed one; "
        "one with no end time is pending."
    ),
)
def is_pending_at(*, received_at, completed_at, at):
    return received_at < at and (completed_at is None or completed_at >= at)


def rate(numerator, denominator):
    """numerator ÷ denominator in %, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(numerator) * PERCENT / Decimal(denominator)).quantize(Decimal("0.000001"))


@rule(
    gettext_noop("Overdue rate"),
    gettext_noop(
        "Overdue rate = (ended late + pending overdue) ÷ every dossier to be handled in the period, in %: the "
        "dossiers received in it plus those carried over, pending at its start. Each of them either ended "
        "in the period (completed, returned or stopped) or is still pending at its end, so the denominator "
        "is also the dossiers ended in the period plus those pending at its end. Lower is better."
    ),
)
def overdue_rate(*, ended_late, pending_overdue, received, carried_over):
    return rate(ended_late + pending_overdue, received + carried_over)


# What a unit-month counts (the count columns of DossierMonth). Flows, of the dossiers received in
# month m (received_month = m): received, received online, fully online, with a fee, paid online;
# of those completed in m (status completed, completed_month = m): on time or late
# (completed_late), with the result entered; of those returned or stopped in m (any other status,
# completed_month = m): on time or late by the same rule. Stock, of the dossiers pending at the
# month's end (is_pending_at): on time or overdue at `at` (pending_overdue), where `at` is the
# month's end, or now in the current month: what is past its due date today is overdue today, not
# only at the month's end.
#
# Every dossier to be handled in m (received in it, or carried over: pending at its start) either
# ends in m (completed_* or returned_*) or is pending at its end (STOCK); so the overdue rate's
# denominator, received + carried over, is the sum of those counts (ENDED + STOCK).
FLOWS = (
    "received",
    "received_online",
    "received_fully_online",
    "received_with_fee",
    "paid_online",
    "completed_on_time",
    "completed_late",
    "completed_result_entered",
    "returned_on_time",
    "returned_late",
)
STOCK = ("pending_on_time", "pending_overdue")
COUNTS = FLOWS + STOCK
COMPLETED = ("completed_on_time", "completed_late")
RETURNED = ("returned_on_time", "returned_late")
ENDED = COMPLETED + RETURNED
# The totals a period's counts also carry (dossiers.selectors), each the sum of these counts.
TOTALS = {"completed": COMPLETED, "returned": RETURNED, "pending": STOCK}

# The rules above as SQL on one dossier row `d`, in a month given as SQL (MonthSql): its yyyymm, its
# end (month_bounds) and `at`, min(end, now). A dossier ends at completed_at, whatever its status
# (the import lets no pending dossier carry one): completed, or else returned or stopped.


@dataclass(frozen=True)
class MonthSql:
    """A month as three SQL expressions: `month` (yyyymm), `end` (the end of month_bounds) and
    `at` (min(end, now), when its pending dossiers are judged). Query parameters count one month a
    statement (MONTH_PARAMETERS); the columns of a table of months count every month in one
    (dossiers/stats.py)."""

    month: str
    end: str
    at: str


MONTH_PARAMETERS = MonthSql(month="%(month)s", end="%(end)s", at="%(at)s")
_LATE = "(d.supplement_requests > 1 OR d.effective_completed_at > d.due_at)"


def _conditions(m):
    ended = f"d.completed_month = {m.month}"
    # Pending at the month's end: received before it and not ended by it (ended after it, or with
    # no end time). Written as two arms on completed_at, each of which the index (unit,
    # completed_at) answers, so that with the received and completed months' indexes PostgreSQL
    # reads only the dossiers that count in the month (a BitmapOr), not every dossier the unit
    # ever had: 186 ms → 22 ms for 500 units of a million dossiers (bench/README.md).
    pending_arms = (
        f"(d.completed_at >= {m.end} AND d.received_at < {m.end})",
        f"(d.completed_at IS NULL AND d.received_at < {m.end})",
    )
    return {
        "pending_arms": pending_arms,
        "pending": "(" + " OR ".join(pending_arms) + ")",
        "received": f"d.received_month = {m.month}",
        "ended": ended,
        "completed": f"{ended} AND d.status = 'completed'",
        "stopped": f"{ended} AND d.status <> 'completed'",
        "overdue": f"(d.supplement_requests > 1 OR d.effective_due_at < {m.at})",
    }


def counts_in_month_sql(m, *, within=None):
    """The condition a dossier row `d` meets to count in month `m` at all: received, ended or
    pending at its end then. `within`, a further condition on `d` (the units asked for), goes into
    each arm of the OR, where SQLite looks it up in the arm's index together with the month (a
    MULTI-INDEX OR: 40 ms against 158 for a month of 174 units, which it otherwise reads whole
    through their unit); PostgreSQL's BitmapOr takes it into the arms either way."""
    c = _conditions(m)
    arms = [c["received"], c["ended"], *c["pending_arms"]]
    if within is not None:
        arms = [f"({within} AND {arm})" for arm in arms]
    return "(" + " OR ".join(arms) + ")"


def pending_sql(m, *, within=None):
    """The condition a dossier row `d` meets to be pending at the end of month `m` (the stock's),
    with `within` in each arm as in counts_in_month_sql."""
    arms = _conditions(m)["pending_arms"]
    if within is not None:
        arms = [f"({within} AND {arm})" for arm in arms]
    return "(" + " OR ".join(arms) + ")"


def count_sql(m):
    """Each count: the condition a dossier row `d` meets to count 1 in it in month `m`."""
    c = _conditions(m)
    received, completed, stopped, pending = c["received"], c["completed"], c["stopped"], c["pending"]
    return {
        "received": received,
        "received_online": f"{received} AND d.channel = 'online'",
        "received_fully_online": f"{received} AND d.fully_online",
        "received_with_fee": f"{received} AND d.fee_required",
        "paid_online": f"{received} AND d.fee_required AND d.paid_online",
        "completed_on_time": f"{completed} AND NOT {_LATE}",
        "completed_late": f"{completed} AND {_LATE}",
        "completed_result_entered": f"{completed} AND d.result_entered",
        "returned_on_time": f"{stopped} AND NOT {_LATE}",
        "returned_late": f"{stopped} AND {_LATE}",
        "pending_on_time": f"{pending} AND NOT {c['overdue']}",
        "pending_overdue": f"{pending} AND {c['overdue']}",
    }


def counted_sql(m):
    """Each count as an aggregate over the dossier rows `d` of one unit's GROUP BY in month `m`
    that count in it (joined to it by months_counted_sql, or kept by counts_in_month_sql): count_sql's
    counts, computed with less work a row, which is most of the full job's time.

    Such a row ended in `m` or, if not, was pending at its end (received before it and not ended
    by it), so "pending" is "not ended in m" on the derived month, with no test of times; and the
    on-time counts are what is left of their whole once the late ones are counted (ended late
    less completed late is returned late). Conditions put their cheapest test first, so that most
    rows stop there: a plain flag, then the month, then a text or a time. The same aggregate
    written twice is computed once (PostgreSQL and SQLite both share identical aggregates), so
    the twelve counts cost ten conditions a row where count_sql's cost twelve longer ones: a
    seventh less of the national full job's count (bench/README.md). test_stats.py holds them
    equal to count_sql's, one statement per month."""
    received = f"d.received_month = {m.month}"
    ended = f"d.completed_month = {m.month}"
    completed = "d.status = 'completed'"

    def count(condition):
        return f"COUNT(*) FILTER (WHERE {condition})"

    all_ended, ended_late = count(ended), count(f"{ended} AND {_LATE}")
    all_completed, completed_late = count(f"{ended} AND {completed}"), count(f"{ended} AND {_LATE} AND {completed}")
    pending = f"(d.completed_month > {m.month} OR d.completed_month IS NULL)"
    overdue = count(f"{pending} AND (d.supplement_requests > 1 OR d.effective_due_at < {m.at})")
    return {
        "received": count(received),
        "received_online": count(f"{received} AND d.channel = 'online'"),
        "received_fully_online": count(f"d.fully_online AND {received}"),
        "received_with_fee": count(f"d.fee_required AND {received}"),
        "paid_online": count(f"d.paid_online AND d.fee_required AND {received}"),
        "completed_on_time": f"{all_completed} - {completed_late}",
        "completed_late": completed_late,
        "completed_result_entered": count(f"d.result_entered AND {ended} AND {completed}"),
        "returned_on_time": f"{all_ended} - {all_completed} - {ended_late} + {completed_late}",
        "returned_late": f"{ended_late} - {completed_late}",
        "pending_on_time": f"COUNT(*) - {all_ended} - {overdue}",
        "pending_overdue": overdue,
    }


def months_counted_sql(m, *, last):
    """The months a dossier row `d` counts in, as a condition on month `m`: from the month it was
    received in to the month it ended, or to month `last` (SQL) while it is pending. These are the
    months of counts_in_month_sql read off the derived months (received before a month's end is
    received_month <= month; ended at or after it is completed_month > month), so they are
    consecutive and a dossier counts in each of them. A join on it gives each dossier its months
    without testing it against every month."""
    return f"{m.month} BETWEEN d.received_month AND COALESCE(d.completed_month, {last})"


# The same rules as ORM filters on Dossier, for the pages that list the dossiers behind a count.


def completed_late_q():
    """completed_late: more than one supplement request, or ended (less the citizen's time) after the due date."""
    return Q(supplement_requests__gt=1) | Q(effective_completed_at__gt=F("due_at"))


def pending_q(at):
    """is_pending_at `at`: received before it and not ended by it; the conditions of the pending
    stock, which the index (unit, received_at, completed_at) answers."""
    return Q(received_at__lt=at) & (Q(completed_at__isnull=True) | Q(completed_at__gte=at))


def pending_overdue_q(at):
    """pending_overdue at `at`: more than one supplement request, or due (moved by the citizen's time) before it."""
    return Q(supplement_requests__gt=1) | Q(effective_due_at__lt=at)


# The measures: rates over a period of consecutive months. Over a period the flows are summed and
# the stock is that of its last month's end: a dossier pending for three months is one pending
# dossier, not three.


class DossierMeasure(models.TextChoices):
    OVERDUE_RATE = "overdue_rate", _("Overdue rate")
    ONLINE_RATE = "online_rate", _("Online submission rate")
    FULLY_ONLINE_RATE = "fully_online_rate", _("Fully-online rate")
    ONLINE_PAYMENT_RATE = "online_payment_rate", _("Online payment rate")
    RESULTS_ENTERED_RATE = "results_entered_rate", _("Results entered rate")


def _sql_sum(names):
    return names[0] if len(names) == 1 else "(" + " + ".join(names) + ")"


@dataclass(frozen=True)
class Measure:
    """numerator ÷ denominator × 100 over a period's counts, each the sum of some COUNTS; no rate
    with nothing to divide by. `title` and `definition` are what the methodology page shows
    (msgids)."""

    numerator: tuple
    denominator: tuple
    lower_is_better: bool
    title: str
    definition: str
    # The counts the pages and exports show beside the rate, in order: those it is computed from,
    # and no other (an online payment rate has no overdue column). COUNTS, or TOTALS.
    shown: tuple = ()

    @property
    def lists_overdue(self):
        """Whether the dossiers behind its counts are the overdue and late ones, which the unit's
        overdue list shows (dossiers.selectors.overdue_dossiers, late_dossiers)."""
        return bool({"completed_late", "pending_overdue"} & set(self.shown))

    @property
    def numerator_sql(self):
        return _sql_sum(self.numerator)

    @property
    def denominator_sql(self):
        return _sql_sum(self.denominator)

    @property
    def rate_sql(self):
        """The rate in %, rounded in the database to the six decimals it is stored and shown with,
        so that ties are decided on those values. Only where denominator_sql > 0."""
        return f"ROUND({self.numerator_sql} * 100.0 / {self.denominator_sql}, 6)"

    def rate_of(self, counts):
        """The rate of a dict of counts, in Python: a Decimal in %, or None."""
        return rate(sum(counts[name] for name in self.numerator), sum(counts[name] for name in self.denominator))


# Every measure, in the order the pages list them.
MEASURES = {
    DossierMeasure.OVERDUE_RATE.value: Measure(
        numerator=("completed_late", "returned_late", "pending_overdue"),
        denominator=ENDED + STOCK,
        lower_is_better=True,
        title=overdue_rate.title,
        definition=overdue_rate.__doc__,
        shown=("received", *ENDED, *STOCK),
    ),
    DossierMeasure.ONLINE_RATE.value: Measure(
        numerator=("received_online",),
        denominator=("received",),
        lower_is_better=False,
        title=gettext_noop("Online submission rate"),
        definition=gettext_noop("Dossiers received online ÷ dossiers received in the period, in %. Higher is better."),
        shown=("received", "received_online"),
    ),
    DossierMeasure.FULLY_ONLINE_RATE.value: Measure(
        numerator=("received_fully_online",),
        denominator=("received",),
        lower_is_better=False,
        title=gettext_noop("Fully-online rate"),
        definition=gettext_noop(
            "Dossiers handled fully online ÷ dossiers received in the period, in %. Higher is better."
        ),
        shown=("received", "received_fully_online"),
    ),
    DossierMeasure.ONLINE_PAYMENT_RATE.value: Measure(
        numerator=("paid_online",),
        denominator=("received_with_fee",),
        lower_is_better=False,
        title=gettext_noop("Online payment rate"),
        definition=gettext_noop(
            "Dossiers whose fee was paid online ÷ dossiers received with a fee in the period, in %. Higher is better."
        ),
        shown=("received_with_fee", "paid_online"),
    ),
    DossierMeasure.RESULTS_ENTERED_RATE.value: Measure(
        numerator=("completed_result_entered",),
        denominator=COMPLETED,
        lower_is_better=False,
        title=gettext_noop("Results entered rate"),
        definition=gettext_noop(
            "Completed dossiers whose result was entered in the one-stop system ÷ dossiers completed in the period, "
            "in %. Higher is better."
        ),
        shown=("completed", "completed_result_entered"),
    ),
}

# The measures that are plain shares of the period's dossiers, as (title, definition): the
# methodology page shows them next to the rules above, of which the overdue rate is one.
SHARES = tuple(
    (measure.title, measure.definition) for measure in MEASURES.values() if measure.title != overdue_rate.title
)


def period_counts_sql(*, last, alias="dm"):
    """The select list of a period's counts over DossierMonth rows `alias` of its months, one
    column per count named after it (group them by unit): flows summed, stock of the month
    `last` (a placeholder such as "%s" or "%(last)s")."""
    flows = [f"SUM({alias}.{name}) AS {name}" for name in FLOWS]
    stock = [f"SUM(CASE WHEN {alias}.month = {last} THEN {alias}.{name} ELSE 0 END) AS {name}" for name in STOCK]
    return ",\n               ".join(flows + stock)


# The on-time rate: the share of the overdue rate's dossiers that are not overdue. It is what the
# 766 index's "processing progress" group (tiến độ giải quyết, 20 points) is computed from; how
# that rate becomes points is not stated in any text we hold (docs/design.md §7), so the points
# are not computed. Not one of MEASURES: no index ranks by it, the early warning shows it.
ON_TIME = Measure(
    numerator=("completed_on_time", "returned_on_time", "pending_on_time"),
    denominator=ENDED + STOCK,
    lower_is_better=False,
    title=gettext_noop("On-time rate"),
    definition=gettext_noop(
        "(Ended on time + pending on time) ÷ every dossier to be handled in the period, in %: 100 % less the "
        "overdue rate. The 766 index's processing-progress points are computed from it. Higher is better."
    ),
    shown=("received", *ENDED, *STOCK),
)


# --- The year-end projection (the early warning, indicators.targets) -----------------------------
#
# A year's counts at its end, projected from the months of it that have ended: their counts, plus
# each month still to come (the month in progress among them) at the mean of the last three ended
# months; the dossiers pending at the year's end are taken to be those pending at the end of the
# last ended month. The rate is then the measure's own over these counts. The month in progress
# is left out of the projection (not counted pro rata): its flows are a few days' or weeks' and
# its stock is judged today, not at its end, so scaling it up would let the first days of a month
# swing a whole year's projection; the price is that the projection lags by up to a month.
RECENT_MONTHS = 3


@dataclass(frozen=True)
class Projection:
    """How `year`'s counts are projected to its end: months first..last_ended (yyyymm) have ended;
    the last `recent_months` of them (from recent_first) give the mean month, which stands for
    each of the `remaining` months of the year still to come."""

    year: int
    last_ended: int
    recent_months: int

    @property
    def first(self):
        return self.year * 100 + 1

    @property
    def recent_first(self):
        return self.last_ended - self.recent_months + 1

    @property
    def remaining(self):
        return 12 - self.last_ended % 100

    @classmethod
    def of(cls, *, year, current):
        """The projection of `year` seen during month `current` (yyyymm, the month in progress);
        None while no month of the year has ended (January) or before the year."""
        if current // 100 < year:
            return None
        ended = 12 if current // 100 > year else current % 100 - 1
        if ended == 0:
            return None
        return cls(year=year, last_ended=year * 100 + ended, recent_months=min(RECENT_MONTHS, ended))

    def counts_sql(self, *, alias="dm"):
        """The select list of the projected counts over DossierMonth rows `alias` of the year
        (group them by unit), one column per count named after it, each multiplied by
        recent_months so that it stays a whole number: a flow is recent_months × (its sum over
        the ended months) + remaining × (its sum over the recent ones), i.e. recent_months × (the
        ended months + remaining × the recent mean); the stock is recent_months × that of the last
        ended month. A rate is a ratio of these counts, which the common factor leaves unchanged."""
        n, r, last, recent = (int(v) for v in (self.recent_months, self.remaining, self.last_ended, self.recent_first))
        ended = f"{alias}.month BETWEEN {self.first} AND {last}"
        flows = [
            f"{n} * SUM(CASE WHEN {ended} THEN {alias}.{name} ELSE 0 END)"
            f" + {r} * SUM(CASE WHEN {alias}.month BETWEEN {recent} AND {last} THEN {alias}.{name} ELSE 0 END)"
            f" AS {name}"
            for name in FLOWS
        ]
        stock = [
            f"{n} * SUM(CASE WHEN {alias}.month = {last} THEN {alias}.{name} ELSE 0 END) AS {name}" for name in STOCK
        ]
        return ",\n               ".join(flows + stock)
