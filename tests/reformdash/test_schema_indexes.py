"""The tables an import writes row by row carry no index another index already serves: each index
is written for every row an import adds or changes (issue 22: the audit trail's 11 indexes were
4.0–4.8 s of 100,000 entries, its 7 are 2.8–3.0 s)."""

import pytest
from django.db import connection

# The tables written in bulk: scores (import, appraisal), their audit entries, dossiers and their
# monthly statistics.
BULK_WRITTEN = ["indicators_score", "audit_auditentry", "dossiers_dossier", "dossiers_dossiermonth"]


def _indexes(table):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        name: (tuple(about["columns"]), bool(about["unique"] or about["primary_key"]))
        for name, about in constraints.items()
        if (about["index"] or about["unique"] or about["primary_key"]) and about["columns"]
    }


@pytest.mark.django_db
@pytest.mark.parametrize("table", BULK_WRITTEN)
def test_no_index_is_served_by_another(table):
    indexes = _indexes(table)
    covered = [
        (name, columns, other)
        for name, (columns, unique) in indexes.items()
        if not unique
        for other, (other_columns, other_unique) in indexes.items()
        if other != name
        and other_columns[: len(columns)] == columns
        and (len(other_columns) > len(columns) or other_unique)
    ]
    assert covered == []
