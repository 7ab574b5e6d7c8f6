"""Every action code the code writes has a reader's label; changes are shown the page's way."""

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

from assessments.workflow import AUDIT_ACTION
from trail.actions import ACTION_LABELS, action_label, shown_changes, shown_value

APPS = ("audit", "indicators", "units", "assessments", "imports", "dossiers", "api", "jobs", "remediation")
# A code is a dotted string literal on a line that writes an action ("action": …, action=…,
# audit_action=lambda …: "score.self" if … else …).
ACTION_LINE = re.compile(r"""(?:["']action["']\s*:|\b(?:audit_)?action\s*=)(.*)""")
CODE = re.compile(r"""["']([a-z_]+\.[a-z_]+)["']""")
# audit_admin_save / audit_admin_delete name the action after the model: these admins call them.
ADMIN_AUDITED = ("index", "methodology", "criterion", "assessment", "score", "band", "result", "unit")


def written_codes():
    codes = set(AUDIT_ACTION.values())
    for app in APPS:
        for path in Path(settings.BASE_DIR, app).rglob("*.py"):
            if "migrations" not in path.parts:
                for line in ACTION_LINE.findall(path.read_text(encoding="utf-8")):
                    codes |= set(CODE.findall(line))
    return codes


def test_every_written_action_has_a_label():
    codes = written_codes()
    assert {"score.self", "score.final", "score.import", "assessment.publish", "result.published"} <= codes
    assert codes - set(ACTION_LABELS) == set()


def test_every_admin_audited_model_has_its_three_labels():
    for model in ADMIN_AUDITED:
        for verb in ("add", "change", "delete"):
            assert f"{model}.{verb}" in ACTION_LABELS


def test_an_unknown_code_is_shown_as_it_is():
    assert action_label("band.recolour") == "band.recolour"


def test_values_the_vietnamese_way():
    with translation.override("vi"):
        assert shown_value("2.500000") == "2,50"
        assert shown_value("2.125") == "2,125"
        assert shown_value("35") == "35"
        assert shown_value(None) == "—" and shown_value("") == "—"
        assert shown_value("2025-06-30") == "30/06/2025"
        assert shown_value("2025-02-30") == "2025-02-30"
        assert shown_value(["1.1", "1.2"]) == "1.1, 1.2"


def test_changes_with_their_field_names_and_statuses_in_english():
    with translation.override("en"):
        rows = shown_changes(
            {
                "final_score": ["2", "2.25"],
                "status": ["draft", "submitted"],
                "not_applicable": [False, True],
                "mystery": [1, 2],
                "odd": "x",
            }
        )
    assert rows == [
        ("appraised score", "2", "2.25"),
        ("status", "Draft", "Submitted"),
        ("not applicable", "no", "yes"),
        ("mystery", "1", "2"),
        ("odd", "—", "x"),
    ]
