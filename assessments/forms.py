"""The forms of the scoring pages. They turn what was typed into domain values (a Decimal or None,
a bool, a stripped text); whether a score is allowed is the workflow's question (its line checks),
which the sheet asks for every line at once, so that a page's mistakes all show on one save."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from assessments.services import evidence_too_big_message, evidence_type
from assessments.workflow import (
    Action,
    appraisal_line_check,
    checked_score,
    self_line_check,
    unconfirmed_submission,
)
from indicators.models import AssessmentStatus, CriterionKind, Index

TEXT_MAX = 2000
STALE_PAGE = _("The page is incomplete or out of date: open the assessment again.")


class ScoreField(forms.Field):
    """A score typed the Vietnamese way (35,5) or the English way (35.5); empty is no score."""

    widget = forms.TextInput
    default_error_messages = {"invalid": _("Enter a number, such as 35,5.")}
    MAX_LENGTH = 32

    def __init__(self, *, max_points, **kwargs):
        super().__init__(required=False, **kwargs)
        # A text input, not type=number: a number input drops "35,5" typed in a browser set to
        # English, and the comma is how the provinces write. min, max and step say the range to
        # assistive technology and to the page's script (static/js/assessment-sheet.js).
        self.widget.attrs.update(
            {
                "inputmode": "decimal",
                "size": 6,
                "autocomplete": "off",
                "maxlength": self.MAX_LENGTH,
                "min": "0",
                "max": f"{max_points.normalize():f}",
                "step": "0.01",
            }
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


def file_field(criterion_id):
    return f"file-{criterion_id}"


# How many evidence files one save of the page may carry (the body limit is counted from it).
FILES_PER_SAVE = 5
# The column headings (templates/assessments/assessment.html) that name each input after its criterion.
HEADINGS = {
    "score": "col-self",
    "na": "col-na",
    "note": "col-note",
    "final": "col-final",
    "reason": "col-reason",
    "file": "col-evidence",
}


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

    def __init__(self, data=None, files=None, *, lines, entering, version, files_too_big=(), held=None, **kwargs):
        """`files_too_big`: the names of the file inputs whose upload passed the limit and was
        skipped; `held(criterion id, token)`: the file a page that came back held for the line
        (services.evidence_held), or None."""
        super().__init__(data, files, initial={"version": version}, **kwargs)
        self.held = held
        self.entering = entering
        self.leaves = {}
        self.current = {}  # criterion id → its Score, or None
        self.criterion_of = {}  # input name → criterion
        self.files_too_big = set(files_too_big)
        for line in lines:
            if not line.is_leaf:
                continue
            criterion, score = line.criterion, line.score
            cid = criterion.pk
            if entering == Action.SELF_SCORES and criterion.kind == CriterionKind.SELF_ASSESSED:
                self._add(
                    criterion,
                    score=ScoreField(max_points=criterion.max_points, initial=score.self_score if score else None),
                    na=forms.BooleanField(required=False, initial=bool(score and score.not_applicable)),
                    note=forms.CharField(
                        required=False,
                        max_length=TEXT_MAX,
                        initial=score.note if score else "",
                        widget=forms.Textarea(attrs={"rows": 1, "cols": 24}),
                    ),
                )
                self.leaves[cid] = criterion
            elif entering == Action.APPRAISAL_SCORES and not (score and score.not_applicable):
                # Until the council sets one, the appraised score starts as the self score: accepting a line is leaving it.
                initial = None
                if score is not None:
                    initial = score.final_score if score.final_score is not None else score.self_score
                self._add(
                    criterion,
                    final=ScoreField(max_points=criterion.max_points, initial=initial),
                    reason=forms.CharField(
                        required=False,
                        max_length=TEXT_MAX,
                        initial=score.appraisal_reason if score else "",
                        widget=forms.Textarea(attrs={"rows": 1, "cols": 24}),
                    ),
                )
                self.leaves[cid] = criterion
            self.current[cid] = score
            # The unit attaches evidence while it enters its scores, to any leaf (a survey's too),
            # in the same post: a file chosen never costs the scores typed.
            if entering == Action.SELF_SCORES:
                self._add(criterion, file=forms.FileField(required=False, max_length=255, allow_empty_file=False))

    def _add(self, criterion, **fields):
        """The line's inputs, each named after the criterion ("score-12") and labelled by the
        criterion's code and title with the column's heading."""
        for key, field in fields.items():
            name = f"{key}-{criterion.pk}"
            field.widget.attrs["aria-labelledby"] = f"criterion-{criterion.pk} {HEADINGS[key]}"
            self.fields[name] = field
            self.criterion_of[name] = criterion

    def clean(self):
        data = super().clean()
        for name in self.files_too_big & set(self.fields):
            self.add_error(name, evidence_too_big_message())
        self._take_held(data)
        files = [name for name in self.criterion_of if name.startswith("file-") and data.get(name)]
        if len(files) > FILES_PER_SAVE:
            self.add_error(
                None,
                ngettext_lazy(
                    "Attach at most %(count)d file in one save.",
                    "Attach at most %(count)d files in one save.",
                    FILES_PER_SAVE,
                )
                % {"count": FILES_PER_SAVE},
            )
        for name in files:
            try:
                evidence_type(upload=data[name])
            except forms.ValidationError as error:
                self.add_error(name, error)
        for cid, criterion in self.leaves.items():
            self._check_line(cid, criterion, data)
        self._check_submission(data)
        return data

    def _check_submission(self, data):
        """A submission not confirmed with lines left blank: the workflow refuses it once the
        scores are saved (assessment_submit); when the page comes back for other mistakes anyway,
        it says so now too, so that one round shows everything. Lines with a mistake of their own
        are not named: their score was typed."""
        if not self.errors or self.entering != Action.SELF_SCORES:
            return
        if data.get("action") != Action.SUBMIT or data.get("confirm_incomplete"):
            return
        blank = [
            criterion.code
            for cid, criterion in self.leaves.items()
            if criterion.max_points > 0
            and self_field(cid) not in self.errors
            and data.get(self_field(cid)) is None
            and not data.get(na_field(cid))
        ]
        if blank:
            self.add_error(None, unconfirmed_submission(blank))

    def _take_held(self, data):
        """A line with no new file takes the one its page held, if any (a new file replaces it)."""
        if self.held is None:
            return
        for name, criterion in self.criterion_of.items():
            token = self.data.get(f"held-{criterion.pk}")
            if name.startswith("file-") and not data.get(name) and token:
                data[name] = self.held(criterion.pk, token)

    def _check_line(self, cid, criterion, data):
        """The workflow's rules of the line, on what parsed; each problem beside its input."""
        if self.entering == Action.SELF_SCORES:
            names = {"score": self_field(cid), "not_applicable": na_field(cid), "note": note_field(cid)}
            _values, problems = self_line_check(
                criterion=criterion,
                value=data.get(names["score"]),
                not_applicable=data.get(names["not_applicable"]),
                note=data.get(names["note"]),
            )
        else:
            names = {"final": final_field(cid), "reason": reason_field(cid)}
            if names["final"] in self.errors:
                return  # no number to compare: its own error says enough
            _values, problems = appraisal_line_check(
                criterion=criterion,
                value=data.get(names["final"]),
                reason=data.get(names["reason"]),
                score=self.current.get(cid),
            )
        for key, message in problems:
            if names[key] in self.fields and names[key] not in self.errors:
                self.add_error(names[key], message)

    def _post_clean(self):
        super()._post_clean()
        self._mark_invalid()

    def _mark_invalid(self):
        # Each input with a mistake says so and points at its message (the template's "<id>-error").
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"{self[name].auto_id}-error"}
                )

    def evidence(self):
        """{criterion id: upload} of the evidence files chosen on the page."""
        return {
            self.criterion_of[name].pk: upload
            for name, upload in self.cleaned_data.items()
            if name.startswith("file-") and upload
        }

    def files_to_hold(self):
        """{criterion id: upload} of the files that passed their checks on a page that comes back
        for other mistakes, and not held yet: what the view holds (services.evidence_hold)."""
        return {
            self.criterion_of[name].pk: upload
            for name, upload in getattr(self, "cleaned_data", {}).items()
            if name.startswith("file-")
            and upload
            and name not in self.errors
            and not getattr(upload, "held_token", None)
        }

    def held_files(self):
        """{criterion id: (token, file name)} of the files the page holds, to show and post again."""
        return {
            self.criterion_of[name].pk: (upload.held_token, upload.name)
            for name, upload in getattr(self, "cleaned_data", {}).items()
            if name.startswith("file-") and upload and name not in self.errors and getattr(upload, "held_token", None)
        }

    def error_list(self):
        """[(input id, message)] of every mistake, in the page's order, each message naming its
        criterion: what the error summary at the top links to."""
        listed = []
        for name in self.fields:
            criterion = self.criterion_of.get(name)
            for message in self.errors.get(name, ()):
                if criterion is not None and not message.startswith(f"{criterion.code}: "):
                    message = f"{criterion.code}: {message}"
                listed.append((self[name].auto_id, message))
        return listed

    def progress(self):
        """(lines scored, lines on the page, total of the scores, maximum of those lines) as the
        inputs stand — the bound values when the page comes back with mistakes, a score that does
        not parse counting as none. A line not applicable counts as scored, with no points."""
        scored, total, maximum = 0, Decimal(0), Decimal(0)
        score_field = self_field if self.entering == Action.SELF_SCORES else final_field
        for cid, criterion in self.leaves.items():
            maximum += criterion.max_points
            name = score_field(cid)
            value = self._shown(name)
            not_applicable = self.entering == Action.SELF_SCORES and bool(self._shown(na_field(cid)))
            if not_applicable:
                scored += 1
            elif value is not None and 0 <= value <= criterion.max_points:
                scored += 1
                total += value
        return scored, len(self.leaves), total, maximum

    def _shown(self, name):
        field = self.fields[name]
        if not self.is_bound:
            return self.get_initial_for_field(field, name)
        try:
            return field.clean(field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name)))
        except forms.ValidationError:
            return None

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
        self._mark_invalid()


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


