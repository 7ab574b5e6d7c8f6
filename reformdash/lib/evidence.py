"""What an evidence file may be, for every app that takes one (a self-assessment's, a remediation
action's): its size, its extension and its first bytes must agree, and a DOCX or XLSX must hold
the part that makes it one. Files are kept in a private storage (EvidenceStorage) no URL serves:
each app's download view checks who may read the file first."""

import os
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from reformdash.lib.tabular import ZIP_TAIL_BYTES, zip_too_many_members

# Extension → (stored content type, how the file must begin, what a ZIP-based file must contain).
EVIDENCE_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",), None),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",), None),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",), None),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",), None),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
        "word/document.xml",
    ),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
        "xl/workbook.xml",
    ),
}


def evidence_too_big_message():
    return _("The file is larger than the limit of %(limit)s.") % {"limit": filesizeformat(settings.EVIDENCE_MAX_BYTES)}


def evidence_type(*, upload):
    """The stored content type of an upload, after checking its size, its extension and its first
    bytes (and for DOCX/XLSX, the part that makes it one); ValidationError otherwise."""
    if upload.size is None or upload.size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationError(evidence_too_big_message(), code="too_big")
    if not upload.size:
        raise ValidationError(_("The file is empty."), code="empty")
    extension = os.path.splitext(upload.name or "")[1].lower()
    if extension not in EVIDENCE_TYPES:
        raise ValidationError(
            _("Only PDF, PNG, JPEG, DOCX and XLSX files are accepted as evidence."), code="wrong_type"
        )
    content_type, magics, zip_part = EVIDENCE_TYPES[extension]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    mismatch = ValidationError(
        _("The file's content is not a %(type)s file, whatever its name says.") % {"type": extension[1:].upper()},
        code="wrong_content",
    )
    if not any(head.startswith(magic) for magic in magics):
        raise mismatch
    if zip_part is not None:
        # zipfile builds an object for every entry of the directory: a 10 MB upload of empty
        # entries would cost some 60 MB before any check, so the end record is read first.
        upload.seek(max(0, upload.size - ZIP_TAIL_BYTES))
        tail = upload.read()
        upload.seek(0)
        if zip_too_many_members(tail):
            raise ValidationError(
                _("The %(type)s file has more parts than any real document: refused.")
                % {"type": extension[1:].upper()},
                code="too_many_parts",
            )
        try:
            # Reads the ZIP's directory only: nothing is decompressed.
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
            raise mismatch from None
        finally:
            upload.seek(0)
        if zip_part not in names:
            raise mismatch
    return content_type


class EvidenceStorage(FileSystemStorage):
    """settings.EVIDENCE_ROOT (or a folder of it), read on every use (tests point it elsewhere);
    files have no URL."""

    def __init__(self, subfolder="", **kwargs):
        self.subfolder = subfolder
        super().__init__(**kwargs)

    @property
    def base_location(self):
        return str(os.path.join(settings.EVIDENCE_ROOT, self.subfolder))

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Evidence files have no URL: they are served by a download view that checks the reader.")


def evidence_response(file, *, filename, content_type):
    """A stored evidence file as a download, for a view that has checked the reader: an attachment
    of its checked type, never sniffed, sandboxed, never cached; Http404 when the file is gone."""
    try:
        handle = file.storage.open(file.name, "rb")
    except FileNotFoundError:
        raise Http404("The file is missing from the evidence storage.") from None
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
