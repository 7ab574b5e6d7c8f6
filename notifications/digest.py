"""The weekly digest (issue 20 item 3): to each member of a unit, once a week, what his units have
to answer for — dossiers pending past their due date now, remediation actions overdue or due in the
next seven days, results published and assessments appraised in the past week — each unit with the
units under it, which he sees by his membership (units.access: a member sees his units and
everything under them). Keyed "digest:<ISO year>-W<week>": written once a week however often the
job runs; e-mailed once by notifications.mail.mail_send_pending.

Who receives it: every active member of a unit who would see it (alerts.unheard: not one who turned
both the inbox and e-mail off for it), and who has something to be told: a week with nothing to say
writes nothing. Sở Nội vụ staff and appraisers who are members of no unit receive none: theirs would
be the whole province, which the overview shows; a membership of the province gives them one.

Never a word about a unit the recipient may not see: the units are his memberships' subtrees, which
are exactly what he sees as a member, and the words are written when read (digest_words) for the
units he still sees then, by their names then.

Set-wise: each figure is one query grouped by unit over the union of the recipients' subtrees; the
sums per member's unit are added up over the (unit, unit under it) pairs of one recursive query
(units.access.subtree_pairs), not by asking again for each user.
"""

import datetime
from collections import Counter, defaultdict

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from dossiers.measures import pending_overdue_q, pending_q
from dossiers.models import Dossier
from indicators.models import AssessmentStatus, AssessmentStep, Index, Result
from notifications.alerts import unheard
from notifications.models import Kind
from notifications.services import NewNotification, notify_many
from notifications.texts import Rendered, renders
from remediation.models import ActionStatus, PlanAction
from remediation.selectors import overdue_q
from units.access import subtree_pairs, units_in_subtrees, units_visible_to
from units.models import Membership, Unit

WEEK = datetime.timedelta(days=7)
# Actions due within this many days from today are announced as coming.
DUE_SOON_DAYS = 7


