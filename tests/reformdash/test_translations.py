"""The Vietnamese catalogue is complete, and the compiled .mo that ships is the one its .po gives."""

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
