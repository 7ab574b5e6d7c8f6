"""/plans/: the province's remediation coverage, on the page and in the CSV and XLSX exports,
cut to the units the reader may see."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from tests.remediation.conftest import complete_plan

URL = reverse("remediation_coverage")
PAR24 = {"index": "par", "year": 2024}


@pytest.fixture
def overdue_plan(par, tree, head_a):
    return complete_plan(unit=tree.dept_a, index=par, user=head_a, deadline=datetime.date(2025, 1, 31))


def _csv(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get(URL).status_code == 302


def test_staff_see_every_units_coverage(client, overdue_plan, staff, english):
    client.force_login(staff)
    page = client.get(URL, PAR24)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Sở A" in text and "Huyện B" in text
    missing = text.split('id="coverage-missing"')[1].split("</section>")[0]
    assert "Huyện B" in missing and "Sở A" not in missing
    assert "Số hóa kết quả" in text.split('id="coverage-overdue"')[1]


def test_the_csv_by_unit_is_the_table_shown(client, overdue_plan, staff, english):
    client.force_login(staff)
    rows = _csv(client.get(URL, {**PAR24, "export": "csv", "table": "units"}))
    assert rows == [
        ["Code", "Unit", "Chronic losses", "With a plan", "Without a plan", "Recovered", "Actions overdue"],
        ["B", "Huyện B", "1", "0", "1", "0", "0"],
        ["A", "Sở A", "1", "1", "0", "0", "1"],
    ]


def test_the_xlsx_of_overdue_actions_keeps_the_deadline_a_date(client, overdue_plan, staff, english):
    client.force_login(staff)
    response = client.get(URL, {**PAR24, "export": "xlsx", "table": "overdue"})
    sheet = openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    ).active
    rows = [row for row in sheet.iter_rows(values_only=True) if any(row)]
    header = rows.index(("Unit", "Criterion", "Action", "Owner", "Deadline", "Status"))
    assert rows[header + 1][:5] == ("Sở A", "1.1", "Số hóa kết quả", "Văn phòng", datetime.datetime(2025, 1, 31))


def test_an_unknown_table_or_format_is_not_found(client, overdue_plan, staff):
    client.force_login(staff)
    assert client.get(URL, {**PAR24, "export": "csv", "table": "users"}).status_code == 404
    assert client.get(URL, {**PAR24, "export": "pdf", "table": "units"}).status_code == 404


def test_a_head_sees_only_his_units_on_the_page_and_in_every_export(client, overdue_plan, head_b):
    client.force_login(head_b)
    text = client.get(URL, PAR24).content.decode()
    assert "Huyện B" in text and "Sở A" not in text and "Số hóa kết quả" not in text
    for table in ("units", "criteria", "missing", "overdue"):
        body = "\n".join(",".join(row) for row in _csv(client.get(URL, {**PAR24, "export": "csv", "table": table})))
        assert "Sở A" not in body and "Số hóa" not in body, table
    overdue = _csv(client.get(URL, {**PAR24, "export": "csv", "table": "overdue"}))
    assert len(overdue) == 1  # the header only


def test_a_bad_year_is_a_bad_request(client, par, staff):
    client.force_login(staff)
    assert client.get(URL, {"index": "par", "year": "1800"}).status_code == 400


def test_without_a_year_the_page_opens_on_the_latest_plan_the_reader_sees(client, overdue_plan, staff, head_b):
    client.force_login(staff)
    assert client.get(URL).context["year"] == 2024
    client.force_login(head_b)  # A's plan is not his: the latest year with results
    assert client.get(URL).context["year"] == 2024
