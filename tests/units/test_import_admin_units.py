"""import_admin_units: a province's 2025 units and, with --legacy, the units before them with
lineage, from units.admin_data; idempotent, all or nothing, a dry run writes nothing."""

import datetime
import subprocess
import sys
import time
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEntry, AuditSource
from units import admin_data
from units.models import CommuneType, LineageKind, Unit, UnitKind, UnitLineage
from units.signals import units_changed

JULY_2025, JUNE_30 = datetime.date(2025, 7, 1), datetime.date(2025, 6, 30)


def _run(*args):
    out = StringIO()
    call_command("import_admin_units", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _rejected(*args):
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_admin_units", *args, stdout=StringIO(), stderr=err)
    return err.getvalue()


def _snapshot():
    units = list(
        Unit.objects.order_by("code").values_list(
            "code", "name", "kind", "commune_type", "parent__code", "valid_from", "valid_to", "latitude", "area_km2"
        )
    )
    links = list(UnitLineage.objects.order_by("pk").values_list("predecessor__code", "successor__code", "kind", "date"))
    return units, links


# The adapter


def test_the_data_has_34_provinces_and_3321_communes_94_of_them_in_da_nang():
    assert len(admin_data.provinces()) == 34
    communes = admin_data.communes()
    assert len(communes) == 3321 and len({c.code for c in communes}) == 3321
    assert len(admin_data.communes("48")) == 94
    assert {c.commune_type for c in communes} == {CommuneType.WARD, CommuneType.COMMUNE, CommuneType.SPECIAL_ZONE}
    assert all(len(c.code) == 5 and c.code.isdigit() for c in communes)
    hai_van = next(c for c in communes if c.code == "20194")
    assert (hai_van.name, hai_van.commune_type, hai_van.province_code) == ("Phường Hải Vân", "ward", "48")
    assert hai_van.latitude == Decimal("16.131500") and hai_van.area_km2 == Decimal("406.09")


def test_the_legacy_data_has_63_provinces_with_their_districts_and_communes():
    assert len(admin_data.legacy_provinces()) == 63
    assert {p.name for p in admin_data.legacy_provinces({"48", "49"})} == {"Thành phố Đà Nẵng", "Tỉnh Quảng Nam"}
    districts = admin_data.legacy_districts({"49"})
    # Nông Sơn had joined Quế Sơn on 1/1/2025: the list is the one of 30/6/2025.
    assert len(districts) == 17 and "Huyện Nông Sơn" not in {d.name for d in districts}
    assert any(c.commune_type == CommuneType.TOWNSHIP for c in admin_data.legacy_communes({"49"}))


def test_every_new_commune_has_predecessors_and_a_divided_old_commune_is_a_split_to_each():
    links = admin_data.commune_predecessors()
    assert {link.new_code for link in links} == {c.code for c in admin_data.communes()}
    successors = {}
    for link in links:
        successors.setdefault((link.old_code, link.level), set()).add(link.new_code)
    for link in links:
        assert (link.kind == LineageKind.SPLIT) == (len(successors[(link.old_code, link.level)]) > 1)
    assert {(p.old_code, p.kind) for p in admin_data.province_predecessors("48")} == {("48", "merge"), ("49", "merge")}


def test_the_adapter_reads_the_data_files_without_importing_the_package_and_its_geo_dependencies():
    code = (
        "import sys; from units import admin_data; admin_data.provinces(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'vietnamadminunits', 'shapely', 'geopy'}))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


# The command


@pytest.mark.django_db
def test_da_nang_with_legacy_on_an_empty_database():
    output = _run("--province", "48", "--legacy")
    legacy_districts, legacy_communes = (
        admin_data.legacy_districts({"48", "49"}),
        admin_data.legacy_communes({"48", "49"}),
    )
    created = 1 + 94 + 2 + len(legacy_districts) + len(legacy_communes)
    assert output.strip().startswith(f"created {created}, updated 0, unchanged 0")

    da_nang = Unit.objects.get(code="48")
    assert (da_nang.kind, da_nang.name, da_nang.valid_from, da_nang.valid_to) == (
        UnitKind.PROVINCE,
        "Thành phố Đà Nẵng",
        JULY_2025,
        None,
    )
    current = Unit.objects.filter(parent=da_nang)
    assert current.count() == 94
    assert set(current.values_list("kind", flat=True)) == {UnitKind.COMMUNE}
    assert not current.filter(valid_from__isnull=False).exclude(valid_from=JULY_2025).exists()
    hai_van = Unit.objects.get(code="20194")
    assert (hai_van.name, hai_van.commune_type) == ("Phường Hải Vân", CommuneType.WARD)
    assert (hai_van.latitude, hai_van.longitude, hai_van.area_km2) == (
        Decimal("16.131500"),
        Decimal("107.972000"),
        Decimal("406.09"),
    )

    # The old units: the same numbers, prefixed, ended the day before.
    quang_nam = Unit.objects.get(code="L49")
    assert (quang_nam.name, quang_nam.kind, quang_nam.valid_to) == ("Tỉnh Quảng Nam", UnitKind.PROVINCE, JUNE_30)
    hoa_hiep_bac = Unit.objects.get(code="L20194")
    assert (hoa_hiep_bac.name, hoa_hiep_bac.parent.code, hoa_hiep_bac.parent.parent.code) == (
        "Phường Hòa Hiệp Bắc",
        "L490",
        "L48",
    )
    assert Unit.objects.filter(kind=UnitKind.DISTRICT, parent=quang_nam).count() == 17
    assert not Unit.objects.filter(code__startswith="L").exclude(valid_to=JUNE_30).exists()

    # Lineage: both old provinces into the new one, every new commune from its old ones.
    assert set(UnitLineage.objects.filter(successor=da_nang).values_list("predecessor__code", "kind")) == {
        ("L48", LineageKind.MERGE),
        ("L49", LineageKind.MERGE),
    }
    expected = {(f"L{p.old_code}", p.new_code, p.kind) for p in admin_data.commune_predecessors("48")}
    stored = set(
        UnitLineage.objects.exclude(successor=da_nang).values_list("predecessor__code", "successor__code", "kind")
    )
    assert stored == expected
    assert set(UnitLineage.objects.values_list("date", flat=True)) == {JULY_2025}
    assert ("L20194", "20194", LineageKind.MERGE) in stored
    # Hoàng Sa had no communes: the district itself carries on as the special zone.
    assert ("L498", "20333", LineageKind.RENAME) in stored

    # Audited, one batch, from the command line.
    entries = AuditEntry.objects.filter(action__in=["unit.import", "unitlineage.import"])
    assert entries.count() == created + UnitLineage.objects.count()
    assert entries.values("batch").distinct().count() == 1
    assert set(entries.values_list("source", flat=True)) == {AuditSource.COMMAND}


@pytest.mark.django_db
def test_a_second_run_changes_nothing():
    _run("--province", "48", "--legacy")
    before, audited = _snapshot(), AuditEntry.objects.count()
    output = _run("--province", "48", "--legacy")
    assert output.startswith("nothing changed; created 0, updated 0")
    assert _snapshot() == before and AuditEntry.objects.count() == audited


@pytest.mark.django_db
def test_a_dry_run_lists_what_would_change_and_writes_nothing():
    output = _run("--province", "48", "--legacy", "--dry-run")
    assert "create 20194\n" in output and "create L20194\n" in output
    assert "lineage L49 → 48 (merge)\n" in output
    assert "dry run, nothing written" in output
    assert not Unit.objects.exists() and not UnitLineage.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_a_changed_unit_is_shown_with_its_field_diff_then_updated_and_announced():
    _run("--province", "48")
    Unit.objects.filter(code="20194").update(name="Phường Hải Vân cũ", area_km2=Decimal("1"))
    output = _run("--province", "48", "--dry-run")
    assert "update 20194: name: Phường Hải Vân cũ → Phường Hải Vân; area_km2: 1.00 → 406.09" in output
    assert Unit.objects.get(code="20194").name == "Phường Hải Vân cũ"

    heard = []

    def receiver(sender, unit_ids, **kwargs):
        heard.append(unit_ids)

    units_changed.connect(receiver)
    try:
        assert _run("--province", "48").startswith("created 0, updated 1, unchanged 94")
    finally:
        units_changed.disconnect(receiver)
    assert heard == [{Unit.objects.get(code="20194").pk}]
    assert Unit.objects.get(code="20194").name == "Phường Hải Vân"
    entry = AuditEntry.objects.filter(action="unit.import").latest("pk")
    assert entry.changes == {"name": ["Phường Hải Vân cũ", "Phường Hải Vân"], "area_km2": ["1.00", "406.09"]}


@pytest.mark.django_db
def test_an_unknown_province_is_refused_with_the_known_codes():
    err = _rejected("--province", "49")
    assert "unknown province “49”" in err and "48" in err
    assert not Unit.objects.exists()


@pytest.mark.django_db
def test_a_stored_unit_of_another_kind_or_parent_is_refused_never_guessed():
    Unit.objects.create(code="20194", name="Phường Hải Vân", kind=UnitKind.DISTRICT)
    elsewhere = Unit.objects.create(code="X", name="Tỉnh khác", kind=UnitKind.PROVINCE)
    Unit.objects.create(code="20197", name="Phường Liên Chiểu", kind=UnitKind.COMMUNE, parent=elsewhere)
    err = _rejected("--province", "48", "--legacy")
    assert "“20194” is stored as a District level; the data makes it a Commune level" in err
    assert "“20197” is stored under another parent than “48”" in err
    assert Unit.objects.count() == 3 and not UnitLineage.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_a_province_keeps_the_parent_it_has():
    nation = Unit.objects.create(code="VN", name="Việt Nam", kind=UnitKind.NATION)
    Unit.objects.create(code="48", name="Thành phố Đà Nẵng", kind=UnitKind.PROVINCE, parent=nation)
    _run("--province", "48")
    assert Unit.objects.get(code="48").parent == nation


@pytest.mark.slow
@pytest.mark.django_db
def test_all_34_provinces_with_legacy(capsys):
    started = time.monotonic()
    output = _run("--all", "--legacy")
    seconds = time.monotonic() - started
    new = 34 + 3321
    old = 63 + len(admin_data.legacy_districts()) + len(admin_data.legacy_communes())
    assert output.strip().startswith(f"created {new + old}, updated 0, unchanged 0")
    assert Unit.objects.filter(valid_from=JULY_2025).count() == new
    assert Unit.objects.filter(valid_to=JUNE_30).count() == old
    links = len(admin_data.province_predecessors()) + len(admin_data.commune_predecessors())
    assert UnitLineage.objects.count() == links
    with capsys.disabled():
        print(f"\nimport_admin_units --all --legacy: {seconds:.1f} s, {new + old} units, {links} lineage links")
    assert _run("--all", "--legacy").startswith("nothing changed")
