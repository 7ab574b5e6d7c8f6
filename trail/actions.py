"""What the audit trail's codes mean to a reader: a label for every action the code writes, and
changes shown the page's way (decimals with a comma in Vietnamese, dates dd/mm/yyyy).

Every `action=` the services and the admin write has a label here (tests/trail/test_audit_actions.py
greps the code for them); an unknown code is shown as it is."""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.template.defaultfilters import floatformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from indicators.models import AssessmentStatus
from reformdash.lib.vietnamese import sorted_vietnamese

ACTION_LABELS = {
    # assessments.workflow and assessments.services: the workflow in the browser
    "score.self": _("Self-assessed score entered"),
    "score.not_applicable": _("Criterion marked not applicable"),
    "score.final": _("Appraised score entered"),
    "assessment.start": _("Self-assessment started"),
    "assessment.submit": _("Assessment submitted"),
    "assessment.return": _("Assessment returned to the unit"),
    "assessment.appraise": _("Assessment appraised"),
    "assessment.publish": _("Assessment published"),
    "assessment.reopen": _("Published assessment reopened"),
    "result.published": _("Result published"),
    "evidence.add": _("Evidence file added"),
    "evidence.delete": _("Evidence file removed"),
    # remediation.services: the remediation plans (issue 20)
    "plan.create": _("Remediation plan filed"),
    "plan.item": _("Criterion added to a remediation plan"),
    "plan.cause": _("Cause of a loss written"),
    "plan.action_add": _("Remediation action added"),
    "plan.action_change": _("Remediation action changed"),
    "plan.submit": _("Remediation plan submitted for review"),
    "plan.accept": _("Remediation plan accepted"),
    "plan.return": _("Remediation plan returned to the unit"),
    # indicators.importers and units.importers: imports (browser or command line)
    "score.import": _("Score imported"),
    "result.import": _("Published result imported"),
    "methodology.import": _("Methodology imported"),
    "unit.import": _("Unit imported"),
    "unit.move": _("Unit moved to another parent (import)"),
    "unitlineage.import": _("Unit lineage imported"),
    # audit.services.audit_admin_save / audit_admin_delete: the Django admin
    "index.add": _("Index added (admin)"),
    "index.change": _("Index changed (admin)"),
    "index.delete": _("Index deleted (admin)"),
    "methodology.add": _("Methodology added (admin)"),
    "methodology.change": _("Methodology changed (admin)"),
    "methodology.delete": _("Methodology deleted (admin)"),
    "criterion.add": _("Criterion added (admin)"),
    "criterion.change": _("Criterion changed (admin)"),
    "criterion.delete": _("Criterion deleted (admin)"),
    "assessment.add": _("Assessment added (admin)"),
    "assessment.change": _("Assessment changed (admin)"),
    "assessment.delete": _("Assessment deleted (admin)"),
    "score.add": _("Score added (admin)"),
    "score.change": _("Score changed (admin)"),
    "score.delete": _("Score deleted (admin)"),
    "band.add": _("Band added (admin)"),
    "band.change": _("Band changed (admin)"),
    "band.delete": _("Band deleted (admin)"),
    "result.add": _("Result added (admin)"),
    "result.change": _("Result changed (admin)"),
    "result.delete": _("Result deleted (admin)"),
    "unit.add": _("Unit added (admin)"),
    "unit.change": _("Unit changed (admin)"),
    "unit.delete": _("Unit deleted (admin)"),
}

# The fields the trail's changes name, as a reader knows them; any other is shown by its name.
FIELD_LABELS = {
    "self_score": _("self-assessed score"),
    "final_score": _("appraised score"),
    "not_applicable": _("not applicable"),
    "note": pgettext_lazy("audit field", "note"),
    "appraisal_reason": _("reason for the appraised score"),
    "status": pgettext_lazy("audit field", "status"),
    "value": pgettext_lazy("audit field", "value"),
    "rank": pgettext_lazy("audit field", "rank"),
    "group_size": _("group size"),
    "official_rank": _("official rank"),
    "official_group_size": _("official group size"),
    "points": pgettext_lazy("audit field", "points"),
    "applicable_max": _("applicable maximum"),
    "source": pgettext_lazy("audit field", "source"),
    "file": pgettext_lazy("audit field", "file"),
    "name": pgettext_lazy("audit field", "name"),
    "kind": pgettext_lazy("audit field", "kind"),
    "parent": pgettext_lazy("audit field", "parent"),
    "valid_from": _("valid from"),
    "valid_to": _("valid to"),
    "aggregation": _("aggregation"),
    "max_points": _("maximum points"),
    "weight": pgettext_lazy("audit field", "weight"),
    "min_value": _("from (inclusive)"),
    "max_value": _("below (exclusive)"),
    "criteria added": _("criteria added"),
    "criteria changed": _("criteria changed"),
    "criteria removed": _("criteria removed"),
    "dossier measure": _("dossier measure"),
    "year": pgettext_lazy("audit field", "year"),
    "points_lost": _("points lost"),
    "cause": _("cause"),
    "what": pgettext_lazy("audit field", "action"),
    "owner": _("owner"),
    "deadline": _("deadline"),
    "evidence_link": _("evidence (link)"),
    "evidence_name": _("evidence (file)"),
}

MISSING = "—"
_DECIMAL = re.compile(r"^-?\d+\.\d+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def action_label(code):
    """The reader's name of an action code; the code itself when it has none."""
    return ACTION_LABELS.get(code, code)


def action_choices():
    """(code, label) of every known action, by label in Vietnamese alphabetical order: the filter's choices."""
    return sorted_vietnamese(
        ((code, str(label)) for code, label in ACTION_LABELS.items()), key=lambda choice: choice[1]
    )


def shown_value(value, field=None):
    """One old or new value of the trail's JSON as the page shows it: "2.500000" → 2,50 in
    Vietnamese; an ISO date → dd/mm/yyyy; a status → its name; nothing → —."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or MISSING
    if field == "status" and value in AssessmentStatus.values:
        return str(AssessmentStatus(value).label)
    if isinstance(value, str) and _DECIMAL.match(value):
        try:
            number = Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern lets only numbers through
            return value
        # At least 2 decimals as everywhere else, more only when the value has them (2,125).
        places = min(max(2, -number.normalize().as_tuple().exponent), 6)
        return floatformat(number, places)
    if isinstance(value, str) and _DATE.match(value):
        try:
            return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return str(value)


def shown_changes(changes):
    """[(field label, old, new)] of an entry's changes, for the page."""
    rows = []
    for field, values in (changes or {}).items():
        old, new = values if isinstance(values, (list, tuple)) and len(values) == 2 else (None, values)
        rows.append((str(FIELD_LABELS.get(field, field)), shown_value(old, field), shown_value(new, field)))
    return rows
