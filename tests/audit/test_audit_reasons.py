"""audit.reasons: a reason our own code gives is stored as a code and its parameters and read in
the reader's language, whatever language the command or request that wrote it ran in; a person's
words are kept as written; the entries written as text before are turned into codes."""

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEntry
from audit.reasons import reason_text
from audit.services import audit_record

migration = importlib.import_module("audit.migrations.0003_reason_codes_of_existing_entries")

LEFT_OUT = {"count": 2, "codes": "20333, 20334"}


def test_a_code_reads_in_the_readers_language_after_the_persons_words():
    with translation.override("en"):
        english = reason_text("QĐ 7/QĐ-UBND", "assessments.published_without", LEFT_OUT)
    with translation.override("vi"):
        vietnamese = reason_text("QĐ 7/QĐ-UBND", "assessments.published_without", LEFT_OUT)
    assert (
        english
        == "QĐ 7/QĐ-UBND · Published without the units that have no complete appraised result (2): 20333, 20334."
    )
    assert vietnamese == "QĐ 7/QĐ-UBND · Công bố khi còn 2 đơn vị chưa có kết quả thẩm định đầy đủ: 20333, 20334."
    assert reason_text("Thiếu minh chứng", "", {}) == "Thiếu minh chứng"  # a person's words, as written
    assert reason_text("", "", {}) == ""


def test_a_code_or_parameters_this_version_does_not_know_show_as_they_are_not_as_an_error():
    assert reason_text("", "some.future_code", {"n": 3}) == "some.future_code (n=3)"
    assert reason_text("", "units.moved", {"losing": "x"}) == "units.moved (losing=x)"


def test_writing_a_code_without_a_message_is_refused(db):
    with pytest.raises(ValueError, match="no message"):
        audit_record(action="unit.import", reason_code="units.typo")
    assert not AuditEntry.objects.exists()


def test_an_import_by_command_reads_in_vietnamese_on_a_vietnamese_page_and_in_english_on_an_english_one(
    client, admin_user
):
    # The command runs outside any request: before, its English reason stayed English on every page.
    with translation.override("en"):
        call_command("import_admin_units", "--province", "48", stdout=StringIO(), stderr=StringIO())
    entry = AuditEntry.objects.filter(action="unit.import").first()
    assert (entry.reason, entry.reason_code) == ("", "units.admin_import")
    assert entry.reason_params["source"].startswith("vietnamadminunits")
    client.force_login(admin_user)
    page = client.get(reverse("audit_trail"), {"action": "unit.import"}).content.decode()
    assert "đơn vị hành chính theo vietnamadminunits" in page and "administrative units from" not in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("audit_trail"), {"action": "unit.import"}).content.decode()
    assert "administrative units from vietnamadminunits" in page


def test_the_export_writes_the_reason_in_the_readers_language(client, admin_user, tree):
    audit_record(
        action="unit.move", unit=tree.commune_b1, reason_code="units.moved", reason_params={"losing": 1, "gaining": 2}
    )
    client.force_login(admin_user)
    body = b"".join(client.get(reverse("audit_trail"), {"export": "csv"}).streaming_content).decode("utf-8-sig")
    assert (
        "chuyển bởi lần nhập có cho phép chuyển đơn vị; 1 người dùng mất quyền xem, 2 người dùng được quyền xem" in body
    )


@pytest.mark.parametrize(
    ("action", "text", "reason", "code", "params"),
    [
        (
            "unit.import",
            "administrative units from vietnamadminunits 1.0.4",
            "",
            "units.admin_import",
            {"source": "vietnamadminunits 1.0.4"},
        ),
        (
            "unitlineage.import",
            "đơn vị hành chính theo vietnamadminunits 1.0.4",
            "",
            "units.admin_import",
            {"source": "vietnamadminunits 1.0.4"},
        ),
        (
            "unit.move",
            "moved by an import with moves allowed; 3 user(s) lose sight of it, 0 gain it",
            "",
            "units.moved",
            {"losing": 3, "gaining": 0},
        ),
        (
            "assessment.publish",
            "Quyết định 2533/QĐ-UBND (minh họa) · Published without the units that have no complete appraised result (1): 20333.",
            "Quyết định 2533/QĐ-UBND (minh họa)",
            "assessments.published_without",
            {"count": 1, "codes": "20333"},
        ),
        (
            "assessment.publish",
            "QĐ 9 · Công bố khi còn 2 đơn vị chưa có kết quả thẩm định đầy đủ: A2, A3.",
            "QĐ 9",
            "assessments.published_without",
            {"count": 2, "codes": "A2, A3"},
        ),
        # A person's words stay as written, even on an action whose reasons our code also writes.
        ("assessment.publish", "Quyết định 2101/QĐ-UBND (minh họa)", "Quyết định 2101/QĐ-UBND (minh họa)", "", {}),
        ("score.final", "administrative units from my notes", "administrative units from my notes", "", {}),
    ],
)
def test_the_migration_turns_the_reasons_written_as_text_into_codes(db, action, text, reason, code, params):
    entry = AuditEntry.objects.create(action=action, reason=text)
    migration.to_codes(apps, None)
    entry.refresh_from_db()
    assert (entry.reason, entry.reason_code, entry.reason_params) == (reason, code, params)
    if code:
        with translation.override("en"):
            english = reason_text(reason, code, params)
        migration.to_text(apps, None)  # and back, as English text
        entry.refresh_from_db()
        assert (entry.reason, entry.reason_code, entry.reason_params) == (english, "", {})
