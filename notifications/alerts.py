"""Threshold alerts (issue 20 item 3): a unit's month worse than its target, and a remediation
action past its deadline. The daily job offers every alert whose condition holds; the log
(Notification's unique user and key) writes each once, so an alert fires when its condition first
holds and never again for the same month or the same deadline. The e-mail follows through
notifications.mail.mail_send_pending, once too.

What is judged. A rate alert judges the month just ended, a whole month, on the statistics the
index computed from dossiers reads (dossiers.models.DossierMonth, the unit's own dossiers): the
running month is judged by the early-warning page (indicators.targets.early_warnings), since a
rate of a few days swings and an alert cannot be taken back. Every day of the next month judges it
again, so statistics that arrive late (a dossier imported on the 5th) still raise the alert, once.
Each index computed from dossiers that has a target for the unit is a rate: the overdue rate, and
any other measure given a target (worse: above it where lower is better, below it where higher is).

Who receives them. A rate alert goes to whoever sees the unit by membership: its own members and
those of the units above it (units.access.members_seeing_units): the unit's head answers for its
rate, the district's head oversees his communes. Not to Sở Nội vụ staff, appraisers and
administrators: they see every unit, so they would receive one alert for each unit of the province
each month; the early-warning page lists them all at once. An action alert goes to the head and
officers of the plan's unit, who write its plan and follow its actions (units.access: EDIT_PLAN);
staff follow every unit's overdue actions on the remediation coverage page.

Nothing is written for a user who would see no trace of it (unheard). notify_many drops what is
about a unit the user may not see: the recipients above are members who see it, so nothing is
dropped, but the check stays the last word.
"""

import datetime
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import DecimalField, Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext

from dossiers.forms import PERIOD_MONTH, SHOW_LATE
from dossiers.measures import MEASURES, month_of, previous_month
from dossiers.models import DossierMonth, Scope
from indicators.models import Direction, Index
from indicators.targets import target_of
from notifications.models import Kind, NotificationPreference
from notifications.services import NewNotification, notify_many
from notifications.texts import Rendered, renders
from reformdash.lib.fields import STORED_QUANTUM, as_decimal
from reformdash.lib.numbers import in_unit
from remediation.models import PlanAction
from remediation.selectors import overdue_q
from units.access import Action, members_seeing_units, unit_actors


def unheard(kind):
    """The users who would see no trace of a notification of `kind`: they turned the inbox off for
    it, and e-mail too (or have no address). Nothing is written for them, so turning the kind back
    on later lets a condition that still holds reach them."""
    inbox_off = NotificationPreference.objects.filter(user=OuterRef("pk"), kind=kind, in_app=False)
    return get_user_model().objects.filter(
        Exists(inbox_off), Q(email="") | Q(email__isnull=True) | Exists(inbox_off.filter(by_email=False))
    )


def _offer(kind, rows):
    """notify_many of the (user ids, NewNotification fields) `rows`: one notification of `kind` to
    each user but those who would not hear it (one query for them all)."""
    rows = list(rows)
    user_ids = {user_id for user_ids, _ in rows for user_id in user_ids}
    deaf = set(unheard(kind).filter(pk__in=user_ids).values_list("pk", flat=True))
    return notify_many(
        NewNotification(user_id=user_id, kind=kind, **fields)
        for user_ids, fields in rows
        for user_id in sorted(set(user_ids) - deaf)
    )


def month_label(month):
    """yyyymm → "2026-11", as the keys and parameters write a month."""
    return f"{month // 100:04d}-{month % 100:02d}"


# --- A unit's month worse than its target ---------------------------------------------------------


