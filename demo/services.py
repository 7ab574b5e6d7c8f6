"""The demo data set: Quảng Nam province 2021–2025, loaded by `python manage.py load_demo`.

Units, lineage and criteria trees come from the CSV files in fixtures/demo/ (the shapes
`import_units` and `import_methodology` read). Scores are synthetic, drawn from one seeded
generator in a fixed order (unit codes, criterion file order), so every load on every database
gives the same numbers. The few real figures, from one press article, are published results.
Synthetic dossiers come from demo.synthetic_dossiers, with a fixed seed, for the districts, the
communes and a few departments, from January 2024 to the last month each unit existed in (June 2025,
when the districts were abolished), judged at the time of the load: every one has ended by then.

Every step creates only what is missing and never touches a row that exists: a second load
changes nothing — no value, no `updated_at`, no password.
"""

import csv
import datetime
import json
import os
import random
import secrets
import tempfile
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from assessments.workflow import methodology_publish
from demo.synthetic_dossiers import dossiers_generate
from dossiers import measures
from dossiers.models import Dossier
from indicators.models import (
    Aggregation,
    Assessment,
    AssessmentStatus,
    Band,
    Criterion,
    CriterionKind,
    Direction,
    DossierMeasure,
    Index,
    Methodology,
    Result,
    ResultSource,
    Score,
    ValueUnit,
)
from indicators.services import results_recompute_all_request
from units.access import APPRAISER_GROUP, STAFF_GROUP
from units.models import LineageKind, Membership, MembershipRole, Unit, UnitHead, UnitKind, UnitLineage

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"
UNIT_COLUMNS = ["code", "name", "kind", "parent_code", "valid_from", "valid_to"]
LINEAGE_COLUMNS = ["predecessor_code", "successor_code", "date", "kind", "note"]
CRITERION_COLUMNS = ["code", "parent_code", "title", "max_points", "weight", "kind"]

SEED = 20240702  # any fixed number; this one is the article's date
YEARS = range(2021, 2026)  # methodologies and bands
SCORED_YEARS = range(2021, 2025)  # 2025 had no full year of districts, so no scores
BATCH_SIZE = 1000
CENT = Decimal("0.01")

# --- Indices, methodologies, bands -----------------------------------------------------------

INDICES = (
    {
        "code": "par",
        "name_vi": "Chỉ số cải cách hành chính",
        "name_en": "PAR Index",
        "value_unit": ValueUnit.PERCENT,
        "description": "Điểm tự đánh giá đã thẩm định cộng điểm điều tra xã hội học, thang 100, thể hiện bằng %.",
    },
    {
        "code": "sipas",
        "name_vi": "Chỉ số hài lòng về sự phục vụ hành chính",
        "name_en": "SIPAS",
        "value_unit": ValueUnit.PERCENT,
        "description": "Mức độ hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước.",
    },
    {
        "code": "dvc766",
        "name_vi": "Bộ chỉ số phục vụ người dân, doanh nghiệp (QĐ 766)",
        "name_en": "Citizen-service index 766",
        "value_unit": ValueUnit.POINTS,
        "description": "100 điểm chấm từ dữ liệu hồ sơ thời gian thực theo Quyết định 766/QĐ-TTg ngày 23/6/2022.",
    },
    # Computed from the demo dossiers' monthly statistics (dossiers app), not scored: the rates the
    # article complains about, ranked next to PAR and SIPAS.
    {
        "code": "ho-so-tre-han",
        "name_vi": "Tỷ lệ hồ sơ trễ hạn",
        "name_en": "Overdue dossier rate",
        "direction": Direction.LOWER,
        "value_unit": ValueUnit.PERCENT,
        "dossier_measure": DossierMeasure.OVERDUE_RATE,
        "description": "(Hồ sơ giải quyết trễ hạn + hồ sơ đang giải quyết quá hạn) ÷ hồ sơ đã và đang giải quyết.",
    },
    {
        "code": "nop-truc-tuyen",
        "name_vi": "Tỷ lệ hồ sơ nộp trực tuyến",
        "name_en": "Online submission rate",
        "value_unit": ValueUnit.PERCENT,
        "dossier_measure": DossierMeasure.ONLINE_RATE,
        "description": "Hồ sơ tiếp nhận trực tuyến ÷ hồ sơ tiếp nhận.",
    },
    {
        "code": "thanh-toan-truc-tuyen",
        "name_vi": "Tỷ lệ thanh toán trực tuyến",
        "name_en": "Online payment rate",
        "value_unit": ValueUnit.PERCENT,
        "dossier_measure": DossierMeasure.ONLINE_PAYMENT_RATE,
        "description": "Hồ sơ thanh toán phí, lệ phí trực tuyến ÷ hồ sơ có phí, lệ phí.",
    },
)
DOSSIER_INDICES = ("ho-so-tre-han", "nop-truc-tuyen", "thanh-toan-truc-tuyen")


@dataclass(frozen=True)
class MethodologySpec:
    index: str
    unit_kind: str
    aggregation: str
    criteria_file: str | None  # None: a published value or computed from dossiers, nothing to score
    decision_reference: str
    note: str = "Dữ liệu minh họa, không phải quyết định thật của tỉnh."
    years: tuple = tuple(YEARS)


