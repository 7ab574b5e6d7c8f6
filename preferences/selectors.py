"""Reads of the preferences a user chose."""

from preferences.models import TablePreference


def table_preference(*, user, table):
    """The user's TablePreference for the table (a layout_key), or None: none chosen, or a visitor."""
    if not user.is_authenticated:
        return None
    return TablePreference.objects.filter(user=user, table=table).first()
