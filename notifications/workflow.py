"""Notifications of the scoring workflow (issue 20 item 3): who hears of each AssessmentStep.

    submitted            → the appraisers (they act next)
    returned, appraised  → the unit's head and officers (they answer for its self-assessment)
    published            → the unit's head and officers, one notification per user and publication

Staff (read only) are not told of submissions: they act on none, and follow the province in the
weekly digest. A reopening (published → appraised) is the council's correction, not news for the
unit: it is told when the corrected result is published again. The user who made the step is not
told of it.

The sweep is set-wise and idempotent: it reads the steps of the last SWEEP_WITHIN that have no
notification yet (one query for the steps, one for the keys already written, one for the members
of their units, one for the appraisers), builds the rows and hands them to notify_many, which
writes each (user, key) once and drops those about units the user may not see. A step's key is
"step:<id>"; a publication's steps share "publication:<id>", so a member of many published units
gets one notification naming the first and counting the others, not one per assessment.
"""

import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from indicators.models import AssessmentStatus, AssessmentStep, Publication
from notifications.models import Kind, Notification
from notifications.services import NewNotification, notify_many
from notifications.texts import Rendered, renders
from units.access import Action, appraiser_ids, unit_actors

S = AssessmentStatus

# Steps older than this when the sweep first sees them are not told: beat runs every minute, so
# this only matters after an outage; longer would tell a unit of what it has long acted on.
SWEEP_WITHIN = datetime.timedelta(days=2)

KIND_OF_STATUS = {
    S.SUBMITTED: Kind.SUBMITTED,
    S.RETURNED: Kind.RETURNED,
    S.APPRAISED: Kind.APPRAISED,
    S.PUBLISHED: Kind.PUBLISHED,
}


def _publication(field):
    """The publication a published step belongs to: the methodology's latest one recorded before
    the step (methodology_publish creates the Publication, then the steps, in one transaction)."""
    return Subquery(
        Publication.objects.filter(
            methodology_id=OuterRef("assessment__methodology_id"), published_at__lte=OuterRef("at")
        )
        .order_by("-published_at", "-pk")
        .values(field)[:1]
    )


def _steps(since):
    return list(
        AssessmentStep.objects.filter(at__gte=since, to_status__in=list(KIND_OF_STATUS))
        .exclude(from_status=S.PUBLISHED)
        .annotate(publication_id=_publication("pk"), decision=_publication("decision_reference"))
        .values(
            "pk",
            "to_status",
            "comment",
            "user_id",
            "user__username",
            "user__first_name",
            "user__last_name",
            "publication_id",
            "decision",
            "assessment_id",
            "assessment__unit_id",
            "assessment__unit__code",
            "assessment__unit__name",
            "assessment__methodology__year",
            "assessment__methodology__index__code",
            "assessment__methodology__index__name_vi",
            "assessment__methodology__index__name_en",
        )
        .order_by("pk")
    )


def _key(step):
    if step["to_status"] == S.PUBLISHED and step["publication_id"] is not None:
        return f"publication:{step['publication_id']}"
    return f"step:{step['pk']}"


def _params(step):
    actor = " ".join(part for part in (step["user__first_name"], step["user__last_name"]) if part)
    return {
        "unit_code": step["assessment__unit__code"],
        "unit_name": step["assessment__unit__name"],
        "index_code": step["assessment__methodology__index__code"],
        "index_vi": step["assessment__methodology__index__name_vi"],
        "index_en": step["assessment__methodology__index__name_en"],
        "year": step["assessment__methodology__year"],
        "actor": actor or step["user__username"] or "",
        "comment": step["comment"],
    }


def _number(reference):
    """The decision's reference without its leading "Quyết định" (Publication.decision_number)."""
    return Publication(decision_reference=reference).decision_number if reference else ""


def _url(step):
    if step["to_status"] == S.PUBLISHED:
        code = step["assessment__unit__code"]
        index = step["assessment__methodology__index__code"]
        return f"{reverse('unit_scorecard', kwargs={'code': code})}?index={index}&year={step['assessment__methodology__year']}"
    return reverse("assessment_detail", kwargs={"assessment_id": step["assessment_id"]})