_PAR_LOCAL = "Demo — theo cấu trúc Quyết định 876/QĐ-BNV"
_PAR_NOTE = (
    "Dữ liệu minh họa, không phải quyết định thật của tỉnh. Điểm tối đa 8 lĩnh vực theo bộ chỉ số 2017 "
    "(10 / 10 / 14,5 / 11 / 16 / 7 / 16 / 15,5)."
)
_SIPAS_LOCAL = "Demo — theo cấu trúc Quyết định 1001/QĐ-BNV"
_DVC766_LOCAL = "Demo — theo cấu trúc Quyết định 766/QĐ-TTg"
_PUBLISHED_NOTE = "Giá trị do cơ quan trung ương công bố, được nhập chứ không tính từ điểm."
_DOSSIER_RULES = "Quy tắc tính theo Quyết định 766/QĐ-TTg"
_DOSSIER_NOTE = "Tính từ hồ sơ minh họa năm 2024 (không phải hồ sơ thật), theo thống kê hằng tháng."

METHODOLOGIES = (
    MethodologySpec(
        "par",
        UnitKind.PROVINCE,
        Aggregation.PUBLISHED,
        None,
        "Chỉ số CCHC cấp tỉnh do Bộ Nội vụ công bố",
        _PUBLISHED_NOTE,
    ),
    MethodologySpec("par", UnitKind.DEPARTMENT, Aggregation.SUM, "methodology_par.csv", _PAR_LOCAL, _PAR_NOTE),
    MethodologySpec("par", UnitKind.DISTRICT, Aggregation.SUM, "methodology_par.csv", _PAR_LOCAL, _PAR_NOTE),
    MethodologySpec("par", UnitKind.COMMUNE, Aggregation.SUM, "methodology_par.csv", _PAR_LOCAL, _PAR_NOTE),
    MethodologySpec(
        "sipas", UnitKind.PROVINCE, Aggregation.PUBLISHED, None, "SIPAS cấp tỉnh do Bộ Nội vụ công bố", _PUBLISHED_NOTE
    ),
    MethodologySpec("sipas", UnitKind.DEPARTMENT, Aggregation.MEAN, "methodology_sipas.csv", _SIPAS_LOCAL),
    MethodologySpec("sipas", UnitKind.DISTRICT, Aggregation.MEAN, "methodology_sipas.csv", _SIPAS_LOCAL),
    MethodologySpec(
        "dvc766",
        UnitKind.PROVINCE,
        Aggregation.PUBLISHED,
        None,
        "Bộ chỉ số 766 cấp tỉnh (Cổng Dịch vụ công quốc gia)",
        _PUBLISHED_NOTE,
    ),
    MethodologySpec("dvc766", UnitKind.DEPARTMENT, Aggregation.SUM, "methodology_dvc766.csv", _DVC766_LOCAL),
    MethodologySpec("dvc766", UnitKind.DISTRICT, Aggregation.SUM, "methodology_dvc766.csv", _DVC766_LOCAL),
    MethodologySpec("dvc766", UnitKind.COMMUNE, Aggregation.SUM, "methodology_dvc766.csv", _DVC766_LOCAL),
    # Only the one full year the demo has dossiers for (2024; 2025 has only its first half).
    *(
        MethodologySpec(code, kind, Aggregation.DOSSIERS, None, _DOSSIER_RULES, _DOSSIER_NOTE, years=(2024,))
        for code in DOSSIER_INDICES
        for kind in (UnitKind.DEPARTMENT, UnitKind.DISTRICT, UnitKind.COMMUNE)
    ),
)

# (name, from inclusive, below exclusive); a band's position is its place in the tuple.
LOCAL_PAR_BANDS = (("Xuất sắc", 90, None), ("Tốt", 80, 90), ("Khá", 70, 80), ("Trung bình", 50, 70), ("Yếu", None, 50))
PROVINCE_PAR_BANDS = (("A", 90, None), ("B", 80, 90))
BANDS = (
    ("par", UnitKind.PROVINCE, PROVINCE_PAR_BANDS),
    ("par", UnitKind.DEPARTMENT, LOCAL_PAR_BANDS),
    ("par", UnitKind.DISTRICT, LOCAL_PAR_BANDS),
    ("par", UnitKind.COMMUNE, LOCAL_PAR_BANDS),
)

# --- The real figures ------------------------------------------------------------------------

ARTICLE = "«Đề cao trách nhiệm người đứng đầu trong cải cách hành chính», Vietnam Business Forum, 2/7/2024"


@dataclass(frozen=True)
class PublishedFigure:
    unit: str
    index: str
    year: int
    value: Decimal | None
    official_rank: int
    official_group_size: int
    previous_rank: int | None
    band: str | None
    note: str


