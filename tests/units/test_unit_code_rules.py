"""Unit codes from one documented set and unit names in NFC without invisible characters, checked
in one place (units.validators) by the units import, the other imports keyed by unit code, the
admin and the API (issue 21)."""

import unicodedata
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from audit.services import audit_record
from tests.api.conftest import scored  # noqa: F401 (a fixture)
from units.models import Unit, UnitKind
from units.validators import unit_code_problem, unit_name_problem, validate_unit_code

pytestmark = pytest.mark.usefixtures("english")

HEADER = "code,name,kind,parent_code,valid_from,valid_to\n"


@pytest.mark.parametrize("code", ["20333", "L49-SNV", "48-STP", "DVC766.1.1", "A", "B1", "x_y", "9" * 32])
def test_real_codes_are_valid(code):
    assert unit_code_problem(code) is None


@pytest.mark.parametrize(
    "code", ["", "a/b", "Tổ 1", "A B", "-A", ".A", "A\x00", "9" * 33, "وحدة", "A\u202e", "A?x", "A#1", "A%2F"]
)
def test_other_codes_are_refused_with_a_reason(code):
    assert unit_code_problem(code)
    with pytest.raises(ValidationError):
        validate_unit_code(code)


@pytest.mark.parametrize(
    "name", ["Sở\u202eA", "Xã\u200bMột", "Xã\x00", "Xã\tMột", "Xã\u2066Một\u2069", "\ufeffXã", "x" * 256, " "]
)
def test_names_with_invisible_or_control_characters_or_too_long_are_refused(name):
    assert unit_name_problem(name)


def test_a_decomposed_name_is_checked_in_nfc():
    assert unit_name_problem(unicodedata.normalize("NFD", "Xã Điện Bàn" + "x" * 244)) is None  # 255 in NFC


def _write(tmp_path, text):
    path = tmp_path / "units.csv"
    path.write_bytes(text.encode("utf-8"))
    return str(path)


def _rejected(path):
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_units", path, stdout=StringIO(), stderr=err)
    return err.getvalue()


@pytest.mark.django_db
def test_the_units_import_reports_each_bad_code_and_name_with_line_and_column(tmp_path):
    text = (
        HEADER
        + "P,Tỉnh Ba,province,,,\n"
        + "a/b,Xã Một,commune,P,,\n"
        + f"{'9' * 33},Xã Hai,commune,P,,\n"
        + "X3,Xã\u202eBa,commune,P,,\n"
        + "X4,Xã\u200bBốn,commune,P,,\n"
    )
    err = _rejected(_write(tmp_path, text))
    assert "line 3, column code: a unit code has only ASCII letters" in err
    assert "line 4, column code: the code is longer than 32 characters" in err
    assert "line 5, column name: the name holds an invisible or control character (U+202E)" in err
    assert "line 6, column name: the name holds an invisible or control character (U+200B)" in err
    assert not Unit.objects.exists()


@pytest.mark.django_db
def test_a_nul_in_a_cell_is_the_files_problem_not_the_databases(tmp_path):
    err = _rejected(_write(tmp_path, HEADER + "P,Tỉnh Ba,province,,,\nX5,Xã Năm,commune,P\x00,,\n"))
    assert "line 3, column parent_code: holds a NUL character" in err
    assert not Unit.objects.exists()


@pytest.mark.django_db
def test_the_units_import_stores_names_in_nfc(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Xã Điện Bàn")
    call_command("import_units", _write(tmp_path, HEADER + f"X1,{decomposed},commune,,,\n"), stdout=StringIO())
    assert Unit.objects.get(code="X1").name == unicodedata.normalize("NFC", "Xã Điện Bàn")


def test_the_admin_refuses_a_bad_code_and_name(client, admin_user, tree):
    client.force_login(admin_user)
    response = client.post(
        "/admin/units/unit/add/",
        {
            "code": "a/b",
            "name": "Sở\u202eX",
            "kind": UnitKind.DEPARTMENT,
            "parent": tree.province.pk,
            "heads-TOTAL_FORMS": 0,
            "heads-INITIAL_FORMS": 0,
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200  # the form again, with its errors
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"code", "name"}
    assert not Unit.objects.filter(code="a/b").exists()


def test_the_api_tells_a_parent_that_cannot_be_a_code(client, staff, scored):
    client.force_login(staff)
    response = client.get("/api/units/", {"parent": "a/b"})
    assert response.status_code == 400
    assert response.json()["errors"]["parent"].startswith("“a/b” is not a unit code: a unit code has only ASCII")


@pytest.mark.django_db
def test_the_results_import_tells_a_code_that_cannot_be_one(scored, tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("unit_code,value\nA/1,80\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_results", str(path), "--index", "par", "--year", "2023", stdout=StringIO(), stderr=err)
    assert "line 2, column unit_code: “A/1” is not a unit code: a unit code has only ASCII" in err.getvalue()


@pytest.fixture
def slashed(tree, admin_user):
    """A unit whose code an import accepted before the rules: pages that link to it must not fail."""
    unit = Unit.objects.create(
        code="Tổ 1/2", name="Tổ một", kind=UnitKind.DEPARTMENT, parent=tree.province, valid_from=tree.dept_a.valid_from
    )
    audit_record(action="unit.import", user=admin_user, unit=unit, obj=unit, changes={"name": (None, "Tổ một")})
    return unit


@pytest.mark.parametrize("path", ["/audit/", "/dossiers/", "/units/Tổ 1/2/", "/dossiers/units/Tổ 1/2/overdue/"])
def test_pages_naming_an_old_code_with_a_slash_answer(client, admin_user, slashed, path):
    client.force_login(admin_user)
    response = client.get(path)
    assert response.status_code == 200


def test_the_audit_trail_links_to_the_old_code(client, admin_user, slashed):
    client.force_login(admin_user)
    assert "/units/T%E1%BB%95%201/2/" in client.get("/audit/").content.decode()