def workflow_rows(*, now=None):
    """The NewNotifications of the recent steps that have none yet (before the access check)."""
    now = now or timezone.now()
    since = now - SWEEP_WITHIN
    steps = _steps(since)
    if not steps:
        return []
    # A notification of a step is written after it, so the keys already written are among the
    # notifications of the same window (created_at is indexed; the key alone is not).
    written = set(
        Notification.objects.filter(created_at__gte=since, key__in={_key(step) for step in steps})
        .order_by()
        .values_list("key", flat=True)
        .distinct()
    )
    steps = [step for step in steps if _key(step) not in written]
    members = unit_actors(
        action=Action.ENTER_SELF_ASSESSMENT,
        unit_ids={step["assessment__unit_id"] for step in steps if step["to_status"] != S.SUBMITTED},
    )
    appraisers = appraiser_ids() if any(step["to_status"] == S.SUBMITTED for step in steps) else []

    rows = []
    # {(user, publication key): [steps of his units]}: one notification per user and publication.
    published = defaultdict(list)
    for step in steps:
        kind = KIND_OF_STATUS[step["to_status"]]
        recipients = appraisers if kind == Kind.SUBMITTED else sorted(members.get(step["assessment__unit_id"], ()))
        for user_id in recipients:
            if user_id == step["user_id"]:
                continue
            if kind == Kind.PUBLISHED:
                published[(user_id, _key(step))].append(step)
                continue
            rows.append(
                NewNotification(
                    user_id=user_id,
                    kind=kind,
                    key=_key(step),
                    unit_id=step["assessment__unit_id"],
                    params=_params(step),
                    url=_url(step),
                )
            )
    for (user_id, key), his in published.items():
        his.sort(key=lambda step: step["assessment__unit__code"])
        first = his[0]
        rows.append(
            NewNotification(
                user_id=user_id,
                kind=Kind.PUBLISHED,
                key=key,
                unit_id=first["assessment__unit_id"],
                # Not the step's comment: it names the units the publication left out, which the
                # member may not see (methodology_publish).
                params={
                    **_params(first),
                    "comment": "",
                    "decision": _number(first["decision"]),
                    "others": len(his) - 1,
                },
                url=_url(first),
            )
        )
    return rows


@transaction.atomic
def workflow_sweep(*, now=None):
    """Write the notifications of the workflow's recent steps that have none yet; returns how many
    rows were offered after the access check (running it again offers none). One transaction: a
    step's (or publication's) notifications are all written or none, which is what lets the next
    sweep skip a key that has one."""
    return notify_many(workflow_rows(now=now))


# --- the words --------------------------------------------------------------------------------


def _words(params):
    english = (get_language() or "vi").startswith("en")
    index = (params.get("index_en") if english else None) or params.get("index_vi") or params.get("index_code", "")
    return {"unit": params.get("unit_name", ""), "index": index, "year": params.get("year", "")}


# The words of a step told to one unit or to the appraisers: (subject, body, what its comment is).
STEP_WORDS = {
    Kind.SUBMITTED: (
        gettext_lazy("%(unit)s submitted its %(index)s %(year)s self-assessment for appraisal"),
        gettext_lazy("Submitted by %(actor)s. It waits for appraisal."),
        gettext_lazy("Note"),
    ),
    Kind.RETURNED: (
        gettext_lazy("The %(index)s %(year)s self-assessment of %(unit)s was returned for changes"),
        gettext_lazy("Returned by %(actor)s. Correct it and submit it again."),
        gettext_lazy("What to correct"),
    ),
    Kind.APPRAISED: (
        gettext_lazy("The %(index)s %(year)s self-assessment of %(unit)s was appraised"),
        gettext_lazy("The appraisal was accepted; the results become official when they are published."),
        gettext_lazy("Note"),
    ),
}


@renders(*STEP_WORDS)
def _step(notification):
    subject, body, comment_is = STEP_WORDS[notification.kind]
    p = notification.params
    words = {**_words(p), "actor": p.get("actor", "")}
    body = str(body) % words
    if p.get("comment"):
        body += f"\n{comment_is}: {p['comment']}"
    return Rendered(subject=str(subject) % words, body=body)


@renders(Kind.PUBLISHED)
def _published(notification):
    p = notification.params
    others = p.get("others") or 0
    words = _words(p)
    if others:
        subject = ngettext(
            "The %(index)s %(year)s results of %(unit)s and %(others)d other unit of yours were published",
            "The %(index)s %(year)s results of %(unit)s and %(others)d other units of yours were published",
            others,
        ) % {**words, "others": others}
    else:
        subject = _("The %(index)s %(year)s results of %(unit)s were published") % words
    decision = p.get("decision")
    body = _("Published by decision %(decision)s.") % {"decision": decision} if decision else ""
    return Rendered(subject=subject, body=body)
