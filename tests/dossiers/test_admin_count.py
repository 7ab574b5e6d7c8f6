"""The admin's dossier list does not count the whole table on every page (issue 22 item 6: ten
years of dossiers make that count a scan of 100 million rows)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reformdash.lib.admin import EstimatedCountPaginator
from tests.dossiers.test_stats import dossier, vn

# A COUNT over the dossiers with no WHERE: the whole table.
WHOLE_COUNT = re.compile(r'SELECT COUNT\(\*\) AS "__count" FROM "dossiers_dossier"\s*$', re.IGNORECASE)


@pytest.fixture
def dossiers(tree):
    rows = [
        dossier(tree.commune_b1, vn(2024, 6, day, 9), vn(2024, 6, day, 9) + datetime.timedelta(days=10))
        for day in (3, 4, 5)
    ]
    for row in rows:
        row.save()
    return rows


@pytest.mark.django_db
def test_the_admin_dossier_list_counts_from_the_estimate_on_postgresql(client, admin_user, dossiers, monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "ESTIMATE_ABOVE", 0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE dossiers_dossier")
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:dossiers_dossier_changelist"))
    assert response.status_code == 200
    # ANALYZE's estimate of three rows is three: the same figure as the count.
    assert response.context["cl"].result_count == 3
    whole = [query["sql"] for query in queries if WHOLE_COUNT.search(query["sql"])]
    if connection.vendor == "postgresql":
        assert whole == []
    else:  # SQLite has no estimate: it counts.
        assert len(whole) == 1


@pytest.mark.django_db
def test_a_filtered_admin_dossier_list_is_counted_exactly(client, admin_user, dossiers, monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "ESTIMATE_ABOVE", 0)
    client.force_login(admin_user)
    response = client.get(reverse("admin:dossiers_dossier_changelist"), {"status__exact": "pending"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 3