PUBLISHED_FIGURES = (
    PublishedFigure(
        "QNA",
        "par",
        2022,
        None,
        57,
        63,
        None,
        None,
        f"Nguồn: {ARTICLE}. Giá trị không được nêu; hạng suy ra từ «tăng 01 bậc so với năm 2022».",
    ),
    PublishedFigure("QNA", "par", 2023, Decimal("84.60"), 56, 63, 57, "B", f"Nguồn: {ARTICLE}."),
    PublishedFigure(
        "QNA",
        "sipas",
        2022,
        Decimal("75.00"),
        61,
        63,
        None,
        None,
        f"Nguồn: {ARTICLE}. Suy ra từ năm 2023: «tăng 3,44% và 02 bậc so với năm 2022».",
    ),
    PublishedFigure("QNA", "sipas", 2023, Decimal("78.44"), 59, 63, 61, None, f"Nguồn: {ARTICLE}."),
    PublishedFigure(
        "QNA-SNV",
        "par",
        2023,
        Decimal("96.86"),
        1,
        20,
        None,
        "Xuất sắc",
        f"Bảng xếp hạng Chỉ số CCHC các sở, ban, ngành năm 2023. Nguồn: {ARTICLE}.",
    ),
)
# The scores must agree with the published figure: Sở Nội vụ's 2023 PAR points are drawn to sum
# to exactly this, and every other department's are kept below it.
TOP_DEPARTMENT = ("QNA-SNV", "par", 2023, Decimal("96.86"))

# --- How the synthetic scores are drawn -------------------------------------------------------

QUALITY_RANGE = {UnitKind.DEPARTMENT: (0.78, 0.90), UnitKind.DISTRICT: (0.72, 0.88), UnitKind.COMMUNE: (0.62, 0.85)}
# Sở Nội vụ ranked first "for the first time" in 2023: near the top before, not last.
QUALITY_OVERRIDES = {("QNA-SNV", "par"): 0.87}
YEARLY_GAIN = 0.015
# No drawn share reaches this, so no other department can tie or beat Sở Nội vụ's 96.86 in 2023:
# Σ round(maxᵢ × 0.96) ≤ 96 + 22 × 0.005 < 96.86.
SHARE_CAP = 0.96
SHARE_FLOOR = 0.25
# Districts and communes that do a task well get its full points, as in real appraisals; then the
# criteria they keep losing points on stand out in the ledger instead of every criterion losing a
# little. (Departments stay under SHARE_CAP, for the reason above.)
FULL_MARKS_FROM = 0.90
# Points lost in the same criteria year after year at district and commune level — the article's
# overdue dossiers, low fully-online and very low online-payment rates — so the demo shows them.
WEAK_CRITERIA = {"PAR.3.3": -0.15, "PAR.7.3": -0.20, "DVC766.2.1": -0.10, "DVC766.3.2": -0.15, "DVC766.4.3": -0.30}
WEAK_KINDS = (UnitKind.DISTRICT, UnitKind.COMMUNE)
# Units without such procedures: the criteria do not apply, and their value is over the rest.
NOT_APPLICABLE = {
    ("QNA-TTT", "par"): ("PAR.3.3",),
    ("QNA-BDT", "par"): ("PAR.3.3",),
    ("QNA-BDT", "dvc766"): ("DVC766.4.1", "DVC766.4.2", "DVC766.4.3"),
}
# Not applicable needs its reason, or the assessment is not complete and cannot be published (issue 17).
NOT_APPLICABLE_NOTE = "Đơn vị không có thủ tục hành chính thuộc tiêu chí này (minh họa)."

# --- People -----------------------------------------------------------------------------------

HEAD_START = datetime.date(2021, 1, 1)
# A new head took office that year: "the head in office in 2023" means something for these.
HEAD_CHANGES = {"QNA-SYT": datetime.date(2023, 4, 1), "QNA-DUYXUYEN": datetime.date(2023, 7, 1)}
FAMILY_NAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô")
MIDDLE_NAMES = ("Văn", "Minh", "Đức", "Thanh", "Hữu", "Ngọc", "Quốc")
GIVEN_NAMES = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hòa",
    "Hùng",
    "Khánh",
    "Lâm",
    "Long",
    "Nam",
    "Phong",
    "Phúc",
    "Quân",
    "Sơn",
    "Tâm",
    "Thắng",
    "Trung",
    "Tuấn",
    "Vinh",
    "Vũ",
    "Yên",
    "Thịnh",
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    description: str
    head_of: str | None = None  # unit code of which he is the head (Membership and UnitHead)


DEMO_USERS = (
    DemoUser("staff", "staff", "Cán bộ Sở Nội vụ: xem mọi đơn vị"),
    DemoUser("head_department", "head", "Người đứng đầu Sở Tư pháp: chỉ xem đơn vị mình", head_of="QNA-STP"),
    DemoUser("head_district", "head", "Người đứng đầu Thành phố Tam Kỳ: xem thành phố và các xã", head_of="QNA-TAMKY"),
    DemoUser(
        "appraiser",
        "appraiser",
        "Thẩm định viên: xem mọi đơn vị, thẩm định bản tự đánh giá ở mục “Tự đánh giá / Thẩm định”",
    ),
    DemoUser("admin", "admin", "Quản trị viên"),
)
DEMO_USERNAMES = tuple(user.username for user in DEMO_USERS)


# --- Reading the fixture files -----------------------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    kind: str
    parent_code: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None

    def valid_in(self, year):
        return (self.valid_from is None or self.valid_from.year <= year) and (
            self.valid_to is None or self.valid_to.year >= year
        )


