"""The forms of the scoring pages. They turn what was typed into domain values (a Decimal or None,
a bool, a stripped text); whether a score is allowed is the workflow services' question."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from assessments.workflow import Action
from indicators.models import AssessmentStatus, CriterionKind, Index

TEXT_MAX = 2000
STALE_PAGE = _("The page is incomplete or out of date: open the assessment again.")


class ScoreField(forms.Field):
    """A score typed the Vietnamese way (35,5) or the English way (35.5); empty is no score."""

    widget = forms.TextInput
    default_error_messages = {"invalid": _("Enter a number, such as 35,5.")}
    MAX_LENGTH = 32

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)
        self.widget.attrs.update(
            {"inputmode": "decimal", "size": 6, "autocomplete": "off", "maxlength": self.MAX_LENGTH}
        )

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return f"{value.normalize():f}".replace(".", get_format("DECIMAL_SEPARATOR"))
        return value

    def to_python(self, value):
        text = str(value or "").strip().replace(" ", "")
        if not text:
            return None
        if len(text) > self.MAX_LENGTH or not re.fullmatch(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)", text):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


def self_field(criterion_id):
    return f"score-{criterion_id}"


def na_field(criterion_id):
    return f"na-{criterion_id}"


def note_field(criterion_id):
    return f"note-{criterion_id}"


def final_field(criterion_id):
    return f"final-{criterion_id}"


def reason_field(criterion_id):
    return f"reason-{criterion_id}"


class SheetForm(forms.Form):
    """The assessment page: the inputs of the leaves the user may score now, and the version he loaded.

    `entering` is Action.SELF_SCORES (a unit: score, not applicable, note on its self-assessed
    criteria) or Action.APPRAISAL_SCORES (an appraiser: appraised score and reason on every
    applicable criterion). Only the page's own criteria become fields: anything else posted is ignored."""

    version = forms.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        widget=forms.HiddenInput,
        error_messages={
            "required": STALE_PAGE,
            "invalid": STALE_PAGE,
            "min_value": STALE_PAGE,
            "max_value": STALE_PAGE,
        },
    )
    action = forms.ChoiceField(
        choices=[("save", "save"), (Action.SUBMIT.value, "submit"), (Action.APPRAISE.value, "appraise")],
        required=False,
    )
    # The unit's choice to submit while some criteria are not scored (assessment_submit).
    confirm_incomplete = forms.BooleanField(label=_("Submit with criteria not scored"), required=False)

    def __init__(self, data=None, *, lines, entering, version, **kwargs):
        super().__init__(data, initial={"version": version}, **kwargs)
        self.entering = entering
        self.leaves = {}
        for line in lines:
            if not line.is_leaf:
                continue
            criterion, score = line.criterion, line.score
            cid = criterion.pk
            if entering == Action.SELF_SCORES and criterion.kind == CriterionKind.SELF_ASSESSED:
                self.fields[self_field(cid)] = ScoreField(initial=score.self_score if score else None)
                self.fields[na_field(cid)] = forms.BooleanField(
                    required=False, initial=bool(score and score.not_applicable)
                )
                self.fields[note_field(cid)] = forms.CharField(
                    required=False,
                    max_length=TEXT_MAX,
                    initial=score.note if score else "",
                    widget=forms.Textarea(attrs={"rows": 1, "cols": 24}),
                )
                self.leaves[cid] = criterion
            elif entering == Action.APPRAISAL_SCORES and not (score and score.not_applicable):
                # Until the council sets one, the appraised score starts as the self score: accepting a line is leaving it.
                initial = None
                if score is not None:
                    initial = score.final_score if score.final_score is not None else score.self_score
                self.fields[final_field(cid)] = ScoreField(initial=initial)
                self.fields[reason_field(cid)] = forms.CharField(
                    required=False,
                    max_length=TEXT_MAX,
                    initial=score.appraisal_reason if score else "",
                    widget=forms.Textarea(attrs={"rows": 1, "cols": 24}),
                )
                self.leaves[cid] = criterion
        for name, field in self.fields.items():
            if name not in ("version", "action", "confirm_incomplete"):
                field.widget.attrs.setdefault("aria-label", name)

    def then(self):
        """The move asked for besides saving: Action.SUBMIT, Action.APPRAISE or None."""
        action = self.cleaned_data.get("action")
        return Action(action) if action in (Action.SUBMIT, Action.APPRAISE) else None

    def scores(self):
        """The scores as the workflow service takes them: {criterion id: (…)}."""
        data = self.cleaned_data
        if self.entering == Action.SELF_SCORES:
            return {cid: (data[self_field(cid)], data[na_field(cid)], data[note_field(cid)]) for cid in self.leaves}
        return {cid: (data[final_field(cid)], data[reason_field(cid)]) for cid in self.leaves}

    def add_service_errors(self, error):
        """Put each of a service's ValidationError messages beside the line it names ("1.2: …"),
        the others at the top of the page."""
        by_code = {criterion.code: cid for cid, criterion in self.leaves.items()}
        score_field = self_field if self.entering == Action.SELF_SCORES else final_field
        for message in error.messages:
            code = message.split(": ", 1)[0] if ": " in message else None
            if code in by_code and score_field(by_code[code]) in self.fields:
                self.add_error(score_field(by_code[code]), message)
            else:
                self.add_error(None, message)


