"""load_demo (demo.services.demo_load): how loading behaves, each test from an empty database.
What the demo holds, its passwords file and show_demo_credentials, which only read a load, are in
test_demo_content.py."""

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from audit.models import AuditEntry
from demo import services as demo
from dossiers.models import Dossier, DossierMonth
from indicators.models import (
    Assessment,
    Band,
    Criterion,
    Index,
    Methodology,
    Result,
    Score,
)
from tests.demo.test_demo_content import demo_dossiers
from units.models import Membership, Unit, UnitHead, UnitLineage

# Each test loads the demo (thousands of rows) once or twice: seconds each.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

DEMO_TABLES = (
    Unit,
    UnitLineage,
    UnitHead,
    Membership,
    Index,
    Methodology,
    Criterion,
    Band,
    Assessment,
    Score,
    Result,
    User,
    Group,
    User.groups.through,
    Group.permissions.through,
    User.user_permissions.through,
    Dossier,
    DossierMonth,
    AuditEntry,  # the administrative-units import writes its trail only when it changes something
)
# Assessments: 2021–2024 of the old units (40 departments × PAR, SIPAS, 766; 24 districts × the
# same; 280 communes × PAR, 766), 2025 of the units of today (15 departments × 3, 93 communes × 2: not Đặc khu
# Hoàng Sa), 2026 in progress (108 units × PAR, 766).
DEMO_ASSESSMENTS = 4 * (40 * 3 + 24 * 3 + 280 * 2) + (15 * 3 + 93 * 2) + 108 * 2


@pytest.fixture(autouse=True)
def credentials_file(settings, tmp_path):
    # In a directory that does not exist yet: the loader must create it.
    settings.DEMO_CREDENTIALS_FILE = tmp_path / "var" / "demo-credentials.json"
    return settings.DEMO_CREDENTIALS_FILE


@pytest.fixture
def load(django_capture_on_commit_callbacks, tasks_in_process):
    """Run `manage.py load_demo` as a user would, after-commit work (the recompute jobs, run
    in-process) included; returns its output."""

    def run():
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("load_demo", stdout=out)
        return out.getvalue()

    return run


@pytest.fixture
def loaded(load):
    load()


def snapshot():
    return {table._meta.label: list(table.objects.order_by("pk").values_list()) for table in DEMO_TABLES}


# --- Idempotence -----------------------------------------------------------------------------------


def test_a_second_load_changes_nothing(load, credentials_file):
    first = load()
    before = snapshot()
    passwords_before = credentials_file.read_bytes()

    second = load()

    assert snapshot() == before
    assert credentials_file.read_bytes() == passwords_before
    scores = len(before["indicators.Score"])
    assert "Demo loaded" in first and f"{scores} scores" in first and f"{demo_dossiers()} dossiers" in first
    assert "458 units" in first and f"{DEMO_ASSESSMENTS} assessments" in first
    assert second.strip() == "The demo is already loaded: nothing changed."
    # The snapshot really covers the demo: tens of thousands of scores and dossiers, their monthly
    # statistics, and the users' password hashes.
    assert scores > 50_000
    assert len(before["dossiers.Dossier"]) == demo_dossiers() and before["dossiers.DossierMonth"]
    password = [field.attname for field in User._meta.concrete_fields].index("password")
    assert all(row[password].startswith("md5$") for row in before["auth.User"])


def test_a_second_load_keeps_what_people_changed_since(load, loaded):
    admin = User.objects.get(username="admin")
    admin.set_password("chosen by the admin")
    admin.save()
    score = Score.objects.filter(not_applicable=False).order_by("pk").first()
    Score.objects.filter(pk=score.pk).update(final_score=Decimal("0.5"), self_score=Decimal("0.5"))

    load()

    admin.refresh_from_db()
    assert admin.check_password("chosen by the admin")
    assert Score.objects.get(pk=score.pk).final_score == Decimal("0.5")


def test_a_failed_load_leaves_no_rows_and_no_passwords(
    monkeypatch, django_capture_on_commit_callbacks, credentials_file
):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo, "_ensure_heads", fail)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        demo.demo_load()

    assert not Unit.objects.exists() and not Score.objects.exists() and not User.objects.exists()
    assert not credentials_file.exists()


def test_the_scores_do_not_depend_on_the_order_of_the_unit_file():
    units = demo.read_unit_rows()
    criteria = {
        name: demo.read_criterion_rows(demo.FIXTURES_DIR / name)
        for name in sorted({spec.criteria_file for spec in demo.METHODOLOGIES if spec.criteria_file})
    }

    as_written = demo.plan_assessments(unit_rows=units, criterion_rows=criteria)
    reversed_file = demo.plan_assessments(unit_rows=list(reversed(units)), criterion_rows=criteria)

    assert as_written == reversed_file
    assert len(as_written) == DEMO_ASSESSMENTS
