"""Whether a result is official or provisional: the one rule the scorecard, the rankings page and
its exports, the overview, `export_rankings` and the API all ask (issue 17, item 7).

A result is official when a publishing decision made its figures official and they are still the
figures it shows, or when it is a value entered from the publishing body's own decision. The
facts come from three places that can disagree — the result's publication, its latest published
revision, and the status of the unit's assessment — so the rule names every way they can, and the
pages say which one holds instead of contradicting each other ("Chưa công bố" beside an
assessment "Đã công bố"):

- official:     published by a decision recorded here; the figures are the published ones;
- entered:      a published value entered from the publishing body's decision (source published);
- reopened:     official by its decision, and the assessment reopened for a correction that has
                not changed the figures (yet);
- correcting:   published once, the assessment reopened and the figures changed: provisional
                until the correction is published;
- changed:      published once, the figures changed since (a recompute: another unit's scores
                moved the ranks): provisional until a new decision;
- no_decision:  the assessment is marked published but no decision made this result official
                (data loaded or imported so): provisional;
- provisional:  not published.

The state is one SQL expression (official_state), so that a list of 3,321 rows and a filter (the
public rankings) ask it in the database, not row by row.
"""

from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from indicators.models import Assessment, AssessmentStatus, Result, ResultRevision, ResultSource


class OfficialState(models.TextChoices):
    OFFICIAL = "official", _("Official")
    ENTERED = "entered", _("Official (published value)")
    REOPENED = "reopened", _("Official, reopened for correction")
    CORRECTING = "correcting", _("Provisional: correction under way")
    CHANGED = "changed", _("Provisional: changed since publication")
    NO_DECISION = "no_decision", _("Provisional: no publishing decision recorded")
    PROVISIONAL = "provisional", _("Provisional")


OFFICIAL_STATES = frozenset({OfficialState.OFFICIAL, OfficialState.ENTERED, OfficialState.REOPENED})


def is_official(state):
    """True when a result in this state (official_state) reads official."""
    return state in OFFICIAL_STATES


def _figures_as_published():
    """The result still shows the figures its publication made official: the revision that
    publication wrote (a publication writes at most one per result) has its value, rank and group size."""
    return Exists(
        ResultRevision.objects.filter(
            result=OuterRef("pk"), publication=OuterRef("publication"), value=OuterRef("value")
        )
        .alias(shown_rank=Coalesce("rank", 0), shown_group_size=Coalesce("group_size", 0))
        .filter(
            shown_rank=Coalesce(OuterRef("rank"), 0),
            shown_group_size=Coalesce(OuterRef("group_size"), 0),
        )
    )


def official_state():
    """The expression of a Result's OfficialState (the rule of this module's docstring)."""
    reopened = Q(Exists(_assessment_in(s for s in AssessmentStatus.values if s != AssessmentStatus.PUBLISHED)))
    as_published = Q(_figures_as_published())
    return Case(
        When(source=ResultSource.PUBLISHED, then=Value(OfficialState.ENTERED.value)),
        When(
            Q(publication__isnull=True) & Q(Exists(_published_assessment())),
            then=Value(OfficialState.NO_DECISION.value),
        ),
        When(publication__isnull=True, then=Value(OfficialState.PROVISIONAL.value)),
        When(~as_published & reopened, then=Value(OfficialState.CORRECTING.value)),
        When(~as_published, then=Value(OfficialState.CHANGED.value)),
        When(reopened, then=Value(OfficialState.REOPENED.value)),
        default=Value(OfficialState.OFFICIAL.value),
        output_field=models.CharField(),
    )


def _assessment_in(statuses):
    return Assessment.objects.filter(
        unit=OuterRef("unit"),
        methodology__index=OuterRef("index"),
        methodology__year=OuterRef("year"),
        methodology__unit_kind=OuterRef("unit__kind"),
        status__in=list(statuses),
    )


def _published_assessment():
    return _assessment_in([AssessmentStatus.PUBLISHED])


def with_official_state(results):
    """`results` (a Result queryset) with `official_state` on each row."""
    return results.annotate(official_state=official_state())


def official_results_q():
    """A Q on Result: the results that read official — what "published" means for public readers."""
    return Q(
        Exists(with_official_state(Result.objects.filter(pk=OuterRef("pk"))).filter(official_state__in=OFFICIAL_STATES))
    )


def result_official_state(result):
    """The OfficialState of one result (its own row, asked of the database)."""
    state = with_official_state(Result.objects.filter(pk=result.pk)).values_list("official_state", flat=True).first()
    return OfficialState(state) if state else OfficialState.PROVISIONAL
