"""The remediation pages' forms: each says what is wrong in words a unit's officer reads."""

from django import forms
from django.utils.translation import gettext_lazy as _

from indicators.models import Index, index_default_order
from reformdash.lib.evidence import evidence_type
from remediation.models import ActionStatus, PlanAction


class PlanCreateForm(forms.Form):
    """The criteria a new plan answers: those the unit lost points on that year, chronic ones first."""

    criteria = forms.MultipleChoiceField(
        label=_("Criteria the plan answers"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one criterion the unit lost points on.")},
    )

    def __init__(self, data=None, *, losses, **kwargs):
        super().__init__(data, **kwargs)
        losses = sorted(losses, key=lambda row: (not row["chronic"], -row["lost"], row["code"]))
        self.fields["criteria"].choices = [(row["code"], _loss_label(row)) for row in losses]
        self.fields["criteria"].initial = [row["code"] for row in losses if row["chronic"]]


def _loss_label(row):
    label = _("%(code)s %(title)s: %(lost)s points lost") % {
        "code": row["code"],
        "title": row["title"],
        "lost": f"{row['lost']:.2f}".replace(".", ","),
    }
    if row["chronic"]:
        label += " · " + str(_("chronic: %(years)d years running") % {"years": row["streak"]})
    return label


class CauseForm(forms.Form):
    cause = forms.CharField(
        label=_("Cause"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
        error_messages={"required": _("Write the cause of the loss: what went wrong on this criterion.")},
    )


class ActionForm(forms.ModelForm):
    """An action: what, who, by when, how far, and a link to the evidence."""

    evidence_link = forms.URLField(
        label=_("Evidence (link)"),
        max_length=500,
        required=False,
        assume_scheme="https",
        error_messages={"invalid": _("The evidence must be a web link starting with http:// or https://.")},
    )

    class Meta:
        model = PlanAction
        fields = ["what", "owner", "deadline", "status", "evidence_link"]
        widgets = {"deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        error_messages = {
            "what": {"required": _("Say what will be done.")},
            "owner": {"required": _("Name who is responsible for the action.")},
            "deadline": {
                "required": _("Give the action a deadline."),
                "invalid": _("Give the deadline as a date (dd/mm/yyyy)."),
            },
        }

    evidence_upload = forms.FileField(
        label=_("Evidence (file: PDF, PNG, JPEG, DOCX or XLSX)"), required=False, allow_empty_file=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadline"].input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
        self.fields["status"].choices = ActionStatus.choices

    def clean_evidence_upload(self):
        upload = self.cleaned_data.get("evidence_upload")
        if upload:
            # The same rules as a self-assessment's evidence; the checked type goes with the upload.
            upload.checked_content_type = evidence_type(upload=upload)
        return upload


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept the plan")), ("return", _("Return it to the unit"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose to accept the plan or to return it.")},
    )
    reason = forms.CharField(
        label=_("Reason (required to return it)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the plan is returned: the unit reads it."))
        return data


class CoverageForm(forms.Form):
    """?index=&year= of the coverage page; both default (the PAR Index, the latest year with plans or results)."""

    index = forms.ModelChoiceField(
        label=_("Index"),
        queryset=Index.objects.order_by(*index_default_order()),
        to_field_name="code",
        required=False,
        empty_label=None,
    )
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)

    def __init__(self, data, *, years, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years]
