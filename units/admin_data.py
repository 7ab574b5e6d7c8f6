"""Vietnam's administrative units as plain data: the one module that knows where they come from.

Today the source is the package vietnamadminunits (MIT; docs/operations.md, "Administrative
units"): the 34 provinces and 3,321 communes in force since 1/7/2025 with the statistics office's
codes (Quyết định 19/2025/QĐ-TTg), each commune's centroid and area; the 63 provinces, their
districts and communes before that date; and which old communes each new one was formed from.
Its data files are read directly (an SQLite file and a JSON file): importing the package would
load its address parser, which pulls in geopy and shapely for nothing we use.

Everything else (units.importers.admin_units, the tests) sees only the dataclasses and functions
below, so a newer release, another package or a decision's own list replaces the source by
rewriting this module alone.

Codes are the statistics office's, zero-padded as it writes them: provinces 2 digits, districts 3,
communes 5. Old and new units share those numbers (20194 was phường Hòa Hiệp Bắc and is phường
Hải Vân), so the importer, not this module, decides how the old ones are stored.
"""

import functools
import importlib.metadata
import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

PACKAGE = "vietnamadminunits"


class AdminDataUnavailable(Exception):
    """The administrative-units data is not installed or not in the shape this module reads."""


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    latitude: Decimal | None = None
    longitude: Decimal | None = None


@dataclass(frozen=True)
class Commune:
    """A commune-level unit since 1/7/2025: xã, phường or đặc khu."""

    code: str
    name: str
    commune_type: str  # a units.models.CommuneType value
    province_code: str
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    area_km2: Decimal | None = None
    population: int | None = None


@dataclass(frozen=True)
class LegacyProvince:
    code: str
    name: str
    latitude: Decimal | None = None
    longitude: Decimal | None = None


@dataclass(frozen=True)
class LegacyDistrict:
    code: str
    name: str
    province_code: str
    latitude: Decimal | None = None
    longitude: Decimal | None = None


@dataclass(frozen=True)
class LegacyCommune:
    """A commune before 1/7/2025: xã, phường or thị trấn, under a district."""

    code: str
    name: str
    commune_type: str
    district_code: str
    province_code: str
    latitude: Decimal | None = None
    longitude: Decimal | None = None


@dataclass(frozen=True)
class Predecessor:
    """An old unit that a new one was formed from.

    level is the old unit's: "province", "commune", or "district" for the five island districts
    that had no communes (Hoàng Sa, Bạch Long Vĩ, Cồn Cỏ, Lý Sơn, Côn Đảo) and became a commune-level
    special zone. kind: "split" when the old unit went to several new ones, else "merge" when the
    new one was formed from several, else "rename" (one old unit carried on as one new one)."""

    new_code: str
    old_code: str
    level: str
    kind: str


# The data's words for a commune's type, and CommuneType's values for them.
_COMMUNE_TYPES = {"Phường": "ward", "Xã": "commune", "Đặc khu": "special_zone", "Thị trấn": "township"}


def source():
    """The package and version the data comes from, for messages, audit reasons and the docs."""
    return f"{PACKAGE} {_distribution().version}"


def provinces():
    return list(_data()["provinces"].values())


def communes(province_code=None):
    return [c for c in _data()["communes"] if province_code is None or c.province_code == province_code]


def legacy_provinces(codes=None):
    return [p for p in _data()["legacy_provinces"].values() if codes is None or p.code in codes]


def legacy_districts(province_codes=None):
    return [
        d for d in _data()["legacy_districts"].values() if province_codes is None or d.province_code in province_codes
    ]


def legacy_communes(province_codes=None):
    return [c for c in _data()["legacy_communes"] if province_codes is None or c.province_code in province_codes]


def province_predecessors(province_code=None):
    return [p for p in _data()["province_predecessors"] if province_code is None or p.new_code == province_code]


def commune_predecessors(province_code=None):
    """The predecessors of the new communes (of one province); an old commune split between
    several new ones appears once for each, with kind "split"."""
    if province_code is None:
        return list(_data()["commune_predecessors"])
    codes = {c.code for c in communes(province_code)}
    return [p for p in _data()["commune_predecessors"] if p.new_code in codes]


def _distribution():
    try:
        return importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError as error:
        raise AdminDataUnavailable(f"the package {PACKAGE} is not installed") from error


def _decimal(value, places):
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))


def _commune_type(word):
    try:
        return _COMMUNE_TYPES[word]
    except KeyError as error:
        raise AdminDataUnavailable(f"unknown commune type {word!r} in {PACKAGE}") from error