@dataclass(frozen=True)
class CriterionRow:
    code: str
    parent_code: str
    title: str
    max_points: Decimal
    weight: Decimal | None
    kind: str
    position: int


def _read_csv(path, columns):
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != columns:
            found = ",".join(reader.fieldnames or [])
            raise ValueError(f"{path}: the columns must be {','.join(columns)}, not {found}")
        return [{key: (value or "").strip() for key, value in row.items()} for row in reader]


def _date_or_none(text):
    return datetime.date.fromisoformat(text) if text else None


def _choice(value, choices, path):
    if value not in choices.values:
        raise ValueError(f"{path}: {value!r} is not one of {', '.join(choices.values)}")
    return value


def read_unit_rows(path=None):
    path = path or FIXTURES_DIR / "units.csv"
    return [
        UnitRow(
            code=row["code"],
            name=row["name"],
            kind=_choice(row["kind"], UnitKind, path),
            parent_code=row["parent_code"],
            valid_from=_date_or_none(row["valid_from"]),
            valid_to=_date_or_none(row["valid_to"]),
        )
        for row in _read_csv(path, UNIT_COLUMNS)
    ]


def read_criterion_rows(path):
    return [
        CriterionRow(
            code=row["code"],
            parent_code=row["parent_code"],
            title=row["title"],
            max_points=Decimal(row["max_points"]),
            weight=Decimal(row["weight"]) if row["weight"] else None,
            kind=_choice(row["kind"], CriterionKind, path),
            position=position,
        )
        for position, row in enumerate(_read_csv(path, CRITERION_COLUMNS), start=1)
    ]


def _depth_levels(rows, *, key, parent_key):
    """Rows grouped by depth (roots first), so each level's parents exist before it is written."""
    by_key = {key(row): row for row in rows}
    depths = {}

    def depth(row):
        if key(row) not in depths:
            parent = by_key.get(parent_key(row))
            depths[key(row)] = 0 if parent is None else depth(parent) + 1
        return depths[key(row)]

    levels = {}
    for row in rows:
        levels.setdefault(depth(row), []).append(row)
    return [levels[level] for level in sorted(levels)]


# --- The service -------------------------------------------------------------------------------


def demo_load(*, stdout=None):
    """Load the demo data set, creating only what is missing. Returns the rows created, by kind."""
    created = Counter()
    unit_rows = read_unit_rows()
    criteria_files = {spec.criteria_file for spec in METHODOLOGIES if spec.criteria_file}
    criterion_rows = {name: read_criterion_rows(FIXTURES_DIR / name) for name in sorted(criteria_files)}
    with transaction.atomic():
        units = _ensure_units(unit_rows, created)
        _ensure_lineage(units, created)
        indices = _ensure_indices(created)
        methodologies = _ensure_methodologies(indices, created)
        _ensure_criteria(methodologies, criterion_rows, created)
        bands = _ensure_bands(indices, created)
        _ensure_assessments(unit_rows, units, methodologies, criterion_rows, created)
        _ensure_published_results(units, indices, bands, created)
        users = _ensure_users(created, stdout)
        _ensure_memberships(units, users, created)
        _ensure_publications(methodologies, users, created)
        _ensure_heads(unit_rows, units, users, created)
        _ensure_dossiers(unit_rows, units, created)
        if created:
            # Results and rankings of every index and year: run by a worker, or right after
            # commit when tasks run in-process.
            results_recompute_all_request()
    return dict(created)


def _ensure_units(unit_rows, created):
    units = {unit.code: unit for unit in Unit.objects.filter(code__in=[row.code for row in unit_rows])}
    for level in _depth_levels(unit_rows, key=lambda row: row.code, parent_key=lambda row: row.parent_code):
        new = [
            Unit(
                code=row.code,
                name=row.name,
                kind=row.kind,
                parent=_parent_unit(row, units),
                valid_from=row.valid_from,
                valid_to=row.valid_to,
            )
            for row in level
            if row.code not in units
        ]
        for unit in Unit.objects.bulk_create(new):
            units[unit.code] = unit
        created["units"] += len(new)
    return units


def _parent_unit(row, units):
    if not row.parent_code:
        return None
    if row.parent_code not in units:
        # A parent outside the file must already be in the database.
        units[row.parent_code] = Unit.objects.get(code=row.parent_code)
    return units[row.parent_code]


def _ensure_lineage(units, created):
    path = FIXTURES_DIR / "lineage.csv"
    rows = _read_csv(path, LINEAGE_COLUMNS)
    existing = set(
        UnitLineage.objects.filter(predecessor__in=[units[row["predecessor_code"]] for row in rows]).values_list(
            "predecessor_id", "successor_id"
        )
    )
    new = [
        UnitLineage(
            predecessor=units[row["predecessor_code"]],
            successor=units[row["successor_code"]],
            date=datetime.date.fromisoformat(row["date"]),
            kind=_choice(row["kind"], LineageKind, path),
            note=row["note"],
        )
        for row in rows
        if (units[row["predecessor_code"]].pk, units[row["successor_code"]].pk) not in existing
    ]
    UnitLineage.objects.bulk_create(new)
    created["lineage links"] += len(new)


