"""Targets where people read them: the scorecard (a tile and the trend's target line), the rankings
(a column, the chart's line, the exports' numbers), the overview and the API; set in the admin,
audited, a bad one refused with a message. A head reads only his own units' targets."""

import json
import re
from decimal import Decimal as D

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from indicators.models import Index, Result, Target
from tests.api.conftest import scored  # noqa: F401 (a fixture)
from tests.indicators.test_rankings_export import csv_rows
from units.models import Unit, UnitKind

GROUP = {"index": "par", "year": 2023, "kind": "district", "parent": "P"}


@pytest.fixture
def targets(scored, tree):
    """Districts of P: PAR ≥ 85 in 2023 (C: 100, met; B: 83, 2 short); A: rank 1 (it is 1st); the
    province: 50th or better nationally (it is 56th)."""
    par = Index.objects.get(code="par")
    Target.objects.create(index=par, year=2023, unit_kind=UnitKind.DISTRICT, parent=tree.province, value=D(85))
    Target.objects.create(index=par, year=2023, unit=tree.dept_a, rank=1)
    Target.objects.create(index=par, year=2023, unit=tree.province, rank=50)
    return par


def page(response):
    assert response.status_code == 200
    return response.content.decode()


def figure(html, chart_id):
    return json.loads(re.search(rf'<script id="{chart_id}-data" type="application/json">(.*?)</script>', html, re.S)[1])


def test_the_scorecard_says_the_target_and_how_far_the_unit_is(client, head_b, targets):
    client.force_login(head_b)
    html = page(client.get(reverse("unit_scorecard", args=["B"]), {"index": "par", "year": 2023}))
    assert 'id="target"' in html
    assert "≥ 85,00 %" in html and "chưa đạt (thiếu 2,00)" in html


def test_the_trend_draws_the_target_line(client, head_b, targets):
    client.force_login(head_b)
    html = page(client.get(reverse("unit_scorecard", args=["B"]), {"index": "par", "year": 2023}))
    (line,) = [trace for trace in figure(html, "scorecard-trend")["data"] if trace["name"] == "Mục tiêu"]
    assert line["x"] == ["2022", "2023"] and line["y"] == [None, 85.0]


def test_a_scorecard_without_a_target_has_no_tile(client, head_b, scored):
    client.force_login(head_b)
    assert 'id="target"' not in page(client.get(reverse("unit_scorecard", args=["B"]), {"index": "par", "year": 2023}))


def test_the_ranking_shows_each_rows_target_and_the_groups_line(client, staff, targets):
    client.force_login(staff)
    html = page(client.get(reverse("rankings"), GROUP))
    assert "Mục tiêu" in html
    assert html.count("target-missed") == 1 and html.count("target-met") == 1  # B short, C met
    annotations = figure(html, "ranking-chart")["layout"]["annotations"]
    assert "Mục tiêu: 85,00" in [note["text"] for note in annotations]  # the chart's dotted line


def test_a_ranking_of_a_year_without_targets_has_no_target_column(client, staff, targets):
    client.force_login(staff)
    assert "target-verdict" not in page(client.get(reverse("rankings"), {**GROUP, "year": 2022}))


def test_the_export_has_the_target_as_numbers(client, staff, targets):
    client.force_login(staff)
    rows = csv_rows(client.get(reverse("rankings"), {**GROUP, "export": "csv"}))
    header = rows[0]
    by_unit = {row[header.index("Mã")]: row for row in rows[1:]}
    value, distance = header.index("Giá trị mục tiêu"), header.index("Chênh lệch so với mục tiêu (âm: còn thiếu)")
    assert (by_unit["B"][value], by_unit["B"][distance]) == ("85.000000", "-2.000000")
    assert (by_unit["C"][value], by_unit["C"][distance]) == ("85.000000", "15.000000")


def test_a_head_reads_his_units_target_and_no_other(client, head_b, targets):
    client.force_login(head_b)
    response = client.get("/api/rankings/", GROUP)
    assert [(row["unit_code"], row["target"]) for row in response.json()["results"]] == [
        ("B", {"value": "85.000000", "rank": None, "distance": "-2.000000", "met": False}),
    ]
    assert client.get("/api/units/A/scorecard/", {"index": "par", "year": 2023}).status_code == 404
    export = csv_rows(client.get(reverse("rankings"), {**GROUP, "export": "csv"}))
    assert [row[3] for row in export[1:]] == ["B"]


def test_the_api_scorecard_has_the_target(client, staff, targets):
    client.force_login(staff)
    result = client.get("/api/units/A/scorecard/", {"index": "par", "year": 2023}).json()["result"]
    assert result["target"] == {"value": None, "rank": 1, "distance": None, "met": True}


def test_the_overview_gives_the_provinces_target(client, staff, targets):
    client.force_login(staff)
    html = page(client.get(reverse("home")))
    assert "hạng 50 trở lên" in html and "chưa đạt" in html  # 56th of 63


def test_a_target_set_in_the_admin_is_audited(client, admin_user, scored, tree):
    client.force_login(admin_user)
    par = Index.objects.get(code="par")
    response = client.post(
        reverse("admin:indicators_target_add"),
        {"index": par.pk, "year": 2024, "unit": tree.dept_a.pk, "unit_kind": "", "value": "92", "rank": "", "note": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    target = Target.objects.get()
    entry = AuditEntry.objects.get(object_label="indicators.Target")
    assert entry.object_id == str(target.pk) and entry.user == admin_user


def test_a_target_of_nobody_is_refused_with_a_message(client, admin_user, scored):
    client.force_login(admin_user)
    par = Index.objects.get(code="par")
    response = client.post(
        reverse("admin:indicators_target_add"),
        {"index": par.pk, "year": 2024, "unit": "", "unit_kind": "", "value": "92", "rank": "", "note": ""},
    )
    assert response.status_code == 200
    assert "Mục tiêu thuộc về một đơn vị, hoặc một nhóm" in response.content.decode()
    assert not Target.objects.exists()
    assert Result.objects.filter(unit=Unit.objects.get(code="A"), year=2023).exists()
