"""/imports/ refuses a file by size before reading it: a body declaring more than IMPORT_MAX_BYTES is
answered 413 without a byte of it read, and one that streams past the limit is cut off there — in
both cases nothing is stored and the page says why."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import MULTIPART_CONTENT, encode_multipart

from imports.models import ImportRun

URL = "/imports/"
BOUNDARY = "hostileboundary"


class CountingInput(io.BytesIO):
    """A request body that counts what the server reads of it."""

    taken = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.taken += len(line)
        return line


def _body(content):
    return encode_multipart(BOUNDARY, {"kind": "units", "file": SimpleUploadedFile("units.csv", content)})


def _stored(settings):
    root = settings.IMPORT_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_a_body_declared_too_big_is_refused_unread(client, appraiser, settings, tmp_path, english):
    settings.IMPORT_ROOT = tmp_path / "imports"
    settings.IMPORT_MAX_BYTES = 1000
    client.force_login(appraiser)
    body = CountingInput(_body(b"code,name\n" + b"x" * 100))
    response = client.generic(
        "POST",
        URL,
        content_type=MULTIPART_CONTENT.replace("BoUnDaRyStRiNg", BOUNDARY),
        CONTENT_LENGTH=str(50 * 2**20),
        **{"wsgi.input": body},
    )
    assert response.status_code == 413
    assert body.taken == 0
    assert response.context["upload_errors"] == ["The file is larger than the 1000\xa0bytes that can be imported."]
    assert "The file is larger than the 1000\xa0bytes that can be imported." in response.content.decode()
    assert not ImportRun.objects.exists() and _stored(settings) == []


def test_a_file_streaming_past_the_limit_is_cut_off_and_not_stored(client, appraiser, settings, tmp_path, english):
    # Declared within the limit plus the form's overhead, so only the streaming check can stop it.
    settings.IMPORT_ROOT = tmp_path / "imports"
    settings.IMPORT_MAX_BYTES = 10_000
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploading")
    (tmp_path / "uploading").mkdir()
    client.force_login(appraiser)
    response = client.post(
        URL, {"kind": "units", "file": SimpleUploadedFile("units.csv", b"code,name\n" + b"x" * 20_000)}
    )
    assert response.status_code == 413
    assert response.context["upload_errors"] == ["The file is larger than the 9.8\xa0KB that can be imported."]
    assert not ImportRun.objects.exists() and _stored(settings) == []
    assert list((tmp_path / "uploading").iterdir()) == []


def test_a_file_within_the_limit_is_checked(client, appraiser, tree, settings, tmp_path, tasks_in_process):
    settings.IMPORT_ROOT = tmp_path / "imports"
    settings.IMPORT_MAX_BYTES = 10_000
    client.force_login(appraiser)
    content = b"code,name,kind,parent_code\nZ,X\xc3\xa3 Z,commune,B\n"
    response = client.post(URL, {"kind": "units", "file": SimpleUploadedFile("units.csv", content)})
    assert response.status_code == 302
    assert ImportRun.objects.get().rows == 1


def test_the_size_refusal_still_needs_the_csrf_token(appraiser, settings, tmp_path):
    # The view is exempted from the middleware's check only to run it after the size limit is set.
    from django.test import Client

    settings.IMPORT_ROOT = tmp_path / "imports"
    client = Client(enforce_csrf_checks=True)
    client.force_login(appraiser)
    response = client.post(URL, {"kind": "units", "file": SimpleUploadedFile("units.csv", b"code,name\nZ,X\n")})
    assert response.status_code == 403
    assert not ImportRun.objects.exists()


def test_only_importers_reach_the_size_check(client, head_a, settings, tmp_path):
    settings.IMPORT_ROOT = tmp_path / "imports"
    client.force_login(head_a)
    response = client.generic(
        "POST",
        URL,
        content_type=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(50 * 2**20),
        **{"wsgi.input": CountingInput(b"")},
    )
    assert response.status_code == 404
