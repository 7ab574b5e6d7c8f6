"""Evidence files for the tests: real small files of each accepted type, and impostors."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.services import evidence_add
from tests.assessments.conftest import PDF, PNG


def docx_bytes(part="word/document.xml"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<document/>")
    return buffer.getvalue()


def xlsx_bytes():
    import openpyxl

    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "minh chứng"
    workbook.save(buffer)
    return buffer.getvalue()


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def attach(workflow, user, name="ke-hoach.pdf", content=PDF, code="1.1"):
    return evidence_add(
        assessment=workflow.assessment, criterion_id=workflow.criteria[code].pk, upload=upload(name, content), user=user
    )


__all__ = ["PDF", "PNG", "attach", "docx_bytes", "upload", "xlsx_bytes"]
