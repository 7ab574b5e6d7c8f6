"""Hostile workbooks built in memory: zip bombs (a huge sheet squeezed small, a directory of a
hundred thousand entries) and XML entity bombs ("billion laughs") in each part openpyxl parses."""

import functools
import io
import zipfile

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
SHARED_STRINGS = "xl/sharedStrings.xml"
WORKBOOK = "xl/workbook.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def real_workbook(rows=(("code", "name", "kind", "parent_code"), ("Z", "Xã Z", "commune", "B"))):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _parts(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(parts, *, huge=None):
    """parts {name: bytes}; huge (name, head, chunk, times, tail): a part streamed chunk by chunk,
    so that building it never holds it whole."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            if huge and name == huge[0]:
                _, head, chunk, times, tail = huge
                with archive.open(name, "w", force_zip64=False) as member:
                    member.write(head)
                    for _ in range(times):
                        member.write(chunk)
                    member.write(tail)
            else:
                archive.writestr(name, content)
    return buffer.getvalue()


# The big builders take a second or more each and return bytes (immutable): built once per process,
# though tests/hostile and tests/assessments both ask for them.
@functools.cache
def sheet_bomb(megabytes):
    """A real workbook whose first sheet declares `megabytes` of rows, compressed to a few hundred KB."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 20000  # about 1 MB
    head = f'<worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()
    return _zip(_parts(real_workbook()), huge=(SHEET, head, row, megabytes, b"</sheetData></worksheet>"))


@functools.cache
def many_entries(count):
    """A real workbook followed by `count` empty parts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, content in _parts(real_workbook()).items():
            archive.writestr(name, content)
        for number in range(count):
            archive.writestr(f"x/{number}", b"")
    return buffer.getvalue()


def _laughs(root_tag, body):
    """An XML document with a DTD whose entity &lol9; expands to 10⁹ "lol"s, used in body."""
    entities = ['<!ENTITY lol "lol">']
    for level in range(1, 10):
        previous = f"lol{level - 1}" if level > 1 else "lol"
        entities.append(f'<!ENTITY lol{level} "{f"&{previous};" * 10}">')
    dtd = f"<!DOCTYPE {root_tag} [\n" + "\n".join(entities) + "\n]>"
    return f'<?xml version="1.0"?>\n{dtd}\n{body}'.encode()


def entity_bomb(part):
    """A real workbook whose `part` (the sheet, the shared strings or the workbook) is a billion laughs."""
    parts = _parts(real_workbook())
    if part == SHEET:
        parts[SHEET] = _laughs(
            "worksheet",
            f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" '
            f't="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>',
        )
    elif part == SHARED_STRINGS:
        parts[SHARED_STRINGS] = _laughs(
            "sst", f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
        )
        parts[SHEET] = (
            f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
            "</sheetData></worksheet>"
        ).encode()
        content_types = parts["[Content_Types].xml"].decode()
        if "sharedStrings" not in content_types:
            parts["[Content_Types].xml"] = content_types.replace(
                "</Types>",
                '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            ).encode()
    else:
        original = parts[WORKBOOK].decode()
        xml_start = original.index("<workbook")
        body = original[xml_start:].replace("<sheets>", "<sheets><!-- &lol9; -->", 1)
        body = body.replace('name="Sheet"', 'name="&lol9;"', 1)
        parts[WORKBOOK] = _laughs("workbook", body)
    return _zip(parts)
