"""evidence_type: the extension and the first bytes must agree, and the size is within the limit."""

import pytest
from django.core.exceptions import ValidationError

from assessments.services import evidence_type
from tests.assessments.conftest import PDF, PNG
from tests.assessments.evidence import docx_bytes, upload, xlsx_bytes


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.pdf", PDF, "application/pdf"),
        ("a.PNG", PNG, "image/png"),
        ("a.jpg", b"\xff\xd8\xff\xdb" + b"\0" * 8, "image/jpeg"),
        ("a.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("a.xlsx", xlsx_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_accepted(name, content, expected, settings):
    assert evidence_type(upload=upload(name, content)) == expected


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("a.exe", PDF, "wrong_type"),
        ("a.pdf", PNG, "wrong_content"),
        ("a.docx", docx_bytes(part="xl/workbook.xml"), "wrong_content"),
        ("a.xlsx", b"PK\x03\x04" + b"\0" * 40, "wrong_content"),
        ("a.pdf", b"", "empty"),
    ],
)
def test_refused(name, content, code, settings):
    with pytest.raises(ValidationError) as error:
        evidence_type(upload=upload(name, content))
    assert error.value.code == code


def test_over_the_limit(settings):
    settings.EVIDENCE_MAX_BYTES = 10
    with pytest.raises(ValidationError) as error:
        evidence_type(upload=upload("a.pdf", PDF))
    assert error.value.code == "too_big"


@pytest.mark.parametrize("entries", [60_000, 100_000])  # the second needs ZIP64
def test_a_zip_of_tens_of_thousands_of_parts_is_refused_before_its_directory_is_read(entries, settings):
    import tracemalloc

    from tests.hostile.bombs import many_entries

    content = many_entries(entries)
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError) as error:
            evidence_type(upload=upload("a.xlsx", content))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert error.value.code == "too_many_parts"
    assert peak < 2 * 2**20  # zipfile's directory of 60,000 entries alone was about 40 MB