def rank_field():
    return forms.IntegerField(
        label=_("Rank to reach"),
        min_value=1,
        max_value=100_000,
        required=False,
        help_text=_("Optional: the fewest points for this rank in the group."),
    )


class WhatIfScoresForm(forms.Form):
    """A what-if of a scored index: a score and a not-applicable mark for every leaf criterion of
    the year (`lines`, the sheet's), started from `start` ({criterion id: (score, not applicable)}),
    and a rank to aim at. The checks are the sheet's own: a number the Vietnamese or the English
    way, from 0 to the criterion's maximum."""

    def __init__(self, data=None, *, lines, start, **kwargs):
        super().__init__(data, **kwargs)
        self.leaves = [line.criterion for line in lines if line.is_leaf]
        for criterion in self.leaves:
            value, not_applicable = start.get(criterion.pk, (None, False))
            label = f"{criterion.code} {criterion.title}"
            self.fields[final_field(criterion.pk)] = ScoreField(
                max_points=criterion.max_points, label=label, initial=value
            )
            self.fields[na_field(criterion.pk)] = forms.BooleanField(
                label=_("%(code)s not applicable") % {"code": criterion.code},
                required=False,
                initial=not_applicable,
            )
        self.fields["rank"] = rank_field()

    def clean(self):
        cleaned = super().clean()
        for criterion in self.leaves:
            name = final_field(criterion.pk)
            value, error = checked_score(cleaned.get(name), criterion)
            if error:
                self.add_error(name, error)
            elif name in cleaned:
                cleaned[name] = value
        return cleaned

    def scores(self):
        """{criterion id: (score or None, not applicable)} as typed: a blank counts 0, as in the recompute."""
        return {
            criterion.pk: (self.cleaned_data[final_field(criterion.pk)], self.cleaned_data[na_field(criterion.pk)])
            for criterion in self.leaves
        }


class WhatIfRateForm(forms.Form):
    """A what-if of a dossier-computed index: the year's rate (%) to try, and a rank to aim at."""

    rate = ScoreField(max_points=Decimal(100), label=_("Rate (%)"))
    rank = rank_field()

    def clean_rate(self):
        rate = self.cleaned_data["rate"]
        if rate is None:
            raise forms.ValidationError(_("Enter a rate from 0 to 100."), code="required")
        if not 0 <= rate <= 100:
            raise forms.ValidationError(_("Enter a rate from 0 to 100."), code="range")
        return rate
