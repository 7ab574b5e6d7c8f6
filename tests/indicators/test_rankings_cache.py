"""The rankings page's area sub-scores come from the cache until the next recompute of the index and
year (indicators.cache), and the page says what its results are as of."""

import re
from decimal import Decimal as D

from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.models import Score
from indicators.recompute import results_recompute
from tests.indicators.test_rankings_view import page, rankings  # noqa: F401 (fixture)

GROUP = {"index": "par", "year": 2023, "kind": "department", "parent": "P"}


def first_row_area(client, staff):
    """(Sở A's area 1 %, queries) of the departments' 2023 page: A ranks first, 54,6 of 60 = 91 %."""
    with CaptureQueriesContext(connection) as queries:
        response = page(client, staff, **GROUP)
    text = response.content.decode()
    # As the page shows it: a second visit's table may come whole from the cache (the rankings
    # page's section, kept for readers of the whole group), with no table in its context.
    first_row = re.search(r"<tbody[^>]*>\s*<tr[^>]*>(.*?)</tr>", text, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", first_row, re.S)
    assert ">A<" in first_row
    return D(cells[6].replace(",", ".")), len(queries), text


def test_the_area_subscores_are_cached_until_the_recompute_that_changes_them(client, staff, rankings):
    area, first_queries, text = first_row_area(client, staff)
    assert area == D(91)
    assert "Kết quả tính đến" in text

    Score.objects.filter(assessment__unit__code="A", assessment__methodology__year=2023, criterion__code="1.2").update(
        final_score=D("20")
    )
    area, cached_queries, _ = first_row_area(client, staff)
    assert area == D(91) and cached_queries < first_queries  # as of the last recompute

    results_recompute(index_id=rankings.par.pk, year=2023)
    area, _, _ = first_row_area(client, staff)
    assert area == D(100)  # 40 + 20 of 60
