"""The choices of an import: what the file holds, for which index and year; and the file itself."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dossiers.measures import DossierMeasure
from imports.models import ImportKind
from imports.services import upload_refusal
from indicators.models import Aggregation, Index, Methodology
from units.access import Action, may
from units.forms import FIRST_YEAR, LAST_YEAR
from units.models import UnitKind

_NEEDS_INDEX_AND_YEAR = (ImportKind.SCORES, ImportKind.RESULTS, ImportKind.METHODOLOGY)


class UploadForm(forms.Form):
    """What to import and the file; an index and a year for all but units, a unit kind and an
    aggregation for a methodology, and a dossier measure for one computed from dossiers unless its
    index names one. The file is refused by size, name and first bytes before it is read."""

    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    index = forms.ModelChoiceField(
        label=_("Index"), queryset=Index.objects.order_by("code"), to_field_name="code", required=False
    )
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR, required=False)
    unit_kind = forms.ChoiceField(
        label=_("Unit kind (methodology)"), choices=[("", "—"), *UnitKind.choices], required=False
    )
    aggregation = forms.ChoiceField(
        label=_("Aggregation (methodology)"), choices=[("", "—"), *Aggregation.choices], required=False
    )
    dossier_measure = forms.ChoiceField(
        label=_("Dossier measure (methodology computed from dossiers)"),
        choices=[("", "—"), *DossierMeasure.choices],
        required=False,
    )
    file = forms.FileField(label=_("CSV or XLSX file"))
    # Shown to administrators only (units.access: MOVE_UNITS); removed for everyone else.
    allow_reparent = forms.BooleanField(
        label=_("Units import: allow moving existing units to another parent"),
        help_text=_(
            "A move changes which heads and officers see the unit's data; a reorganisation is normally a new "
            "unit with lineage. The check lists each move with who gains and who loses sight of it before you confirm."
        ),
        required=False,
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not may(user, Action.MOVE_UNITS):
            del self.fields["allow_reparent"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        refusal = upload_refusal(upload)
        if refusal:
            raise forms.ValidationError(refusal)
        return upload

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind in _NEEDS_INDEX_AND_YEAR:
            for field, message in (("index", _("Choose the index.")), ("year", _("Give the year."))):
                if not cleaned.get(field) and field not in self.errors:
                    self.add_error(field, message)
        if kind == ImportKind.METHODOLOGY:
            for field, message in (
                ("unit_kind", _("Choose the unit kind.")),
                ("aggregation", _("Choose the aggregation.")),
            ):
                if not cleaned.get(field):
                    self.add_error(field, message)
            self._check_measure(cleaned)
        elif cleaned.get("dossier_measure"):
            self.add_error("dossier_measure", _("A dossier measure is only for a methodology computed from dossiers."))
        return cleaned

    def _check_measure(self, cleaned):
        """The importer refuses the same; said here, on the field, before the file is checked."""
        measure, index = cleaned.get("dossier_measure"), cleaned.get("index")
        if cleaned.get("aggregation") != Aggregation.DOSSIERS:
            if measure:
                self.add_error(
                    "dossier_measure", _("A dossier measure is only for a methodology computed from dossiers.")
                )
        elif not measure and index is not None and not index.dossier_measure:
            self.add_error(
                "dossier_measure",
                _("%(index)s names no dossier measure: choose the one it is computed as.") % {"index": index.code},
            )


class TemplateForm(forms.Form):
    """?index=&year=&kind=: the methodology whose score template to download."""

    index = forms.ModelChoiceField(label=_("Index"), queryset=Index.objects.order_by("code"), to_field_name="code")
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    kind = forms.ChoiceField(label=_("Unit kind"), choices=UnitKind.choices)

    def __init__(self, *args, **kwargs):
        # On the same page as UploadForm, whose fields have the same names: ids of its own.
        kwargs.setdefault("auto_id", "template_%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        methodology = Methodology.objects.filter(
            index=cleaned["index"], year=cleaned["year"], unit_kind=cleaned["kind"]
        ).first()
        if methodology is None:
            raise forms.ValidationError(
                _("%(index)s has no %(year)d methodology for this unit kind.")
                % {"index": cleaned["index"].code, "year": cleaned["year"]}
            )
        if methodology.aggregation in (Aggregation.PUBLISHED, Aggregation.DOSSIERS):
            raise forms.ValidationError(_("This methodology is not scored by criteria: import its results instead."))
        cleaned["methodology"] = methodology
        return cleaned
