"""Uploads refused by size before they are read: from the declared Content-Length, and, whatever
was declared, as soon as a file streams past the limit (the rest of the body is skipped, not stored)."""

from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload

# What a multipart body may carry besides the file (the token, the other fields, the boundaries).
FORM_OVERHEAD_BYTES = 16 * 1024


def declared_length(request):
    """The body's length as the request declares it (0 when absent or not a number)."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def body_declared_too_big(request, *, limit):
    return declared_length(request) > limit + FORM_OVERHEAD_BYTES


class UploadSizeLimit(FileUploadHandler):
    """Put first in request.upload_handlers: stops reading at the first file passing `limit` bytes,
    and says so in `exceeded`; the next handlers (memory or temporary file) keep the file otherwise."""

    exceeded = False

    def __init__(self, request=None, *, limit):
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


class UploadSizeSkip(FileUploadHandler):
    """As UploadSizeLimit, for a form that carries other fields with its files: a file passing
    `limit` bytes is skipped (its name in `too_big`) and the rest of the body still parsed, so that
    the form can come back with what was typed and the message beside that file's input."""

    def __init__(self, request=None, *, limit):
        super().__init__(request)
        self.limit = limit
        self.too_big = set()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.too_big.add(self.field_name)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None