def _ensure_indices(created):
    indices = {index.code: index for index in Index.objects.filter(code__in=[spec["code"] for spec in INDICES])}
    new = [Index(**{"direction": Direction.HIGHER, **spec}) for spec in INDICES if spec["code"] not in indices]
    for index in Index.objects.bulk_create(new):
        indices[index.code] = index
    created["indices"] += len(new)
    return indices


def _ensure_methodologies(indices, created):
    """{(index code, year, unit kind): Methodology} for every spec and year."""

    def key_of(methodology):
        return (methodology.index.code, methodology.year, methodology.unit_kind)

    existing = {
        key_of(methodology): methodology
        for methodology in Methodology.objects.filter(index__in=indices.values(), year__in=YEARS).select_related(
            "index"
        )
    }
    new = [
        Methodology(
            index=indices[spec.index],
            year=year,
            unit_kind=spec.unit_kind,
            aggregation=spec.aggregation,
            decision_reference=spec.decision_reference,
            note=spec.note,
        )
        for spec in METHODOLOGIES
        for year in spec.years
        if (spec.index, year, spec.unit_kind) not in existing
    ]
    for methodology in Methodology.objects.bulk_create(new):
        existing[key_of(methodology)] = methodology
    created["methodologies"] += len(new)
    return {
        (spec.index, year, spec.unit_kind): existing[(spec.index, year, spec.unit_kind)]
        for spec in METHODOLOGIES
        for year in spec.years
    }


def _spec_methodologies(methodologies, spec):
    return [methodologies[(spec.index, year, spec.unit_kind)] for year in spec.years]


def _criterion_ids(methodology_ids):
    """{(methodology id, criterion code): criterion id}."""
    rows = Criterion.objects.filter(methodology_id__in=methodology_ids).values_list("methodology_id", "code", "pk")
    return {(methodology_id, code): pk for methodology_id, code, pk in rows}


def _ensure_criteria(methodologies, criterion_rows, created):
    levels_of = {
        name: _depth_levels(rows, key=lambda row: row.code, parent_key=lambda row: row.parent_code)
        for name, rows in criterion_rows.items()
    }
    targets = [
        (methodology, levels_of[spec.criteria_file])
        for spec in METHODOLOGIES
        if spec.criteria_file
        for methodology in _spec_methodologies(methodologies, spec)
    ]
    ids = _criterion_ids([methodology.pk for methodology, _ in targets])
    # One bulk insert per depth across all methodologies: parents get their ids before children.
    for depth in range(max(len(levels) for levels in levels_of.values())):
        new = [
            _criterion(methodology, row, ids)
            for methodology, levels in targets
            for row in (levels[depth] if depth < len(levels) else ())
            if (methodology.pk, row.code) not in ids
        ]
        for criterion in Criterion.objects.bulk_create(new, batch_size=BATCH_SIZE):
            ids[(criterion.methodology_id, criterion.code)] = criterion.pk
        created["criteria"] += len(new)


def _criterion(methodology, row, ids):
    return Criterion(
        methodology=methodology,
        parent_id=ids[(methodology.pk, row.parent_code)] if row.parent_code else None,
        code=row.code,
        title=row.title,
        max_points=row.max_points,
        weight=row.weight,
        kind=row.kind,
        position=row.position,
    )


def _ensure_bands(indices, created):
    """{(index code, year, unit kind, name): Band}."""

    def key_of(band):
        return (band.index.code, band.year, band.unit_kind, band.name)

    bands = {
        key_of(band): band
        for band in Band.objects.filter(index__in=indices.values(), year__in=YEARS).select_related("index")
    }
    new = [
        Band(
            index=indices[index_code],
            year=year,
            unit_kind=unit_kind,
            name=name,
            min_value=None if low is None else Decimal(low),
            max_value=None if high is None else Decimal(high),
            position=position,
        )
        for year in YEARS
        for index_code, unit_kind, ranges in BANDS
        for position, (name, low, high) in enumerate(ranges, start=1)
        if (index_code, year, unit_kind, name) not in bands
    ]
    for band in Band.objects.bulk_create(new):
        bands[key_of(band)] = band
    created["bands"] += len(new)
    return bands


# --- Synthetic assessments and scores ------------------------------------------------------------


@dataclass(frozen=True)
class PlannedScore:
    code: str
    self_score: Decimal | None
    final_score: Decimal | None
    not_applicable: bool


@dataclass(frozen=True)
class PlannedAssessment:
    unit_code: str
    spec: MethodologySpec
    year: int
    scores: tuple


def _leaves(rows):
    parents = {row.parent_code for row in rows}
    return [row for row in rows if row.code not in parents]


