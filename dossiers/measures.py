"""The rules of the 766 index for a dossier's timeliness (Quyết định 766/QĐ-TTg; DESIGN.md §3).

Each rule is one function, and its docstring is what the methodology page shows (in Vietnamese
through the translation catalogue: `rule` below). The monthly statistics apply the same rules in
SQL (dossiers/stats.py); the tests hold the two together by checking the SQL counts against these
functions on random dossiers.
"""

import datetime
from decimal import Decimal

from django.utils import timezone
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
    local = timezone.localtime(moment)
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


def months_between(first, last):
    """Every yyyymm month from `first` to `last`, both included."""
    months, month = [], first
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


@rule(
    gettext_noop("Time waiting for the citizen"),
    gettext_noop(
        "Time spent waiting for the citizen to supplement the dossier does not count against the unit: "
        "it is taken off the completion time before that is compared with the due date."
    ),
)
def effective_completion(completed_at, supplement_days):
    if completed_at is None:
        return None
    return completed_at - datetime.timedelta(days=float(supplement_days or 0))


@rule(
    gettext_noop("Completed on time or late"),
    gettext_noop(
        "A completed dossier is on time if and only if its completion time, less the citizen's supplement "
        "time, is at or before the due date; otherwise it was completed late. A dossier the unit asked the "
        "citizen to supplement more than once counts as late whatever the dates."
    ),
)
def completed_late(*, effective_completed_at, due_at, supplement_requests):
    return supplement_requests > 1 or effective_completed_at > due_at


@rule(
    gettext_noop("Pending on time or overdue"),
    gettext_noop(
        "A dossier still pending at the end of the period (or now, in the current period) is overdue if its "
        "due date is before that moment; otherwise it is pending on time. More than one supplement request "
        "makes it overdue too."
    ),
)
def pending_overdue(*, due_at, at, supplement_requests):
    return supplement_requests > 1 or due_at < at


@rule(
    gettext_noop("Pending"),
    gettext_noop(
        "A dossier is pending at a moment if it was received before it and not completed by it. Dossiers "
        "returned to the citizen or withdrawn are no longer pending once they are."
    ),
)
def is_pending_at(*, received_at, completed_at, status, at):
    if status in ("returned", "withdrawn") and completed_at is None:
        return False
    return received_at < at and (completed_at is None or completed_at >= at)


def rate(numerator, denominator):
    """numerator ÷ denominator in %, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(numerator) * PERCENT / Decimal(denominator)).quantize(Decimal("0.000001"))


@rule(
    gettext_noop("Overdue rate"),
    gettext_noop(
        "Overdue rate = (completed late + pending overdue) ÷ (completed + pending) in the period, in %. "
        "Lower is better."
    ),
)
def overdue_rate(*, completed_late, pending_overdue, completed, pending):
    return rate(completed_late + pending_overdue, completed + pending)


# The other measures are plain shares of the period's dossiers (indicators.recompute.DOSSIER_MEASURES
# holds their SQL); the methodology page shows these definitions next to the rules above.
SHARES = (
    (
        gettext_noop("Online submission rate"),
        gettext_noop("Dossiers received online ÷ dossiers received in the period, in %. Higher is better."),
    ),
    (
        gettext_noop("Fully-online rate"),
        gettext_noop("Dossiers handled fully online ÷ dossiers received in the period, in %. Higher is better."),
    ),
    (
        gettext_noop("Online payment rate"),
        gettext_noop(
            "Dossiers whose fee was paid online ÷ dossiers received with a fee in the period, in %. Higher is better."
        ),
    ),
    (
        gettext_noop("Results entered rate"),
        gettext_noop(
            "Completed dossiers whose result was entered in the one-stop system ÷ dossiers completed in the period, "
            "in %. Higher is better."
        ),
    ),
)
