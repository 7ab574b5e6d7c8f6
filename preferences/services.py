"""Writes of the preferences a user chooses for himself (no audit: they change only what he sees)."""

from django.db import transaction

from preferences.models import TablePreference


@transaction.atomic
def table_preference_save(*, user, table, offered, shown, per_page):
    """Remember, for `user` and the table (a layout_key), which of the `offered` optional columns he
    hides (those not in `shown`) and his page size. A column the form did not offer keeps its
    state: the dossier ranking offers each measure's own counts, and choosing for one measure must
    not show again what he hid for another."""
    preference, _created = TablePreference.objects.select_for_update().get_or_create(user=user, table=table)
    kept = [name for name in preference.hidden_columns if name not in offered]
    preference.hidden_columns = kept + [name for name in offered if name not in shown]
    preference.per_page = per_page
    preference.full_clean()
    preference.save()
    return preference