def rates_missing_target(*, index, month):
    """(unit id, unit code, rate, target value) of the units whose rate on the index (one computed
    from dossiers: its dossier_measure) in the month, over their own dossiers, is worse than the
    value of the target they answer to for the month's year (indicators.targets decides which).
    One query: the rate is the measure's own SQL (dossiers.measures) on the month's row."""
    measure = MEASURES[index.dossier_measure]
    rate = RawSQL(
        f"CASE WHEN {measure.denominator_sql} > 0 THEN {measure.rate_sql} END",
        [],
        output_field=DecimalField(max_digits=20, decimal_places=6),
    )
    worse = "rate__gt" if index.direction == Direction.LOWER else "rate__lt"
    return (
        DossierMonth.objects.filter(month=month, scope=Scope.OWN)
        .annotate(target_value=target_of("value", index=index.pk, year=month // 100), rate=rate)
        .filter(target_value__isnull=False, rate__isnull=False, **{worse: F("target_value")})
        .order_by("unit_id")
        .values_list("unit_id", "unit__code", "rate", "target_value")
    )


def _stored(number):
    """A rate or target as the six-decimal text the parameters keep, the same on SQLite and PostgreSQL."""
    return str(as_decimal(number).quantize(STORED_QUANTUM))


def _rate_url(*, index, unit_code, month):
    year, number = divmod(month, 100)
    if MEASURES[index.dossier_measure].lists_overdue:
        # The dossiers behind the rate: those of the unit completed late in the month.
        query = {"show": SHOW_LATE, "scope": Scope.OWN, "period": PERIOD_MONTH, "year": year, "month": number}
        return f"{reverse('unit_overdue_dossiers', kwargs={'code': unit_code})}?{urlencode(query)}"
    return f"{reverse('unit_scorecard', kwargs={'code': unit_code})}?{urlencode({'index': index.code, 'year': year})}"


def rate_alerts(*, month=None, now=None):
    """Offer an alert to each recipient of each unit whose rate in `month` (yyyymm; by default the
    month just ended) is worse than its target, keyed "rate:<unit id>:<index code>:<yyyy-mm>":
    written once. Returns how many were offered."""
    month = month or previous_month(month_of(now or timezone.now()))
    rows = []
    for index in Index.objects.filter(dossier_measure__in=list(MEASURES)).order_by("code"):
        missed = list(rates_missing_target(index=index, month=month))
        recipients = members_seeing_units(unit_ids=[unit_id for unit_id, *_ in missed])
        for unit_id, unit_code, rate, target in missed:
            fields = {
                "key": f"rate:{unit_id}:{index.code}:{month_label(month)}",
                "unit_id": unit_id,
                "params": {
                    "index": index.pk,
                    "month": month_label(month),
                    "value": _stored(rate),
                    "target": _stored(target),
                },
                "url": _rate_url(index=index, unit_code=unit_code, month=month),
            }
            rows.append((recipients.get(unit_id, ()), fields))
    return _offer(Kind.RATE_ABOVE_TARGET, rows)


# --- A remediation action past its deadline -------------------------------------------------------


def action_alerts(*, today=None):
    """Offer an alert to the head and officers of the plan's unit for each action past its deadline
    and not done (remediation.selectors.overdue_q), keyed "action:<id>:<deadline>": written once,
    again only if the deadline is moved and passes again. Returns how many were offered."""
    actions = list(
        PlanAction.objects.filter(overdue_q(today=today))
        .order_by("deadline", "pk")
        .values_list(
            "pk",
            "deadline",
            "what",
            "item__plan__unit_id",
            "item__plan__unit__code",
            "item__plan__index__code",
            "item__plan__year",
        )
    )
    actors = unit_actors(action=Action.EDIT_PLAN, unit_ids={row[3] for row in actions})
    rows = [
        (
            actors.get(unit_id, ()),
            {
                "key": f"action:{action_id}:{deadline.isoformat()}",
                "unit_id": unit_id,
                "params": {"what": what, "deadline": deadline.isoformat(), "index": index_code, "year": year},
                "url": reverse("remediation_plan", kwargs={"code": unit_code, "index": index_code, "year": year}),
            },
        )
        for action_id, deadline, what, unit_id, unit_code, index_code, year in actions
    ]
    return _offer(Kind.ACTION_OVERDUE, rows)


def alerts_offer(*, now=None):
    """The daily job: both kinds of alert; returns how many were offered (each written once)."""
    now = now or timezone.now()
    return rate_alerts(now=now) + action_alerts(today=timezone.localdate(now))


# --- In words -------------------------------------------------------------------------------------


def _month_words(label):
    year, number = label.split("-")
    return f"{int(number)}/{year}"


@renders(Kind.RATE_ABOVE_TARGET)
def rate_words(notification):
    params = notification.params
    index = Index.objects.filter(pk=params.get("index")).first()
    words = {
        "unit": notification.unit.name if notification.unit_id else "",
        "index": index.name if index else gettext("an index"),
        "month": _month_words(params["month"]),
    }
    subject = gettext("%(unit)s: %(index)s of %(month)s missed its target") % words
    if index is None:
        return Rendered(subject=subject)
    words["value"] = in_unit(params["value"], index)
    words["target"] = f"{'≤' if index.direction == Direction.LOWER else '≥'} {in_unit(params['target'], index)}"
    body = gettext(
        "%(index)s of %(unit)s for the month %(month)s was %(value)s; its target is %(target)s. "
        "This alert is sent once for the month."
    )
    return Rendered(subject=subject, body=body % words)


@renders(Kind.ACTION_OVERDUE)
def action_words(notification):
    params = notification.params
    deadline = formats.date_format(datetime.date.fromisoformat(params["deadline"]), "SHORT_DATE_FORMAT")
    words = {"unit": notification.unit.name if notification.unit_id else "", "deadline": deadline}
    subject = gettext("%(unit)s: a remediation action is past its deadline of %(deadline)s") % words
    words.update(what=params.get("what", ""), year=params.get("year", ""))
    body = gettext("“%(what)s”, of the %(year)s remediation plan, was due on %(deadline)s and is not done.") % words
    return Rendered(subject=subject, body=body)