class CommentForm(forms.Form):
    """Returning an assessment (a comment for the unit) or reopening one (the reason)."""

    version = forms.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        widget=forms.HiddenInput,
        error_messages={
            "required": STALE_PAGE,
            "invalid": STALE_PAGE,
            "min_value": STALE_PAGE,
            "max_value": STALE_PAGE,
        },
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class EvidenceForm(forms.Form):
    """An evidence file for one leaf criterion of the assessment."""

    criterion = forms.TypedChoiceField(label=_("Criterion"), coerce=int)
    file = forms.FileField(label=_("File"), max_length=255, allow_empty_file=False)

    def __init__(self, data=None, files=None, *, criteria, **kwargs):
        super().__init__(data, files, **kwargs)
        self.fields["criterion"].choices = [(c.pk, f"{c.code} {c.title}"[:120]) for c in criteria]


class WorklistForm(forms.Form):
    """Filters of the province-wide list of assessments."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    index = forms.ModelChoiceField(
        label=_("Index"), queryset=Index.objects.all(), to_field_name="code", required=False, empty_label=_("(all)")
    )
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, data, *, years, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["year"].choices = [("", _("(all)"))] + [(year, str(year)) for year in years]
        self.fields["status"].choices = [("", _("(all)")), *AssessmentStatus.choices]


class StartForm(forms.Form):
    """Starting a self-assessment: which unit, under which methodology (the service checks both)."""

    unit = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    methodology = forms.IntegerField(min_value=1, max_value=2**63 - 1)


class PublishForm(forms.Form):
    """The decision that publishes a methodology's appraised assessments."""

    decision_reference = forms.CharField(label=_("Decision reference"), max_length=255, help_text=_("e.g. 123/QĐ-UBND"))
    published_on = forms.DateField(
        label=_("Decision date"),
        input_formats=["%d/%m/%Y"],
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "autocomplete": "off"}),
        error_messages={"invalid": _("Enter the date as dd/mm/yyyy.")},
    )
    # The administrator's choice to publish while some units of the group have no complete
    # appraised result (methodology_publish): recorded on the publication. Offered only then.
    publish_partial = forms.BooleanField(required=False)

    def __init__(self, data=None, *, left_out=0, **kwargs):
        super().__init__(data, **kwargs)
        if left_out:
            self.fields["publish_partial"].label = ngettext_lazy(
                "Publish while %(count)d unit has no appraised result",
                "Publish while %(count)d units have no appraised result",
                left_out,
            ) % {"count": left_out}
        else:
            del self.fields["publish_partial"]

    def clean(self):
        data = super().clean()
        data.setdefault("publish_partial", False)
        return data