def _cents(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _share(number):
    # Through a fixed-width string, so the Decimal does not depend on float repr details.
    return Decimal(f"{number:.6f}")


def plan_assessments(*, unit_rows, criterion_rows):
    """Every demo assessment with its scores, in a fixed order, from one seeded generator.

    Pure: no database. The order is years, then METHODOLOGIES, then unit codes; nothing here
    iterates a set or depends on ids, so the same files always give the same numbers.
    """
    rng = random.Random(SEED)
    scored = [spec for spec in METHODOLOGIES if spec.criteria_file]
    units_by_kind = {}
    for row in sorted(unit_rows, key=lambda row: row.code):
        units_by_kind.setdefault(row.kind, []).append(row)
    quality = {
        (unit.code, spec.index): rng.uniform(*QUALITY_RANGE[spec.unit_kind])
        for spec in scored
        for unit in units_by_kind.get(spec.unit_kind, ())
    }
    quality.update(QUALITY_OVERRIDES)  # after the draws, so they do not shift the other units' numbers
    plan = []
    for year in SCORED_YEARS:
        for spec in scored:
            leaves = _leaves(criterion_rows[spec.criteria_file])
            for unit in units_by_kind.get(spec.unit_kind, ()):
                if not unit.valid_in(year):
                    continue
                gain = YEARLY_GAIN * (year - SCORED_YEARS[0])
                level = quality[(unit.code, spec.index)] + gain + rng.uniform(-0.03, 0.03)
                if (unit.code, spec.index, year) == TOP_DEPARTMENT[:3]:
                    scores = _scores_summing_to(rng, leaves=leaves, total=TOP_DEPARTMENT[3])
                else:
                    scores = _drawn_scores(rng, leaves=leaves, level=level, unit=unit, spec=spec)
                plan.append(PlannedAssessment(unit.code, spec, year, tuple(scores)))
    return plan


def _drawn_scores(rng, *, leaves, level, unit, spec):
    not_applicable = NOT_APPLICABLE.get((unit.code, spec.index), ())
    scores = []
    for leaf in leaves:
        bias = WEAK_CRITERIA.get(leaf.code, 0) if unit.kind in WEAK_KINDS else 0
        share = min(SHARE_CAP, max(SHARE_FLOOR, level + bias + rng.uniform(-0.08, 0.08)))
        if unit.kind != UnitKind.DEPARTMENT and share >= FULL_MARKS_FROM:
            share = 1
        claimed_extra = rng.uniform(0, 0.06)  # drawn even when unused, so later draws do not shift
        if leaf.code in not_applicable:
            scores.append(PlannedScore(leaf.code, None, None, True))
            continue
        final = _cents(leaf.max_points * _share(share))
        scores.append(PlannedScore(leaf.code, _self_score(leaf, final, claimed_extra), final, False))
    return scores


def _self_score(leaf, final, claimed_extra):
    """What the unit claimed: at least what it was granted. Survey criteria have no self-assessment."""
    if leaf.kind == CriterionKind.SURVEY:
        return None
    return min(leaf.max_points, final + _cents(leaf.max_points * _share(claimed_extra)))


def _scores_summing_to(rng, *, leaves, total):
    """Scores whose finals sum to exactly `total`: the points lost spread over the leaves at random."""
    lost = sum(leaf.max_points for leaf in leaves) - total
    weights = [_share(rng.uniform(0.1, 1.0)) for _ in leaves]
    losses = [(lost * weight / sum(weights)).quantize(CENT, rounding=ROUND_DOWN) for weight in weights]
    # Rounding down leaves a few cents: the leaf with most points left takes them.
    roomiest = max(range(len(leaves)), key=lambda i: (leaves[i].max_points - losses[i], -i))
    losses[roomiest] += lost - sum(losses)
    scores = []
    for leaf, loss in zip(leaves, losses, strict=False):
        final = leaf.max_points - loss
        scores.append(PlannedScore(leaf.code, _self_score(leaf, final, rng.uniform(0, 0.03)), final, False))
    return scores


def _ensure_assessments(unit_rows, units, methodologies, criterion_rows, created):
    """Create the planned assessments that are missing, each with all its scores; leave the rest."""
    plan = [
        (item, units[item.unit_code], methodologies[(item.spec.index, item.year, item.spec.unit_kind)])
        for item in plan_assessments(unit_rows=unit_rows, criterion_rows=criterion_rows)
    ]
    methodology_ids = sorted({methodology.pk for _, _, methodology in plan})
    existing = set(
        Assessment.objects.filter(methodology_id__in=methodology_ids).values_list("unit_id", "methodology_id")
    )
    missing = [planned for planned in plan if (planned[1].pk, planned[2].pk) not in existing]
    if not missing:
        return
    assessments = Assessment.objects.bulk_create(
        [
            Assessment(unit=unit, methodology=methodology, status=_status(item.year))
            for item, unit, methodology in missing
        ],
        batch_size=BATCH_SIZE,
    )
    criterion_ids = _criterion_ids([assessment.methodology_id for assessment in assessments])
    scores = [
        Score(
            assessment=assessment,
            criterion_id=criterion_ids[(assessment.methodology_id, score.code)],
            self_score=score.self_score,
            final_score=score.final_score,
            not_applicable=score.not_applicable,
            note=NOT_APPLICABLE_NOTE if score.not_applicable else "",
        )
        for (item, _, _), assessment in zip(missing, assessments, strict=False)
        for score in item.scores
    ]
    Score.objects.bulk_create(scores, batch_size=BATCH_SIZE)
    created["assessments"] += len(assessments)
    created["scores"] += len(scores)


def _status(year):
    # Created appraised: the years before the last are then published by a decision
    # (_ensure_publications), as an administrator does it, so that their results are official by
    # that decision and say so. The last scored year is still being published: appraised, not yet public.
    return AssessmentStatus.APPRAISED


PUBLISHED_ON = (4, 15)  # (month, day) of the demo's publishing decisions, the year after the scores


def _ensure_publications(methodologies, users, created):
    """Publish, by a made-up decision of the UBND, each methodology of the years before the last
    scored one that has appraised assessments and no publication yet (assessments.workflow, as an
    administrator does it): the assessments become published and their results official. A second
    load finds nothing appraised there and changes nothing."""
    waiting = (
        Methodology.objects.filter(
            pk__in=[methodology.pk for methodology in methodologies.values()],
            year__lt=SCORED_YEARS[-1],
            assessments__status=AssessmentStatus.APPRAISED,
            publications__isnull=True,
        )
        .distinct()
        .select_related("index")
        .order_by("year", "index__code", "unit_kind")
    )
    for number, methodology in enumerate(waiting, start=1):
        methodology_publish(
            methodology=methodology,
            user=users["admin"],
            decision_reference=f"Quyết định {100 * (methodology.year - 2000) + number}/QĐ-UBND (minh họa)",
            published_on=datetime.date(methodology.year + 1, *PUBLISHED_ON),
        )
        created["publications"] += 1


def _ensure_published_results(units, indices, bands, created):
    existing = set(
        Result.objects.filter(unit__in=[units[figure.unit] for figure in PUBLISHED_FIGURES]).values_list(
            "unit_id", "index_id", "year"
        )
    )
    new = [
        Result(
            unit=units[figure.unit],
            index=indices[figure.index],
            year=figure.year,
            value=figure.value,
            source=ResultSource.PUBLISHED,
            official_rank=figure.official_rank,
            official_group_size=figure.official_group_size,
            previous_rank=figure.previous_rank,
            band=bands[(figure.index, figure.year, units[figure.unit].kind, figure.band)] if figure.band else None,
            note=figure.note,
        )
        for figure in PUBLISHED_FIGURES
        if (units[figure.unit].pk, indices[figure.index].pk, figure.year) not in existing
    ]
    Result.objects.bulk_create(new)
    created["published results"] += len(new)


# --- Users, memberships, heads ------------------------------------------------------------------


def _ensure_users(created, stdout):
    """The demo users by username. A user that exists is left exactly as it is (password included);
    a new one gets a random password, written to DEMO_CREDENTIALS_FILE once the transaction commits."""
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in (STAFF_GROUP, APPRAISER_GROUP)}
    users = {user.username: user for user in User.objects.filter(username__in=DEMO_USERNAMES)}
    credentials = []
    for spec in DEMO_USERS:
        if spec.username in users:
            continue
        password = secrets.token_urlsafe(12)
        users[spec.username] = _create_user(spec, password, groups)
        credentials.append(
            {"username": spec.username, "role": spec.role, "password": password, "description": spec.description}
        )
    created["users"] += len(credentials)
    if credentials:
        path = Path(settings.DEMO_CREDENTIALS_FILE)
        # After commit: a rolled-back load must not leave passwords of users that do not exist.
        transaction.on_commit(lambda: _write_credentials(path=path, entries=credentials, stdout=stdout))
    return users


