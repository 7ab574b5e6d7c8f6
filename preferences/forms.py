"""The form of a table's chooser (partials/_table.html): which optional columns to show, how many rows a page."""

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from preferences.layout import offered_salt
from reformdash.lib.tables import PAGE_SIZES


class TableLayoutForm(forms.Form):
    # The optional columns the page offered, signed by it (preferences.layout): the columns chosen
    # must be among them, so a required column, or a name of no column, is refused.
    offered = forms.CharField(widget=forms.HiddenInput)
    columns = forms.MultipleChoiceField(
        required=False,
        error_messages={"invalid_choice": _("The column “%(value)s” is not one this table lets you hide or show.")},
    )
    per_page = forms.TypedChoiceField(
        coerce=int,
        choices=[(size, size) for size in PAGE_SIZES],
        error_messages={
            "required": _("Choose how many rows a page shows."),
            "invalid_choice": _("A page shows 25, 50, 100 or 200 rows, not “%(value)s”."),
        },
    )

    def __init__(self, *args, table, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table

    def clean_offered(self):
        try:
            names = signing.loads(self.cleaned_data["offered"], salt=offered_salt(self.table))
        except signing.BadSignature as error:
            raise ValidationError(
                _("This choice did not come from the table's page: reload the page and choose again."), code="stale"
            ) from error
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            raise ValidationError(
                _("This choice did not come from the table's page: reload the page and choose again.")
            )
        self.fields["columns"].choices = [(name, name) for name in names]
        return names

    def first_error(self):
        """The first thing wrong, the one worth saying: with the page's list refused, every column is too."""
        for field in ("offered", "columns", "per_page"):
            if field in self.errors:
                return self.errors[field][0]
        return next(iter(self.errors.values()))[0]
