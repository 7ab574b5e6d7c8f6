from django import forms

from notifications.models import Kind


class PreferencesForm(forms.Form):
    """Two boxes per kind: in the inbox, by e-mail (fields "<kind>-in_app", "<kind>-by_email")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in Kind.choices:
            self.fields[f"{kind}-in_app"] = forms.BooleanField(required=False, label=label)
            self.fields[f"{kind}-by_email"] = forms.BooleanField(required=False, label=label)

    def choices(self):
        """{kind: (in_app, by_email)} of a valid form."""
        data = self.cleaned_data
        return {kind: (data[f"{kind}-in_app"], data[f"{kind}-by_email"]) for kind in Kind.values}