def _create_user(spec, password, groups):
    if spec.role == "admin":
        return User.objects.create_superuser(username=spec.username, password=password)
    user = User.objects.create_user(username=spec.username, password=password, is_staff=spec.role == "appraiser")
    if spec.role in groups:
        user.groups.add(groups[spec.role])
    return user


def _ensure_memberships(units, users, created):
    for spec in DEMO_USERS:
        if spec.head_of:
            _, was_created = Membership.objects.get_or_create(
                user=users[spec.username], unit=units[spec.head_of], defaults={"role": MembershipRole.HEAD}
            )
            created["memberships"] += was_created


def demo_person(number):
    """A plainly made-up name; "(minh họa)" says so wherever it is shown."""
    family = FAMILY_NAMES[number % len(FAMILY_NAMES)]
    middle = MIDDLE_NAMES[(number // len(FAMILY_NAMES)) % len(MIDDLE_NAMES)]
    given = GIVEN_NAMES[number % len(GIVEN_NAMES)]
    return f"{family} {middle} {given} (minh họa)"


HEAD_TITLES = {
    UnitKind.DEPARTMENT: (
        ("Sở ", "Giám đốc"),
        ("Ban ", "Trưởng ban"),
        ("Văn phòng ", "Chánh Văn phòng"),
        ("Thanh tra ", "Chánh Thanh tra"),
    ),
    UnitKind.DISTRICT: (
        ("Thành phố ", "Chủ tịch UBND thành phố"),
        ("Thị xã ", "Chủ tịch UBND thị xã"),
        ("Huyện ", "Chủ tịch UBND huyện"),
    ),
}


def _head_title(row):
    for prefix, title in HEAD_TITLES[row.kind]:
        if row.name.startswith(prefix):
            return title
    raise ValueError(f"No head title for {row.name!r}")


def _planned_heads(unit_rows):
    """(unit code, full name, title, start, end) for every department and district, names by code order."""
    heads = []
    for row in sorted((row for row in unit_rows if row.kind in HEAD_TITLES), key=lambda row: row.code):
        title = _head_title(row)
        change = HEAD_CHANGES.get(row.code)
        if change:
            heads.append((row.code, demo_person(len(heads)), title, HEAD_START, change - datetime.timedelta(days=1)))
            heads.append((row.code, demo_person(len(heads)), title, change, row.valid_to))
        else:
            heads.append((row.code, demo_person(len(heads)), title, HEAD_START, row.valid_to))
    return heads


def _ensure_heads(unit_rows, units, users, created):
    """Heads of units that have none yet; the current head of a demo head user's unit is that user."""
    with_heads = set(UnitHead.objects.filter(unit__in=units.values()).values_list("unit_id", flat=True))
    head_user = {spec.head_of: users[spec.username] for spec in DEMO_USERS if spec.head_of}
    planned = _planned_heads(unit_rows)
    current = {code: index for index, (code, *_rest) in enumerate(planned)}  # the last term of each unit
    new = [
        UnitHead(
            unit=units[code],
            full_name=full_name,
            title=title,
            start=start,
            end=end,
            user=head_user.get(code) if current[code] == index else None,
        )
        for index, (code, full_name, title, start, end) in enumerate(planned)
        if units[code].pk not in with_heads
    ]
    UnitHead.objects.bulk_create(new)
    created["unit heads"] += len(new)


# --- Dossiers -----------------------------------------------------------------------------------
# Synthetic one-stop dossiers (demo.synthetic_dossiers) for the districts, the communes and a few
# departments, so the dossier pages have something to show. Generated only while the demo has none,
# so a second load changes nothing.
#
# The demo's "now" is the time of the load (timezone.now(), months in Vietnam time): a dossier is
# pending only if it would end after it. Each unit gets dossiers in every month from
# DOSSIER_FIRST_MONTH to the last complete month before now, and not after the month it closed
# (Nông Sơn: December 2024; the other districts, their communes and the departments: June 2025),
# ending them all by its last day (demo.synthetic_dossiers). Every unit has closed long before any
# load, so every load gives the same dossiers, all ended, and the statistics stop at June 2025
# instead of showing a backlog that never ends. The statistics job computes them after commit
# (dossiers_generate marks their unit-months dirty).

DOSSIER_SOURCE = "demo"
DOSSIER_SEED = SEED
DOSSIER_FIRST_MONTH = 202401
DOSSIER_DEPARTMENTS = ("QNA-SNV", "QNA-STP", "QNA-SKHDT", "QNA-STNMT")
# Dossiers per unit and month, by kind: a district's one-stop desk takes more than a commune's.
DOSSIERS_PER_UNIT_MONTH = {UnitKind.DEPARTMENT: 25, UnitKind.DISTRICT: 30, UnitKind.COMMUNE: 20}


def dossier_months(row, *, now):
    """The months the demo generates a unit's dossiers for: from DOSSIER_FIRST_MONTH to the last
    complete month before `now`, and not after the unit's last month."""
    current_start, _ = measures.month_bounds(measures.month_of(now))
    last = measures.month_of(current_start - datetime.timedelta(days=1))
    if row.valid_to is not None:
        last = min(last, row.valid_to.year * 100 + row.valid_to.month)
    return tuple(measures.months_between(DOSSIER_FIRST_MONTH, last))


def _ensure_dossiers(unit_rows, units, created, *, now=None):
    if Dossier.objects.filter(source=DOSSIER_SOURCE).exists():
        return
    now = now or timezone.now()
    year = DOSSIER_FIRST_MONTH // 100
    for kind, per_unit_month in DOSSIERS_PER_UNIT_MONTH.items():
        # Units open over the same months are generated together.
        by_months = {}
        for row in sorted(unit_rows, key=lambda row: row.code):
            if (
                row.kind == kind
                and row.valid_in(year)
                and (kind != UnitKind.DEPARTMENT or row.code in DOSSIER_DEPARTMENTS)
            ):
                by_months.setdefault(dossier_months(row, now=now), []).append(units[row.code])
        for months, chosen in sorted(by_months.items()):
            if not months:
                continue
            created["dossiers"] += dossiers_generate(
                units=chosen,
                months=months,
                per_unit_month=per_unit_month,
                seed=DOSSIER_SEED,
                source=DOSSIER_SOURCE,
                now=now,
            )


# --- The credentials file -------------------------------------------------------------------------


def read_demo_credentials(*, path):
    """The entries of the credentials file, or None when there is no file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    entries = json.loads(text)
    if not isinstance(entries, list):
        raise ValueError(f"{path} does not hold a list of demo users")
    return entries


def _write_credentials(*, path, entries, stdout):
    """Add `entries` to the file (replacing entries of the same users), readable by the owner only."""
    try:
        kept = read_demo_credentials(path=path) or []
    except ValueError:
        kept = []  # an unreadable file holds nothing worth keeping: the new passwords matter
    new_names = [entry["username"] for entry in entries]
    merged = [entry for entry in kept if entry.get("username") not in new_names] + entries
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed over it, so a reader never sees half a file; mkstemp
    # creates it 0600 and it stays so.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".demo-credentials-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(merged, file, ensure_ascii=False, indent=2)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if stdout is not None:
        stdout.write(f"Demo passwords for {', '.join(new_names)} written to {path} (mode 0600).")
