"""Reads of the audit trail, always cut down to what the viewer may see."""

from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from trail.actions import action_label, shown_changes
from units.access import sees_all_units, units_visible_to


def _ids_as_text(queryset):
    # AuditEntry.object_id is text (it holds any model's id): compare it with ids cast alike.
    return queryset.order_by().annotate(id_text=Cast("pk", CharField())).values("id_text")


def index_year_q(*, index=None, year=None):
    """A Q on AuditEntry: the entries about an index (and/or a year): scores and admin edits of
    its methodologies' criteria, its assessments' steps, its results, methodologies and bands."""
    from indicators.models import Assessment, Band, Methodology, Result

    on = {}
    if index is not None:
        on["index"] = index
    if year is not None:
        on["year"] = year
    methodology_on = {f"methodology__{key}": value for key, value in on.items()}
    methodologies = Methodology.objects.filter(**on)
    return (
        Q(criterion__in=_criterion_ids(methodology_on))
        | Q(
            object_label="indicators.Assessment",
            object_id__in=_ids_as_text(Assessment.objects.filter(**methodology_on)),
        )
        | Q(object_label="indicators.Result", object_id__in=_ids_as_text(Result.objects.filter(**on)))
        | Q(object_label="indicators.Methodology", object_id__in=_ids_as_text(methodologies))
        | Q(object_label="indicators.Band", object_id__in=_ids_as_text(Band.objects.filter(**on)))
    )


def _criterion_ids(methodology_on):
    from indicators.models import Criterion

    return Criterion.objects.filter(**methodology_on).values("pk")


def audit_entries(
    *,
    user_viewing,
    unit=None,
    criterion=None,
    actor=None,
    action=None,
    since=None,
    until=None,
    criterion_code=None,
    index=None,
    year=None,
    username=None,
    source=None,
    batch=None,
):
    """Entries the viewer may see, newest first: those of units he sees (units_visible_to);
    entries tied to no unit (a methodology import, a band) only for province-wide viewers.

    `criterion_code` matches the code in every methodology (codes repeat year after year: "1.1"
    of 2023 and of 2024); `index` and `year` narrow to what is about them (index_year_q), so
    criterion_code with index and year is one criterion."""
    entries = AuditEntry.objects.select_related("user", "unit", "criterion__methodology__index")
    if not sees_all_units(user_viewing):
        entries = entries.filter(unit__in=units_visible_to(user=user_viewing))
    if unit is not None:
        entries = entries.filter(unit=unit)
    if criterion is not None:
        entries = entries.filter(criterion=criterion)
    if actor is not None:
        entries = entries.filter(user=actor)
    if action:
        entries = entries.filter(action=action)
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    if criterion_code:
        entries = entries.filter(criterion__code=criterion_code)
    if index is not None or year is not None:
        entries = entries.filter(index_year_q(index=index, year=year))
    if username:
        entries = entries.filter(user__username=username)
    if source:
        entries = entries.filter(source=source)
    if batch:
        entries = entries.filter(batch=batch)
    return entries


# Entered in the browser without a reason: the unit's own scores, and the appraised score left as
# the unit's. An appraisal saves one per line; on the scorecard they would push the steps and the
# council's reasoned changes out of sight. The full trail (/audit/) lists them.
_ROUTINE_SCORE_ENTRIES = Q(action__in=["score.self", "score.final"], reason="", reason_code="")


def unit_trail(*, user_viewing, unit, index, year, limit=15):
    """The latest entries of a unit about an index and year that a reader of its scorecard looks
    for: its assessment's steps, its result's publication, imports, and every score changed with a
    reason (an appraisal's adjustments, a criterion marked not applicable). One query.
    Each entry has `label` (the action's name) and `shown_changes` ([(field, old, new)] as shown)."""
    entries = audit_entries(user_viewing=user_viewing, unit=unit, index=index, year=year)
    entries = list(entries.exclude(_ROUTINE_SCORE_ENTRIES)[:limit])
    for entry in entries:
        entry.label = action_label(entry.action)
        entry.shown_changes = shown_changes(entry.changes)
    return entries


def _criterion_text(criterion):
    """1.1 (par 2024): a code alone repeats in every year's methodology."""
    if criterion is None:
        return ""
    methodology = criterion.methodology
    return f"{criterion.code} ({methodology.index.code} {methodology.year})"


def audit_export_rows(entries):
    """The header and one row per entry, for reformdash.lib.export; iterated in chunks so that a
    long trail is never held whole."""
    yield [
        _("At"),
        _("User"),
        _("Action"),
        _("What"),
        _("Object"),
        _("Unit"),
        _("Criterion"),
        _("Changes"),
        _("Reason"),
        _("Batch"),
        _("Source"),
    ]
    for entry in entries.iterator(chunk_size=2000):
        yield [
            entry.at,  # a date: the CSV writes it dd/mm/yyyy hh:mm:ss in Vietnam time, as the page does
            entry.user.get_username() if entry.user else "",
            entry.action,
            str(action_label(entry.action)),
            f"{entry.object_label}#{entry.object_id}" if entry.object_label else "",
            entry.unit.code if entry.unit else "",
            _criterion_text(entry.criterion),
            "; ".join(f"{field}: {old} → {new}" for field, (old, new) in entry.changes.items()),
            entry.reason_shown,  # in the reader's language where our code gave it (audit.reasons)
            entry.batch,
            entry.get_source_display(),
        ]
