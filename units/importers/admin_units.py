"""The administrative-units import: a province's units of 1/7/2025, and optionally the units before
them with lineage, from units.admin_data (`import_admin_units`).

Codes. New units keep the statistics office's codes as they are ("48", "20194"). The old units
had codes from the same ranges — commune 20194 was phường Hòa Hiệp Bắc and is now phường Hải Vân,
province 48 was the old Đà Nẵng and is the new one — so an old unit's code is "L" and its old
code: "L48", "L490" (a district), "L20194". No new code starts with a letter, so the two can never
collide, and the old number stays readable (docs/user-guide.md, "Unit codes").

Existing units are matched by code. A unit whose stored kind or parent differs from the data's is
refused, not changed: a reorganisation is a new unit with lineage, never a move (units.importers.units).
A province keeps the parent it has (the demo hangs provinces under the nation). Everything is
checked first, then written in one transaction or not at all; a dry run checks and reports only.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import AuditSource
from audit.services import audit_record_many, changed_values, new_batch
from units import admin_data
from units.models import LineageKind, Unit, UnitKind, UnitLineage
from units.signals import units_changed

LEGACY_PREFIX = "L"
REORGANISATION_DATE = datetime.date(2025, 7, 1)
_FIELDS = ("name", "kind", "commune_type", "valid_from", "valid_to", "latitude", "longitude", "area_km2", "population")


def legacy_code(code):
    """The code an old unit is stored under (module docstring)."""
    return f"{LEGACY_PREFIX}{code}"


class AdminUnitsRejected(Exception):
    """Nothing was written: every problem found."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class AdminUnitsResult:
    """What an import did, or would do on a dry run."""

    created: list = field(default_factory=list)  # codes
    updated: dict = field(default_factory=dict)  # code: {field: (old, new)}
    unchanged: int = 0
    lineage_added: list = field(default_factory=list)  # (predecessor code, successor code, kind)
    lineage_updated: dict = field(default_factory=dict)  # (predecessor code, successor code): {field: (old, new)}
    # Lineage the data has but this run cannot record: its other end is in a province not imported.
    skipped: list = field(default_factory=list)
    dry_run: bool = False
    source: str = ""

    @property
    def changed(self):
        return bool(self.created or self.updated or self.lineage_added or self.lineage_updated)


def admin_units_import(
    *,
    province_codes=None,
    as_of=REORGANISATION_DATE,
    legacy=False,
    dry_run=False,
    user=None,
    source=AuditSource.COMMAND,
):
    """Create or update the units of the given provinces (None: all 34) as of `as_of`; with `legacy`,
    also the old provinces that formed them, their districts and communes (until the day before)
    and the lineage from old to new. Raises AdminUnitsRejected, writing nothing, on any problem."""
    try:
        known = {p.code: p for p in admin_data.provinces()}
        wanted = sorted(known) if province_codes is None else list(dict.fromkeys(province_codes))
        unknown = [code for code in wanted if code not in known]
        if unknown:
            raise AdminUnitsRejected(
                [
                    _("unknown province “%(code)s”: the data (%(source)s) has %(codes)s")
                    % {"code": code, "source": admin_data.source(), "codes": ", ".join(sorted(known))}
                    for code in unknown
                ]
            )
        units, lineage, skipped = _desired(wanted, known, as_of=as_of, legacy=legacy)
        data_source = admin_data.source()
    except admin_data.AdminDataUnavailable as error:
        raise AdminUnitsRejected([str(error)]) from None
    with transaction.atomic():
        result = _compare_and_write(
            units, lineage, as_of=as_of, dry_run=dry_run, user=user, source=source, data_source=data_source
        )
    result.skipped = skipped
    return result


