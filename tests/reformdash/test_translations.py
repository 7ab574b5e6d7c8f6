"""The Vietnamese catalogue is complete, and the compiled .mo that ships is the one its .po gives."""

import ast
import gettext
import shutil
import subprocess

import pytest
from django.conf import settings

PO = settings.BASE_DIR / "locale" / "vi" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

pytestmark = pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext's msgfmt")


def test_every_message_has_a_vietnamese_translation():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_the_committed_mo_matches_the_po(tmp_path):
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(fresh), str(PO)], check=True)
    with open(fresh, "rb") as f_fresh, open(MO, "rb") as f_committed:
        assert gettext.GNUTranslations(f_committed)._catalog == gettext.GNUTranslations(f_fresh)._catalog, (
            "locale/vi/LC_MESSAGES/django.mo is stale: run `make messages`"
        )


def _msgids(po_path):
    """The msgids of a .po file, obsolete (#~) entries left out; translated or not."""
    ids, current = set(), None
    for line in po_path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("msgid "):
            current = [line[len("msgid ") :]]
        elif current is not None and line.startswith('"'):
            current.append(line)
        elif current is not None:
            ids.add("".join(ast.literal_eval(part) for part in current))
            current = None
    return ids - {""}


def test_every_message_in_the_source_is_in_the_catalogue(tmp_path, monkeypatch, settings):
    # makemessages into a copy of the catalogue; what it adds is text that `make messages` was not
    # run for, which would show in English on the Vietnamese pages. makemessages writes to the
    # locale directory next to the files it scans, so it scans symlinks to the sources from a
    # directory whose locale/ is the copy, never the real catalogue.
    copy = tmp_path / "locale" / "vi" / "LC_MESSAGES"
    copy.mkdir(parents=True)
    shutil.copy(PO, copy / "django.po")
    for source in settings.BASE_DIR.iterdir():
        if source.name not in SKIPPED and not source.name.startswith(".") and source.is_dir():
            (tmp_path / source.name).symlink_to(source)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    from django.core.management import call_command

    call_command("makemessages", locale=["vi"], no_location=True, symlinks=True, verbosity=0)

    missing = _msgids(copy / "django.po") - _msgids(PO)
    assert not missing, f"run `make messages` and translate: {sorted(missing)[:10]}"


# Directories with no text of the product's own.
SKIPPED = {"locale", "tests", "var", "staticfiles", "bench", "fixtures", "node_modules"}