@functools.cache
def _data():
    """Everything, read once per process (about a second): 13,000 rows are small."""
    distribution = _distribution()
    database = distribution.locate_file(f"{PACKAGE}/data/dataset.db")
    converter = distribution.locate_file(f"{PACKAGE}/data/converter_2025.json")
    try:
        # Read-only: the file belongs to the installed package.
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
            connection.row_factory = sqlite3.Row
            new_rows = connection.execute("SELECT * FROM admin_units ORDER BY wardCode").fetchall()
            old_rows = connection.execute(
                "SELECT * FROM admin_units_legacy ORDER BY provinceCode, districtCode, wardCode"
            ).fetchall()
        mapping = json.loads(converter.read_text(encoding="utf-8"))
    except (OSError, sqlite3.Error, ValueError) as error:
        raise AdminDataUnavailable(f"cannot read the data of {PACKAGE}: {error}") from error

    data = {"provinces": {}, "communes": [], "legacy_provinces": {}, "legacy_districts": {}, "legacy_communes": []}
    new_by_key, province_by_key = {}, {}
    for row in new_rows:
        province_code = row["provinceCode"]
        province_by_key[row["provinceKey"]] = province_code
        data["provinces"].setdefault(
            province_code,
            Province(province_code, row["province"], _decimal(row["provinceLat"], 6), _decimal(row["provinceLon"], 6)),
        )
        commune = Commune(
            code=row["wardCode"],
            name=row["ward"],
            commune_type=_commune_type(row["wardType"]),
            province_code=province_code,
            latitude=_decimal(row["wardLat"], 6),
            longitude=_decimal(row["wardLon"], 6),
            area_km2=_decimal(row["wardAreaKm2"], 2),
        )
        data["communes"].append(commune)
        new_by_key[(row["provinceKey"], row["wardKey"])] = commune.code

    old_by_key, old_province_by_key = {}, {}
    for row in old_rows:
        province_code, district_code = row["provinceCode"], row["districtCode"]
        old_province_by_key[row["provinceKey"]] = province_code
        data["legacy_provinces"].setdefault(
            province_code,
            LegacyProvince(
                province_code, row["province"], _decimal(row["provinceLat"], 6), _decimal(row["provinceLon"], 6)
            ),
        )
        data["legacy_districts"].setdefault(
            district_code,
            LegacyDistrict(
                district_code,
                row["district"],
                province_code,
                _decimal(row["districtLat"], 6),
                _decimal(row["districtLon"], 6),
            ),
        )
        key = f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey'] or ''}"
        if row["wardCode"] is None:
            old_by_key[key] = (district_code, "district")  # an island district with no communes
            continue
        data["legacy_communes"].append(
            LegacyCommune(
                code=row["wardCode"],
                name=row["ward"],
                commune_type=_commune_type(row["wardType"]),
                district_code=district_code,
                province_code=province_code,
                latitude=_decimal(row["wardLat"], 6),
                longitude=_decimal(row["wardLon"], 6),
            )
        )
        old_by_key[key] = (row["wardCode"], "commune")

    # The converter names units by keys (slugs of names); every key resolves to a code, or the
    # data is not what this module was written for.
    try:
        pairs = []  # (new code, old code, old level)
        for province_key, wards in mapping["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
            for ward_key, old_keys in wards.items():
                new_code = new_by_key[(province_key, ward_key)]
                pairs.extend((new_code, *old_by_key[old_key]) for old_key in old_keys)
        for province_key, divided in mapping["DICT_PROVINCE_WARD_DIVIDED"].items():
            for old_key, new_wards in divided.items():
                pairs.extend((new_by_key[(province_key, w["newWardKey"])], *old_by_key[old_key]) for w in new_wards)
        province_pairs = [
            (province_by_key[new_key], old_province_by_key[old_key], "province")
            for new_key, old_keys in mapping["DICT_PROVINCE"].items()
            for old_key in old_keys
        ]
    except KeyError as error:
        raise AdminDataUnavailable(f"the mapping of {PACKAGE} names an unknown unit {error}") from error
    data["commune_predecessors"] = _with_kinds(sorted(set(pairs)))
    data["province_predecessors"] = _with_kinds(sorted(set(province_pairs)))
    return data


def _with_kinds(pairs):
    successors, predecessors = defaultdict(set), defaultdict(set)
    for new_code, old_code, level in pairs:
        successors[(old_code, level)].add(new_code)
        predecessors[new_code].add((old_code, level))
    result = []
    for new_code, old_code, level in pairs:
        if len(successors[(old_code, level)]) > 1:
            kind = "split"
        elif len(predecessors[new_code]) > 1:
            kind = "merge"
        else:
            kind = "rename"
        result.append(Predecessor(new_code=new_code, old_code=old_code, level=level, kind=kind))
    return result