def _desired(wanted, known, *, as_of, legacy):
    """{code: values with parent_code} of the units, [(old code, new code, kind)] of the lineage,
    and the lineage skipped, as the data gives them."""
    units = {}
    for code in wanted:
        province = known[code]
        units[code] = {
            "name": province.name,
            "kind": UnitKind.PROVINCE,
            "valid_from": as_of,
            "valid_to": None,
            "latitude": province.latitude,
            "longitude": province.longitude,
        }
        for commune in admin_data.communes(code):
            units[commune.code] = {
                "name": commune.name,
                "kind": UnitKind.COMMUNE,
                "commune_type": commune.commune_type,
                "valid_from": as_of,
                "valid_to": None,
                "latitude": commune.latitude,
                "longitude": commune.longitude,
                "area_km2": commune.area_km2,
                "parent_code": code,
            }
            if commune.population is not None:
                units[commune.code]["population"] = commune.population
    if not legacy:
        return units, [], []

    last_day = as_of - datetime.timedelta(days=1)
    province_links = [p for code in wanted for p in admin_data.province_predecessors(code)]
    old_provinces = {p.old_code for p in province_links}
    for province in admin_data.legacy_provinces(old_provinces):
        units[legacy_code(province.code)] = {
            "name": province.name,
            "kind": UnitKind.PROVINCE,
            "valid_to": last_day,
            "latitude": province.latitude,
            "longitude": province.longitude,
        }
    for district in admin_data.legacy_districts(old_provinces):
        units[legacy_code(district.code)] = {
            "name": district.name,
            "kind": UnitKind.DISTRICT,
            "valid_to": last_day,
            "latitude": district.latitude,
            "longitude": district.longitude,
            "parent_code": legacy_code(district.province_code),
        }
    for commune in admin_data.legacy_communes(old_provinces):
        units[legacy_code(commune.code)] = {
            "name": commune.name,
            "kind": UnitKind.COMMUNE,
            "commune_type": commune.commune_type,
            "valid_to": last_day,
            "latitude": commune.latitude,
            "longitude": commune.longitude,
            "parent_code": legacy_code(commune.district_code),
        }
    lineage, skipped = [], []
    links = province_links + [p for code in wanted for p in admin_data.commune_predecessors(code)]
    old_to_elsewhere = {
        (legacy_code(p.old_code), p.new_code)
        for p in admin_data.commune_predecessors()
        if p.level == "commune" and legacy_code(p.old_code) in units and p.new_code not in units
    }
    for link in links:
        predecessor = legacy_code(link.old_code)
        if predecessor in units:
            lineage.append((predecessor, link.new_code, link.kind))
        else:
            skipped.append((predecessor, link.new_code, link.kind))
    skipped.extend((old, new, LineageKind.SPLIT) for old, new in sorted(old_to_elsewhere))
    return units, lineage, skipped


def _compare_and_write(units, lineage, *, as_of, dry_run, user, source, data_source):
    result = AdminUnitsResult(dry_run=dry_run, source=data_source)
    existing = Unit.objects.in_bulk(list(units), field_name="code")
    parent_ids = {code: unit.pk for code, unit in existing.items()}
    problems = []
    for code, values in units.items():
        unit = existing.get(code)
        if unit is None:
            result.created.append(code)
            continue
        if unit.kind != values["kind"]:
            problems.append(
                _("“%(code)s” is stored as a %(stored)s; the data makes it a %(kind)s")
                % {"code": code, "stored": unit.get_kind_display(), "kind": UnitKind(values["kind"]).label}
            )
        parent_code = values.get("parent_code")
        if parent_code is not None and unit.parent_id != parent_ids.get(parent_code, -1):
            problems.append(
                _(
                    "“%(code)s” is stored under another parent than “%(parent)s”: a reorganisation is a new "
                    "unit with lineage, not a move"
                )
                % {"code": code, "parent": parent_code}
            )
        changes = changed_values(
            {f: getattr(unit, f) for f in values if f in _FIELDS},
            {f: v for f, v in values.items() if f in _FIELDS},
            [f for f in values if f in _FIELDS],
        )
        if changes:
            result.updated[code] = changes
        else:
            result.unchanged += 1
    if problems:
        raise AdminUnitsRejected(problems)

    existing_links = {}
    ids = [unit.pk for unit in existing.values()]
    if ids:
        for row in UnitLineage.objects.filter(successor_id__in=ids).values(
            "pk", "predecessor__code", "successor__code", "kind", "date"
        ):
            existing_links[(row["predecessor__code"], row["successor__code"])] = row
    for predecessor, successor, kind in lineage:
        row = existing_links.get((predecessor, successor))
        if row is None:
            result.lineage_added.append((predecessor, successor, kind))
        else:
            changes = changed_values(row, {"kind": kind, "date": as_of}, ("kind", "date"))
            if changes:
                result.lineage_updated[(predecessor, successor)] = changes
    if dry_run or not result.changed:
        return result
    _write(units, existing, result, existing_links, as_of=as_of, user=user, source=source, data_source=data_source)
    return result


