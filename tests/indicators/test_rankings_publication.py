"""The rankings page says whether the ranking is official (the publishing decision) or provisional,
and marks a row whose result was corrected after publication, with when and why — no query per
row, and the exports keep exactly the columns shown."""

import csv
import io

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.models import Publication, Result, ResultRevision
from tests.indicators.test_publication import appraised, publish, published, revised  # noqa: F401 (fixtures, used as test arguments)
from tests.indicators.workflow import reload, workflow  # noqa: F401 (fixtures, used as test arguments)

URL = "/rankings/"
PARAMS = {"index": "par", "year": 2024, "kind": "department", "parent": "P"}


def page(client, user, **params):
    client.force_login(user)
    response = client.get(URL, {**PARAMS, **params})
    assert response.status_code == 200, response.content
    return response


def test_an_unpublished_ranking_is_provisional(client, staff, appraised, english):
    from indicators.recompute import results_recompute

    results_recompute(index_id=appraised.index.pk, year=2024)
    text = page(client, staff).content.decode()
    assert "Not yet published: these results are provisional." in text
    assert "badge-revised" not in text


def test_a_published_ranking_names_its_decision(client, staff, published, english):
    text = page(client, staff).content.decode()
    assert "Official: published on 01/03/2025, decision QĐ 345/QĐ-UBND." in text
    assert "badge-revised" not in text


def test_a_decision_typed_with_its_word_is_not_named_twice(client, staff, published):
    # Typed as the decision is titled, "Quyết định số …": the sentence says "theo quyết định" itself.
    Publication.objects.update(decision_reference="Quyết định số 345/QĐ-UBND")
    cache.clear()
    text = page(client, staff).content.decode()
    assert "theo quyết định số 345/QĐ-UBND." in text
    assert "quyết định Quyết định" not in text


def test_a_corrected_row_is_marked_with_when_and_why(client, staff, revised, english):
    text = page(client, staff).content.decode()
    assert "the latest on 02/04/2025, decision QĐ 400/QĐ-UBND" in text
    assert text.count('class="badge-revised"') == 1
    assert 'title="Revised on 02/04/2025: Sai số liệu tiêu chí 2.1"' in text
    row = [line for line in text.split("<tr") if "badge-revised" in line][0]
    assert "Sở A<" in row or "Sở A</a>" in row


def test_the_head_of_a_sees_his_own_mark_and_head_b_no_row(client, head_a, head_b, revised):
    # A unit head may not name the province as the group's parent: the kind as a whole, his rows only.
    assert "badge-revised" in page(client, head_a, parent="").content.decode()
    client.force_login(head_b)
    response = client.get(URL, {**PARAMS, "parent": ""})
    assert "badge-revised" not in response.content.decode() and "Sở A" not in response.content.decode()


def test_the_exports_keep_the_columns_shown_and_the_plain_name(client, staff, revised):
    client.force_login(staff)
    response = client.get(URL, {**PARAMS, "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    table = page(client, staff).context["table"]
    # The columns shown, then the export-only ones: the group's size (the page says it once, in the
    # caption), last year's rank, its group size, comparability, and the target's value, rank and
    # distance (a year without targets has no target column on the page, and these in the export).
    assert len(rows[0]) == len([column for column in table.columns if column.visible]) + 7
    assert "Sở A" in {row[4] for row in rows[1:]}
    assert not any("revised" in cell or "badge" in cell for row in rows for cell in row)


def test_no_query_per_row(client, staff, revised, tree):
    def queries():
        client.force_login(staff)
        cache.clear()  # both requests compute what the page caches
        with CaptureQueriesContext(connection) as captured:
            client.get(URL, PARAMS)
        return len(captured)

    before = queries()
    result = Result.objects.get(unit__code="A2", year=2024)
    first = ResultRevision.objects.get(result=result)
    for number in (2, 3, 4):
        ResultRevision.objects.create(
            result=result,
            publication=first.publication,
            number=number,
            value=result.value,
            published_at=first.published_at,
            reason=f"lần {number}",
        )
    assert queries() == before
    assert page(client, staff).content.decode().count('class="badge-revised"') == 2
