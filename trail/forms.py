"""The filters of the audit trail page: a GET form, so a filtered trail's URL is its permalink and
its export link. Cleaned data are domain values for trail.selectors.audit_entries."""

import datetime

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditSource
from indicators.models import Criterion, Index
from trail.actions import action_choices
from units.access import units_visible_to

DATE_FORMAT = "%d/%m/%Y"
FIRST_YEAR, LAST_YEAR = 1990, 2100
# The parameters, in the order the page and its links spell them.
PARAMS = ("unit", "index", "year", "criterion", "user", "action", "source", "since", "until", "batch")


def _date_field(label):
    return forms.DateField(
        label=label,
        required=False,
        input_formats=[DATE_FORMAT],
        widget=forms.DateInput(format=DATE_FORMAT, attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
        error_messages={"invalid": _("Enter a date as dd/mm/yyyy, e.g. 16/05/2024.")},
    )


class AuditFilterForm(forms.Form):
    """Every filter is optional. A unit is one the viewer may see (any other code is "not found",
    whether it exists or not); a criterion is a code, matched in every methodology unless an
    index and a year narrow it to one; dates are days in Vietnam time, both included."""

    unit = forms.CharField(label=_("Unit code"), max_length=64, required=False)
    index = forms.ModelChoiceField(
        label=_("Index"),
        queryset=Index.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("(all)"),
    )
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR, required=False)
    criterion = forms.CharField(label=_("Criterion code"), max_length=32, required=False)
    user = forms.CharField(label=_("User name"), max_length=150, required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    source = forms.ChoiceField(label=_("Source"), choices=[("", _("(all)")), *AuditSource.choices], required=False)
    since = _date_field(_("From"))
    until = _date_field(_("To"))
    batch = forms.CharField(
        label=_("Batch"),
        max_length=32,
        required=False,
        validators=[RegexValidator(r"^[0-9a-f]+$", _("A batch is the hexadecimal id shown in the table."))],
    )

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.viewer = user
        self.fields["action"].choices = [("", _("(all)")), *action_choices()]

    def clean_unit(self):
        code = self.cleaned_data["unit"].strip()
        if not code:
            return None
        unit = units_visible_to(user=self.viewer).filter(code=code).first()
        if unit is None:
            raise forms.ValidationError(_("No such unit, or not one you may see."), code="not_found")
        return unit

    def clean_criterion(self):
        code = self.cleaned_data["criterion"].strip()
        if code and not Criterion.objects.filter(code=code).exists():
            raise forms.ValidationError(_("No criterion has this code."), code="unknown")
        return code

    def clean_user(self):
        return self.cleaned_data["user"].strip()

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        for name, day in (("since", since), ("until", until)):
            if day and not FIRST_YEAR <= day.year <= LAST_YEAR:
                self.add_error(
                    name, _("Enter a date between %(first)d and %(last)d.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
                )
                return data
        if since and until and until < since:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def not_found(self):
        """True when the form names a unit the viewer may not see (or that does not exist)."""
        return any(error.code == "not_found" for error in self.errors.as_data().get("unit", []))

    def filters(self):
        """The cleaned filters as audit_entries' keyword arguments."""
        data = self.cleaned_data
        return {
            "unit": data["unit"],
            "index": data["index"],
            "year": data["year"],
            "criterion_code": data["criterion"] or None,
            "username": data["user"] or None,
            "action": data["action"] or None,
            "source": data["source"] or None,
            "since": _start_of(data["since"]),
            "until": _start_of(data["until"] + datetime.timedelta(days=1)) if data["until"] else None,
            "batch": data["batch"] or None,
        }

    def query(self):
        """The cleaned filters as query parameters (the empty ones left out): the export links."""
        data = self.cleaned_data
        values = {
            "unit": data["unit"].code if data["unit"] else "",
            "index": data["index"].code if data["index"] else "",
            "year": data["year"] or "",
            "criterion": data["criterion"],
            "user": data["user"],
            "action": data["action"],
            "source": data["source"],
            "since": data["since"].strftime(DATE_FORMAT) if data["since"] else "",
            "until": data["until"].strftime(DATE_FORMAT) if data["until"] else "",
            "batch": data["batch"],
        }
        return {name: values[name] for name in PARAMS if values[name]}


def _start_of(day):
    """Midnight at the start of `day`, Vietnam time (the settings' TIME_ZONE)."""
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
