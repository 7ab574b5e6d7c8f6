"""Import in a real Chromium: an appraiser downloads the score template, uploads it with one bad cell
and sees the problem with its line and column, uploads a good one and watches its check (a job)
end in the Confirm button, confirms, and watches the progress bar (import-progress.js polling
progress.json) reach done and show the summary."""

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from imports import services
from imports.models import ImportRun
from indicators.models import Index, Score
from jobs.services import job_run
from tests.indicators.builders import methodology


@pytest.fixture
def par_2024(tree, settings, tmp_path):
    settings.IMPORT_ROOT = tmp_path / "imports"
    index = Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index")
    return methodology(index, 2024)


def _log_in(page):
    page.goto("/imports/")
    page.fill("#id_username", "appraiser")
    page.fill("#id_password", "correct horse battery staple")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: url.endswith("/imports/"))


def _upload(page, path):
    page.select_option("#id_kind", "scores")
    page.select_option("#id_index", "par")
    page.fill("#id_year", "2024")
    page.set_input_files("#id_file", str(path))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(lambda url: "/imports/" in url and url.rstrip("/").split("/")[-1].isdigit())


@pytest.mark.django_db(transaction=True)
def test_an_appraiser_imports_scores_from_the_template(
    page, appraiser, par_2024, tmp_path, monkeypatch, tasks_in_process
):
    _log_in(page)

    page.select_option("#template_index", "par")
    page.fill("#template_year", "2024")
    page.select_option("#template_kind", "department")
    with page.expect_download() as download_info:
        page.click("#template-form button[type=submit]")
    template = tmp_path / "template.xlsx"
    download_info.value.save_as(template)
    workbook = load_workbook(template)
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == ["unit_code", "unit_name", "1.1", "1.2", "2.1"]
    assert sheet["A3"].value == "A"

    # One bad cell: 41 points where the maximum is 40.
    sheet["C3"], sheet["D3"], sheet["E3"] = 41, "NA", 35.5
    bad = tmp_path / "bad.xlsx"
    workbook.save(bad)
    _upload(page, bad)
    problems = page.locator("table.import-problems tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.locator("td").nth(0)).to_have_text("3")
    expect(problems.locator("td").nth(1)).to_have_text("1.1")
    expect(problems.locator("td").nth(2)).to_contain_text("41")
    assert not Score.objects.exists()

    sheet["C3"] = 38
    good = tmp_path / "good.xlsx"
    workbook.save(good)
    page.goto("/imports/")
    # The check is a background job too: held here, the page shows it being checked and polls;
    # once the test runs the job, the summary and the Confirm button appear without a reload.
    held = []
    monkeypatch.setattr(services, "job_send", lambda *, job_id: held.append(job_id))
    _upload(page, good)
    expect(page.locator("#import-checking")).to_be_visible()
    expect(page.locator("#import-status-label")).to_have_text("Đang kiểm tra")
    page.evaluate("window.__notReloaded = true")
    job_run(job_id=held[0])
    expect(page.locator("#import-confirm")).to_be_visible(timeout=10000)
    assert page.evaluate("window.__notReloaded") is True

    # Confirmed as a background job that the test, not the request, runs: the page meanwhile
    # shows the bar and polls; the result appears without a reload.
    monkeypatch.setattr(services.settings, "IMPORT_INLINE_ROWS", 0)
    real_request = services.job_request
    monkeypatch.setattr(services, "job_request", lambda **kwargs: real_request(**kwargs, send=False))
    page.click("#import-confirm")
    expect(page.locator("#import-progress")).to_be_visible()
    page.evaluate("window.__notReloaded = true")
    run = ImportRun.objects.get(original_name="good.xlsx")
    job_run(job_id=run.job_id)

    expect(page.locator("#import-done")).to_be_visible(timeout=10000)
    progress = page.locator("#import-progress")
    # A check pass and a write pass over the file's 2 rows (the maxima line and Sở A).
    assert progress.get_attribute("value") == progress.get_attribute("max") == "4"
    expect(page.locator("table.import-summary")).to_contain_text("3")
    assert page.evaluate("window.__notReloaded") is True
    assert Score.objects.count() == 3