def _write(units, existing, result, existing_links, *, as_of, user, source, data_source):
    Unit.objects.bulk_create(
        [Unit(code=code, **{f: v for f, v in units[code].items() if f in _FIELDS}) for code in result.created],
        batch_size=500,
    )
    updated = []
    for code, changes in result.updated.items():
        unit = existing[code]
        for name, (_old, new) in changes.items():
            setattr(unit, name, new)
        updated.append(unit)
    if updated:
        Unit.objects.bulk_update(updated, list({f for c in result.updated.values() for f in c}), batch_size=500)
    by_code = Unit.objects.in_bulk(list(units), field_name="code")
    # Parents last: a parent may be a unit created above, in any order.
    new_parents = []
    for code in result.created:
        parent_code = units[code].get("parent_code")
        if parent_code is not None:
            by_code[code].parent_id = by_code[parent_code].pk
            new_parents.append(by_code[code])
    Unit.objects.bulk_update(new_parents, ["parent"], batch_size=500)

    links = [
        UnitLineage(
            predecessor_id=by_code[predecessor].pk,
            successor_id=by_code[successor].pk,
            date=as_of,
            kind=kind,
            note=_("from %(source)s") % {"source": data_source},
        )
        for predecessor, successor, kind in result.lineage_added
    ]
    UnitLineage.objects.bulk_create(links, batch_size=500)
    for (predecessor, successor), changes in result.lineage_updated.items():
        UnitLineage.objects.filter(pk=existing_links[(predecessor, successor)]["pk"]).update(
            **{name: new for name, (_old, new) in changes.items()}
        )
    if result.updated:
        # Dates, names or kinds decide which group a unit is ranked in: the engine listens (as for
        # the units importer) and recomputes in this transaction.
        units_changed.send(sender=Unit, unit_ids={existing[code].pk for code in result.updated})
    _audit(units, by_code, result, as_of=as_of, user=user, source=source, data_source=data_source)


def _audit(units, by_code, result, *, as_of, user, source, data_source):
    # Our code's reason, put into words in the reader's language when read (audit.reasons).
    batch, reason = new_batch(), {"reason_code": "units.admin_import", "reason_params": {"source": data_source}}
    entries = []
    for code in result.created:
        values = {f: v for f, v in units[code].items() if f in _FIELDS}
        unit = by_code[code]
        entries.append(
            {
                "action": "unit.import",
                "user": user,
                "obj": unit,
                "unit": unit,
                "changes": changed_values(None, {**values, "parent": unit.parent_id}, [*values, "parent"]),
                **reason,
                "batch": batch,
                "source": source,
            }
        )
    for code, changes in result.updated.items():
        unit = by_code[code]
        entries.append(
            {
                "action": "unit.import",
                "user": user,
                "obj": unit,
                "unit": unit,
                "changes": changes,
                **reason,
                "batch": batch,
                "source": source,
            }
        )
    links = UnitLineage.objects.filter(
        successor_id__in={by_code[s].pk for _p, s, _k in result.lineage_added}
        | {by_code[s].pk for _p, s in result.lineage_updated}
    ).select_related("predecessor", "successor")
    wanted = {(p, s) for p, s, _k in result.lineage_added} | set(result.lineage_updated)
    for link in links:
        key = (link.predecessor.code, link.successor.code)
        if key not in wanted:
            continue
        changes = result.lineage_updated.get(key) or {
            "predecessor": (None, link.predecessor_id),
            "kind": (None, link.kind),
            "date": (None, link.date),
        }
        entries.append(
            {
                "action": "unitlineage.import",
                "user": user,
                "obj": link,
                "unit": link.successor_id,
                "changes": changes,
                **reason,
                "batch": batch,
                "source": source,
            }
        )
    audit_record_many(entries)
    return batch
