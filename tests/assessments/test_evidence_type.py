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
