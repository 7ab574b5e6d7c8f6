"""preferences.services.table_preference_save: one row per user and table, columns the form did not
offer keep their state, and one user's choice is his alone."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from preferences.models import TablePreference
from preferences.selectors import table_preference
from preferences.services import table_preference_save


def test_the_columns_not_shown_are_remembered_as_hidden(staff):
    table_preference_save(user=staff, table="rankings", offered=["code", "change", "band"], shown=["band"], per_page=25)
    preference = table_preference(user=staff, table="rankings")
    assert preference.hidden_columns == ["code", "change"] and preference.per_page == 25


def test_saving_again_replaces_the_choice_in_the_same_row(staff):
    table_preference_save(user=staff, table="rankings", offered=["code", "band"], shown=[], per_page=25)
    table_preference_save(user=staff, table="rankings", offered=["code", "band"], shown=["code"], per_page=100)
    assert TablePreference.objects.filter(user=staff).count() == 1
    preference = table_preference(user=staff, table="rankings")
    assert preference.hidden_columns == ["band"] and preference.per_page == 100


def test_a_column_the_form_did_not_offer_keeps_its_state(staff):
    # The dossier ranking offers each measure's own counts: choosing for one measure keeps what was hidden for another.
    table_preference_save(
        user=staff, table="dossier-ranking", offered=["received", "paid_online"], shown=[], per_page=50
    )
    table_preference_save(
        user=staff, table="dossier-ranking", offered=["received", "completed"], shown=["received"], per_page=50
    )
    assert table_preference(user=staff, table="dossier-ranking").hidden_columns == ["paid_online", "completed"]


def test_one_users_choice_is_not_anothers_and_tables_are_apart(staff, head_a):
    table_preference_save(user=staff, table="rankings", offered=["code"], shown=[], per_page=200)
    assert table_preference(user=head_a, table="rankings") is None
    assert table_preference(user=staff, table="audit-trail") is None


def test_a_visitor_has_no_preference(db):
    assert table_preference(user=AnonymousUser(), table="rankings") is None


def test_a_page_size_the_field_cannot_hold_is_refused(staff):
    with pytest.raises(ValidationError):
        table_preference_save(user=staff, table="rankings", offered=[], shown=[], per_page=-1)
    assert not TablePreference.objects.exists()