def week_label(day):
    """The ISO week of a date: "2026-W49"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _per_unit(queryset, *fields):
    """{unit id: [(index id, year), …]} of a queryset, read through `fields` (the unit's, the
    index's and the year's), each (unit, index, year) once."""
    rows = defaultdict(list)
    for unit_id, index_id, year in queryset.order_by().values_list(*fields).distinct():
        rows[unit_id].append((index_id, year))
    return rows


def digest_figures(*, root_ids, now):
    """{unit id: figures} of each of `root_ids` with the units under it: overdue (dossiers pending
    past their due date at `now`: dossiers.measures), actions_overdue and actions_due (in the next
    DUE_SOON_DAYS days, not done), published and appraised (Counters of (index id, year): how many
    of its units had a result published, an assessment appraised, in the week before `now`)."""
    today = timezone.localdate(now)
    units = units_in_subtrees(roots=Unit.objects.filter(pk__in=root_ids))
    # The dossiers by a list of the units' ids, not a subquery: with the subquery PostgreSQL
    # scanned every dossier of the history (dossiers.selectors.overdue_counts).
    overdue = dict(
        Dossier.objects.filter(unit_id__in=list(units.values_list("pk", flat=True)))
        .filter(pending_q(now))
        .filter(pending_overdue_q(now))
        .order_by()
        .values("unit_id")
        .annotate(count=Count("pk"))
        .values_list("unit_id", "count")
    )
    actions = {
        row["item__plan__unit_id"]: row
        for row in PlanAction.objects.filter(item__plan__unit__in=units, deadline__lte=today + WEEK)
        .exclude(status=ActionStatus.DONE)
        .order_by()
        .values("item__plan__unit_id")
        .annotate(overdue=Count("pk", filter=overdue_q(today=today)), due=Count("pk", filter=Q(deadline__gte=today)))
    }
    since = now - WEEK
    published = _per_unit(
        Result.objects.filter(unit__in=units, publication__published_at__gte=since, publication__published_at__lt=now),
        "unit_id",
        "index_id",
        "year",
    )
    appraised = _per_unit(
        AssessmentStep.objects.filter(
            to_status=AssessmentStatus.APPRAISED, at__gte=since, at__lt=now, assessment__unit__in=units
        ),
        "assessment__unit_id",
        "assessment__methodology__index_id",
        "assessment__methodology__year",
    )
    return _sum_per_root(subtree_pairs(root_ids=root_ids), overdue, actions, published, appraised)


def _sum_per_root(pairs, overdue, actions, published, appraised):
    figures = {}
    for root_id, unit_id in pairs:
        entry = figures.setdefault(
            root_id,
            {"overdue": 0, "actions_overdue": 0, "actions_due": 0, "published": Counter(), "appraised": Counter()},
        )
        entry["overdue"] += overdue.get(unit_id, 0)
        if unit_id in actions:
            entry["actions_overdue"] += actions[unit_id]["overdue"]
            entry["actions_due"] += actions[unit_id]["due"]
        entry["published"].update(published.get(unit_id, ()))
        entry["appraised"].update(appraised.get(unit_id, ()))
    return figures


def _has_news(entry):
    return any(
        (entry["overdue"], entry["actions_overdue"], entry["actions_due"], entry["published"], entry["appraised"])
    )


def _as_params(unit_id, entry):
    def counted(counter):
        return [[index_id, year, count] for (index_id, year), count in sorted(counter.items())]

    return {
        "unit": unit_id,
        "overdue": entry["overdue"],
        "actions_overdue": entry["actions_overdue"],
        "actions_due": entry["actions_due"],
        "published": counted(entry["published"]),
        "appraised": counted(entry["appraised"]),
    }


def digest_offer(*, now=None):
    """The weekly job: a digest to each member with something to be told, keyed by the ISO week of
    `now` (Vietnam's day). Returns how many were offered (each written once)."""
    now = now or timezone.now()
    memberships = (
        Membership.objects.filter(user__is_active=True)
        .exclude(user__in=unheard(Kind.DIGEST))
        .order_by("user_id", "unit_id")
        .values_list("user_id", "unit_id")
    )
    units_of = defaultdict(list)
    for user_id, unit_id in memberships:
        units_of[user_id].append(unit_id)
    figures = digest_figures(root_ids={unit_id for ids in units_of.values() for unit_id in ids}, now=now)
    week = week_label(timezone.localdate(now))
    rows = []
    for user_id, unit_ids in units_of.items():
        entries = [_as_params(unit_id, figures[unit_id]) for unit_id in unit_ids if _has_news(figures[unit_id])]
        if entries:
            rows.append(
                NewNotification(
                    user_id=user_id,
                    kind=Kind.DIGEST,
                    key=f"digest:{week}",
                    params={"week": week, "units": entries},
                    url=reverse("home"),
                )
            )
    return notify_many(rows)


# --- In words -------------------------------------------------------------------------------------


def _results_words(counted, indices):
    parts = []
    for index_id, year, count in counted:
        index = indices.get(index_id)
        if index is not None:
            parts.append(
                ngettext("%(index)s %(year)s (%(count)s unit)", "%(index)s %(year)s (%(count)s units)", count)
                % {"index": index.name, "year": year, "count": count}
            )
    return "; ".join(parts)


@renders(Kind.DIGEST)
def digest_words(notification):
    """The digest's text, of the units its reader still sees (units.access), by their names now."""
    params = notification.params
    week = params.get("week", "")
    year, _, number = week.partition("-W")
    subject = gettext("Weekly digest, week %(week)s") % {"week": f"{int(number or 0)}/{year}"}
    entries = {entry["unit"]: entry for entry in params.get("units", [])}
    units = units_visible_to(user=notification.user, queryset=Unit.objects.filter(pk__in=list(entries)))
    indices = Index.objects.in_bulk(
        {row[0] for entry in entries.values() for row in entry["published"] + entry["appraised"]}
    )
    lines = [gettext("What your units have to answer for this week, each with the units under it:")]
    for unit in units.order_by("name", "code"):
        entry = entries[unit.pk]
        lines += ["", unit.name]
        for field, words in (
            ("overdue", gettext("Dossiers pending past their due date now: %(count)s")),
            ("actions_overdue", gettext("Remediation actions past their deadline: %(count)s")),
            ("actions_due", gettext("Remediation actions due in the next 7 days: %(count)s")),
        ):
            if entry[field]:
                lines.append("- " + words % {"count": entry[field]})
        for field, words in (
            ("published", gettext("Results published this week: %(what)s")),
            ("appraised", gettext("Assessments appraised this week: %(what)s")),
        ):
            what = _results_words(entry[field], indices)
            if what:
                lines.append("- " + words % {"what": what})
    return Rendered(subject=subject, body="\n".join(lines))
