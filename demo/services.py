"""The demo data set: Thành phố Đà Nẵng as it is today, with the two provinces it was formed of on
1/7/2025 (Quảng Nam and the old Đà Nẵng), loaded by `python manage.py load_demo`.

Units. The administrative units and their lineage are the real ones, created by the
administrative-units import (units.importers.admin_units, province 48 with its legacy units): the
new city (code 48) and its 94 communes, wards and special zone from 1/7/2025; the old provinces L48
and L49, their 25 districts and 280 communes until 30/6/2025. The departments are not in that
data: fixtures/demo/units.csv names them (L49-…, L48-… until 30/6/2025; 48-… from 1/7/2025) and
fixtures/demo/lineage.csv says which new department took over each old one's work. Criteria trees
come from the other CSV files in fixtures/demo/.

Years. 2021–2024 are scored for the old units, 2025 for the units of 31/12/2025 (the new ones):
all appraised and published by made-up decisions. 2026 is in progress: drafts, submitted and a few
appraised self-assessments, nothing official. Scores are synthetic, drawn from one seeded generator
in a fixed order (unit codes, criterion file order), so every load on every database gives the same
numbers. The few real figures, from one press article, are Quảng Nam's published results (L49).
Synthetic dossiers come from demo.synthetic_dossiers, with a fixed seed: the old districts and
communes and a few old departments from January 2024 to June 2025, the new communes and a few new
departments from July 2025 to the time of the load, judged then.

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
from audit.models import AuditSource
from demo.synthetic import SCORE_COLUMNS  # a Score row written straight into the table, as the bench data writes it
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
    Target,
    ValueUnit,
)
from indicators.services import results_recompute_all_request
from notifications.alerts import alerts_offer
from notifications.digest import digest_offer
from notifications.models import Notification
from reformdash.lib.bulk import rows_insert
from remediation import services as plans
from remediation.models import Plan, PlanAction, PlanItem, PlanStatus
from remediation.selectors import plannable_losses
from units import admin_data
from units.access import APPRAISER_GROUP, STAFF_GROUP
from units.importers.admin_units import REORGANISATION_DATE, admin_units_import, legacy_code
from units.models import CommuneType, LineageKind, Membership, MembershipRole, Unit, UnitHead, UnitKind, UnitLineage

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"
UNIT_COLUMNS = ["code", "name", "kind", "parent_code", "valid_from", "valid_to"]
LINEAGE_COLUMNS = ["predecessor_code", "successor_code", "date", "kind", "note"]
CRITERION_COLUMNS = ["code", "parent_code", "title", "max_points", "weight", "kind"]

SEED = 20240702  # any fixed number; this one is the article's date
YEARS = range(2021, 2027)  # methodologies and bands
SCORED_YEARS = range(2021, 2026)  # appraised and published
IN_PROGRESS_YEAR = 2026  # being self-assessed and appraised: nothing official yet
LAST_DISTRICT_YEAR = 2024  # the districts were abolished on 1/7/2025: no district methodology after
PROVINCE = "48"  # the new Thành phố Đà Nẵng, whose units the importer creates with their predecessors
# Huyện Hoàng Sa had no communes and no administration on the islands, nor has Đặc khu Hoàng Sa,
# which took its place on 1/7/2025: nothing to score, head or count dossiers of.
NO_ADMINISTRATION = frozenset({"L498", "20333"})
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
_DOSSIER_NOTE = "Tính từ hồ sơ minh họa (không phải hồ sơ thật), theo thống kê hằng tháng."

_DISTRICT_YEARS = tuple(year for year in YEARS if year <= LAST_DISTRICT_YEAR)
_DOSSIER_YEARS = (2024, 2025, 2026)  # the years the demo has dossiers in

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
    MethodologySpec(
        "par", UnitKind.DISTRICT, Aggregation.SUM, "methodology_par.csv", _PAR_LOCAL, _PAR_NOTE, _DISTRICT_YEARS
    ),
    MethodologySpec("par", UnitKind.COMMUNE, Aggregation.SUM, "methodology_par.csv", _PAR_LOCAL, _PAR_NOTE),
    MethodologySpec(
        "sipas", UnitKind.PROVINCE, Aggregation.PUBLISHED, None, "SIPAS cấp tỉnh do Bộ Nội vụ công bố", _PUBLISHED_NOTE
    ),
    MethodologySpec("sipas", UnitKind.DEPARTMENT, Aggregation.MEAN, "methodology_sipas.csv", _SIPAS_LOCAL),
    MethodologySpec(
        "sipas",
        UnitKind.DISTRICT,
        Aggregation.MEAN,
        "methodology_sipas.csv",
        _SIPAS_LOCAL,
        years=_DISTRICT_YEARS,
    ),
    MethodologySpec(
        "dvc766",
        UnitKind.PROVINCE,
        Aggregation.PUBLISHED,
        None,
        "Bộ chỉ số 766 cấp tỉnh (Cổng Dịch vụ công quốc gia)",
        _PUBLISHED_NOTE,
    ),
    MethodologySpec("dvc766", UnitKind.DEPARTMENT, Aggregation.SUM, "methodology_dvc766.csv", _DVC766_LOCAL),
    MethodologySpec(
        "dvc766", UnitKind.DISTRICT, Aggregation.SUM, "methodology_dvc766.csv", _DVC766_LOCAL, years=_DISTRICT_YEARS
    ),
    MethodologySpec("dvc766", UnitKind.COMMUNE, Aggregation.SUM, "methodology_dvc766.csv", _DVC766_LOCAL),
    # The years the demo has dossiers in; districts only while they existed (until mid-2025, whose
    # half-year has no district methodology).
    *(
        MethodologySpec(
            code,
            kind,
            Aggregation.DOSSIERS,
            None,
            _DOSSIER_RULES,
            _DOSSIER_NOTE,
            years=tuple(year for year in _DOSSIER_YEARS if kind != UnitKind.DISTRICT or year <= LAST_DISTRICT_YEAR),
        )
        for code in DOSSIER_INDICES
        for kind in (UnitKind.DEPARTMENT, UnitKind.DISTRICT, UnitKind.COMMUNE)
    ),
)
# The indices self-assessed in the year in progress; the SIPAS survey is done at the year's end.
IN_PROGRESS_INDICES = ("par", "dvc766")

# (name, from inclusive, below exclusive); a band's position is its place in the tuple.
LOCAL_PAR_BANDS = (("Xuất sắc", 90, None), ("Tốt", 80, 90), ("Khá", 70, 80), ("Trung bình", 50, 70), ("Yếu", None, 50))
PROVINCE_PAR_BANDS = (("A", 90, None), ("B", 80, 90))
BANDS = (
    ("par", UnitKind.PROVINCE, PROVINCE_PAR_BANDS),
    ("par", UnitKind.DEPARTMENT, LOCAL_PAR_BANDS),
    ("par", UnitKind.DISTRICT, LOCAL_PAR_BANDS),
    ("par", UnitKind.COMMUNE, LOCAL_PAR_BANDS),
)


# Targets the administrators set (illustrative): (index, year, unit code or None, kind of a group's
# units, the group's parent code, value, rank). A group's target applies to each of its units
# without one of its own (indicators.targets).
TARGETS = (
    ("par", 2023, "L49", "", None, None, 50),  # Quảng Nam among the 63 provinces: it came 56th
    ("par", 2025, None, UnitKind.DEPARTMENT, PROVINCE, Decimal(90), None),
    ("par", 2026, None, UnitKind.DEPARTMENT, PROVINCE, Decimal(92), None),
    ("par", 2025, None, UnitKind.COMMUNE, PROVINCE, Decimal(85), None),
    ("par", 2025, "20341", "", None, Decimal(88), 30),  # Phường Tam Kỳ's own
    ("ho-so-tre-han", 2025, None, UnitKind.DEPARTMENT, PROVINCE, Decimal(2), None),
    ("ho-so-tre-han", 2026, None, UnitKind.COMMUNE, PROVINCE, Decimal(2), None),
)


def band_years(index_code, unit_kind):
    """The years a band applies in: those its index has a methodology for the kind in."""
    return next(spec.years for spec in METHODOLOGIES if (spec.index, spec.unit_kind) == (index_code, unit_kind))


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
        "L49",
        "par",
        2022,
        None,
        57,
        63,
        None,
        None,
        f"Nguồn: {ARTICLE}. Giá trị không được nêu; hạng suy ra từ «tăng 01 bậc so với năm 2022».",
    ),
    PublishedFigure("L49", "par", 2023, Decimal("84.60"), 56, 63, 57, "B", f"Nguồn: {ARTICLE}."),
    PublishedFigure(
        "L49",
        "sipas",
        2022,
        Decimal("75.00"),
        61,
        63,
        None,
        None,
        f"Nguồn: {ARTICLE}. Suy ra từ năm 2023: «tăng 3,44% và 02 bậc so với năm 2022».",
    ),
    PublishedFigure("L49", "sipas", 2023, Decimal("78.44"), 59, 63, 61, None, f"Nguồn: {ARTICLE}."),
    PublishedFigure(
        "L49-SNV",
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
TOP_DEPARTMENT = ("L49-SNV", "par", 2023, Decimal("96.86"))

# --- How the synthetic scores are drawn -------------------------------------------------------

QUALITY_RANGE = {UnitKind.DEPARTMENT: (0.78, 0.90), UnitKind.DISTRICT: (0.72, 0.88), UnitKind.COMMUNE: (0.62, 0.85)}
# Sở Nội vụ ranked first "for the first time" in 2023: near the top before, not last.
QUALITY_OVERRIDES = {("L49-SNV", "par"): 0.87}
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
    ("L49-TTT", "par"): ("PAR.3.3",),
    ("L49-BDT", "par"): ("PAR.3.3",),
    ("L49-BDT", "dvc766"): ("DVC766.4.1", "DVC766.4.2", "DVC766.4.3"),
    ("L48-TTTP", "par"): ("PAR.3.3",),
    ("48-TTTP", "par"): ("PAR.3.3",),
}
# Not applicable needs its reason, or the assessment is not complete and cannot be published (issue 17).
NOT_APPLICABLE_NOTE = "Đơn vị không có thủ tục hành chính thuộc tiêu chí này (minh họa)."

# --- People -----------------------------------------------------------------------------------

HEAD_START = datetime.date(2021, 1, 1)
# A new head took office that year: "the head in office in 2023" means something for these.
HEAD_CHANGES = {"L49-SYT": datetime.date(2023, 4, 1), "L508": datetime.date(2023, 7, 1)}  # L508: Huyện Duy Xuyên
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
    DemoUser(
        "head_department",
        "head",
        "Giám đốc Sở Tư pháp thành phố Đà Nẵng: chỉ xem đơn vị mình (và lịch sử các sở tiền thân)",
        head_of="48-STP",
    ),
    DemoUser(
        "head_ward",
        "head",
        "Chủ tịch UBND Phường Tam Kỳ: chỉ xem phường mình (và lịch sử các phường tiền thân)",
        head_of="20341",
    ),
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
    commune_type: str = ""

    def valid_on(self, day):
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or self.valid_to >= day)


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
    """Every unit of the demo: the nation and the departments of the fixture file, then the
    administrative units the import creates (admin_unit_rows)."""
    return read_fixture_unit_rows(path) + admin_unit_rows()


def read_fixture_unit_rows(path=None):
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


def admin_unit_rows():
    """The units `admin_units_import(province_codes=[PROVINCE], legacy=True)` creates, as rows, read
    from the same data (units.admin_data) without the database: what the demo plans its scores,
    heads and dossiers on. The provinces hang under the nation (the importer leaves their parent)."""
    last_day = REORGANISATION_DATE - datetime.timedelta(days=1)
    province = next(p for p in admin_data.provinces() if p.code == PROVINCE)
    old = {link.old_code for link in admin_data.province_predecessors(PROVINCE)}
    rows = [UnitRow(PROVINCE, province.name, UnitKind.PROVINCE, "VN", REORGANISATION_DATE, None)]
    rows += [
        UnitRow(legacy_code(p.code), p.name, UnitKind.PROVINCE, "VN", None, last_day)
        for p in admin_data.legacy_provinces(old)
    ]
    rows += [
        UnitRow(legacy_code(d.code), d.name, UnitKind.DISTRICT, legacy_code(d.province_code), None, last_day)
        for d in admin_data.legacy_districts(old)
    ]
    rows += [
        UnitRow(
            legacy_code(c.code), c.name, UnitKind.COMMUNE, legacy_code(c.district_code), None, last_day, c.commune_type
        )
        for c in admin_data.legacy_communes(old)
    ]
    rows += [
        UnitRow(c.code, c.name, UnitKind.COMMUNE, PROVINCE, REORGANISATION_DATE, None, c.commune_type)
        for c in admin_data.communes(PROVINCE)
    ]
    return rows


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
    fixture_rows = read_fixture_unit_rows()
    unit_rows = fixture_rows + admin_unit_rows()
    criteria_files = {spec.criteria_file for spec in METHODOLOGIES if spec.criteria_file}
    criterion_rows = {name: read_criterion_rows(FIXTURES_DIR / name) for name in sorted(criteria_files)}
    with transaction.atomic():
        units = _ensure_units(fixture_rows, unit_rows, created)
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
        _ensure_targets(indices, units, created)
        _ensure_plans(units, indices, users, created)
        if created:
            # Results and rankings of every index and year: run by a worker, or right after
            # commit when tasks run in-process.
            results_recompute_all_request()
    if any(created.values()):
        # After the recompute's own on-commit work (callbacks run in the order they were asked
        # for): the digest tells of the results it computes.
        transaction.on_commit(lambda: _offer_notifications(created))
    return dict(created)


def _offer_notifications(created):
    """What the demo's users would have been told by now: the daily alerts (a month worse than its
    target, a plan action past its deadline) and this week's digest, which beat runs in production
    (notifications.tasks). Each is written once by its key, so loading again adds nothing."""
    before = Notification.objects.count()
    alerts_offer()
    digest_offer()
    created["notifications"] += Notification.objects.count() - before


def _ensure_units(fixture_rows, unit_rows, created):
    """The administrative units by their import (one home for them: it creates what is missing
    and writes nothing when all is there), then the fixture's nation and departments, whose
    parents the import made, then the provinces hung under the nation. {code: Unit} of every row."""
    result = admin_units_import(province_codes=[PROVINCE], legacy=True, source=AuditSource.COMMAND)
    created["units"] += len(result.created)
    created["lineage links"] += len(result.lineage_added)
    units = {unit.code: unit for unit in Unit.objects.filter(code__in=[row.code for row in fixture_rows])}
    for level in _depth_levels(fixture_rows, key=lambda row: row.code, parent_key=lambda row: row.parent_code):
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
    # The importer leaves a province's parent as it is: a new one has none. Only those without one
    # are attached, so a second load changes nothing.
    provinces = [row.code for row in unit_rows if row.kind == UnitKind.PROVINCE and row.parent_code]
    Unit.objects.filter(code__in=provinces, parent__isnull=True).update(parent=units["VN"])
    return {unit.code: unit for unit in Unit.objects.filter(code__in=[row.code for row in unit_rows])}


def _parent_unit(row, units):
    if not row.parent_code:
        return None
    if row.parent_code not in units:
        # A parent outside the file (a province of the import) must already be in the database.
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
        for index_code, unit_kind, ranges in BANDS
        for year in band_years(index_code, unit_kind)
        for position, (name, low, high) in enumerate(ranges, start=1)
        if (index_code, year, unit_kind, name) not in bands
    ]
    for band in Band.objects.bulk_create(new):
        bands[key_of(band)] = band
    created["bands"] += len(new)
    return bands


def _ensure_targets(indices, units, created):
    for index_code, year, unit_code, kind, parent_code, value, rank in TARGETS:
        _target, new = Target.objects.get_or_create(
            index=indices[index_code],
            year=year,
            unit=units[unit_code] if unit_code else None,
            unit_kind=kind,
            parent=units[parent_code] if parent_code else None,
            defaults={"value": value, "rank": rank, "note": "Mục tiêu minh họa của bản demo"},
        )
        created["targets"] += new


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
    status: str = AssessmentStatus.APPRAISED


def _leaves(rows):
    parents = {row.parent_code for row in rows}
    return [row for row in rows if row.code not in parents]


def _cents(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _share(number):
    # Through a fixed-width string, so the Decimal does not depend on float repr details.
    return Decimal(f"{number:.6f}")


def scored_units(unit_rows, *, kind, year):
    """The units of a kind assessed in a year: those of its last day, as its rankings group them
    (units.selectors); none that had no administration."""
    last_day = datetime.date(year, 12, 31)
    return [
        row
        for row in sorted(unit_rows, key=lambda row: row.code)
        if row.kind == kind and row.valid_on(last_day) and row.code not in NO_ADMINISTRATION
    ]


def plan_assessments(*, unit_rows, criterion_rows):
    """Every demo assessment with its scores and status, in a fixed order, from one seeded generator.

    Pure: no database. The order is years, then METHODOLOGIES, then unit codes; nothing here
    iterates a set or depends on ids, so the same files always give the same numbers. The scored
    years' assessments are appraised (and then published); the year in progress has a mix.
    """
    rng = random.Random(SEED)
    scored = [spec for spec in METHODOLOGIES if spec.criteria_file]
    quality = {
        (unit.code, spec.index): rng.uniform(*QUALITY_RANGE[spec.unit_kind])
        for spec in scored
        for unit in sorted(unit_rows, key=lambda row: row.code)
        if unit.kind == spec.unit_kind
    }
    quality.update(QUALITY_OVERRIDES)  # after the draws, so they do not shift the other units' numbers
    plan = []
    for year in (*SCORED_YEARS, IN_PROGRESS_YEAR):
        for spec in scored:
            if year not in spec.years or (year == IN_PROGRESS_YEAR and spec.index not in IN_PROGRESS_INDICES):
                continue
            leaves = _leaves(criterion_rows[spec.criteria_file])
            for unit in scored_units(unit_rows, kind=spec.unit_kind, year=year):
                gain = YEARLY_GAIN * (year - SCORED_YEARS[0])
                level = quality[(unit.code, spec.index)] + gain + rng.uniform(-0.03, 0.03)
                if (unit.code, spec.index, year) == TOP_DEPARTMENT[:3]:
                    scores = _scores_summing_to(rng, leaves=leaves, total=TOP_DEPARTMENT[3])
                else:
                    scores = _drawn_scores(rng, leaves=leaves, level=level, unit=unit, spec=spec)
                status = AssessmentStatus.APPRAISED
                if year == IN_PROGRESS_YEAR:
                    status, scores = _in_progress(rng, scores=scores, unit=unit, spec=spec)
                plan.append(PlannedAssessment(unit.code, spec, year, tuple(scores), status))
    return plan


# Where the year in progress stands in December: (status, share of the units), drawn per assessment.
IN_PROGRESS_STAGES = (
    (AssessmentStatus.DRAFT, 0.40),
    (AssessmentStatus.SUBMITTED, 0.45),
    (AssessmentStatus.APPRAISED, 0.15),
)
# Sở Tư pháp's PAR is still a draft: its head completes and submits it (tests/browser/test_scoring_walkthrough.py).
IN_PROGRESS_FORCED = {("48-STP", "par"): AssessmentStatus.DRAFT}


def _in_progress(rng, *, scores, unit, spec):
    """(status, scores) of an assessment of the year in progress, from its drawn final scores: a
    draft has self scores on part of its criteria, a submitted one on all, neither any final score
    (the council has not appraised them); an appraised one keeps them all."""
    draw, done = rng.random(), rng.uniform(0.3, 0.8)  # both drawn always, so later draws do not shift
    status = IN_PROGRESS_STAGES[-1][0]
    for stage, share in IN_PROGRESS_STAGES:
        if draw < share:
            status = stage
            break
        draw -= share
    status = IN_PROGRESS_FORCED.get((unit.code, spec.index), status)
    if status == AssessmentStatus.APPRAISED:
        return status, scores
    # Survey criteria have no self score: nothing of them before the appraisal.
    claimed = [score for score in scores if score.self_score is not None or score.not_applicable]
    if status == AssessmentStatus.DRAFT:
        claimed = claimed[: max(1, round(len(claimed) * done))]
    return status, [PlannedScore(score.code, score.self_score, None, score.not_applicable) for score in claimed]


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
        [Assessment(unit=unit, methodology=methodology, status=item.status) for item, unit, methodology in missing],
        batch_size=BATCH_SIZE,
    )
    criterion_ids = _criterion_ids([assessment.methodology_id for assessment in assessments])
    now = timezone.now()
    # Tens of thousands of scores: rows straight into the table (COPY on PostgreSQL), without a
    # model instance each, which cost more than the rows (reformdash.lib.bulk).
    scores = (
        (
            assessment.pk,
            criterion_ids[(assessment.methodology_id, score.code)],
            score.self_score,
            score.final_score,
            score.not_applicable,
            NOT_APPLICABLE_NOTE if score.not_applicable else "",
            "",
            0,
            now,
        )
        for (item, _, _), assessment in zip(missing, assessments, strict=True)
        for score in item.scores
    )
    created["scores"] += rows_insert(Score, SCORE_COLUMNS, scores)
    created["assessments"] += len(assessments)


PUBLISHED_ON = (4, 15)  # (month, day) of the demo's publishing decisions, the year after the scores


def _ensure_publications(methodologies, users, created):
    """Publish, by a made-up decision of the UBND, each methodology of the scored years (not the
    year in progress) that has appraised assessments and no publication yet (assessments.workflow,
    as an administrator does it): the assessments become published and their results official. A
    second load finds nothing appraised there and changes nothing."""
    waiting = (
        Methodology.objects.filter(
            pk__in=[methodology.pk for methodology in methodologies.values()],
            year__in=SCORED_YEARS,
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
            # Huyện Hoàng Sa (NO_ADMINISTRATION) has no assessment: the decisions on the districts
            # publish without it, and say so (Publication.units_left_out).
            publish_partial=True,
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
        ("Quận ", "Chủ tịch UBND quận"),
        ("Huyện ", "Chủ tịch UBND huyện"),
    ),
}
COMMUNE_HEAD_TITLES = {
    CommuneType.WARD: "Chủ tịch UBND phường",
    CommuneType.COMMUNE: "Chủ tịch UBND xã",
    CommuneType.SPECIAL_ZONE: "Chủ tịch UBND đặc khu",
}


def _head_title(row):
    if row.kind == UnitKind.COMMUNE:
        return COMMUNE_HEAD_TITLES[row.commune_type]
    for prefix, title in HEAD_TITLES[row.kind]:
        if row.name.startswith(prefix):
            return title
    raise ValueError(f"No head title for {row.name!r}")


def _headed(row):
    """The units the demo names heads for: every department and district (not one without an
    administration), and the communes of today (the 280 old ones have none: too many to matter)."""
    if row.code in NO_ADMINISTRATION:
        return False
    return row.kind in HEAD_TITLES or (row.kind == UnitKind.COMMUNE and row.valid_to is None)


def _planned_heads(unit_rows):
    """(unit code, full name, title, start, end) for every headed unit, names by code order."""
    heads = []
    for row in sorted((row for row in unit_rows if _headed(row)), key=lambda row: row.code):
        title = _head_title(row)
        start = max(HEAD_START, row.valid_from or HEAD_START)
        change = HEAD_CHANGES.get(row.code)
        if change:
            heads.append((row.code, demo_person(len(heads)), title, start, change - datetime.timedelta(days=1)))
            heads.append((row.code, demo_person(len(heads)), title, change, row.valid_to))
        else:
            heads.append((row.code, demo_person(len(heads)), title, start, row.valid_to))
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
# Synthetic one-stop dossiers (demo.synthetic_dossiers) for the districts and communes and a few
# departments, so the dossier pages have something to show. Generated only while the demo has none,
# so a second load changes nothing.
#
# The demo's "now" is the time of the load (timezone.now(), months in Vietnam time): a dossier is
# pending only if it would end after it. Each unit gets dossiers in every month from
# DOSSIER_FIRST_MONTH or its first month, to the current month or its last month: the old
# districts, communes and departments from January 2024 to June 2025, settled by their last day
# (30/6/2025), the same on every load; the new communes and departments from July 2025 to the load,
# the last weeks' still pending then. The statistics job computes them after commit
# (dossiers_generate records them as added). A merged commune's months before July 2025 are
# its predecessors' (dossiers.selectors.lineage_monthly_rates).

DOSSIER_SOURCE = "demo"
DOSSIER_SEED = SEED
DOSSIER_FIRST_MONTH = 202401
DOSSIER_DEPARTMENTS = ("L48-SNV", "L48-STP", "L49-SNV", "L49-STP", "48-SNV", "48-STP", "48-STC", "48-SNNMT")
# Dossiers per unit and month, by kind and whether the unit is of today: a district's one-stop desk
# takes more than a commune's, a commune of today (several old ones merged) more than an old one.
# Few enough that `migrate && load_demo` stays within half a minute on SQLite (docs/operations.md).
DOSSIERS_PER_UNIT_MONTH = {
    (UnitKind.DEPARTMENT, False): 15,
    (UnitKind.DEPARTMENT, True): 15,
    (UnitKind.DISTRICT, False): 12,
    (UnitKind.COMMUNE, False): 4,
    (UnitKind.COMMUNE, True): 12,
}


def dossier_months(row, *, now):
    """The months the demo generates a unit's dossiers for: from DOSSIER_FIRST_MONTH or the unit's
    first month to the current month (the dossiers received before `now`) or the unit's last month.
    The current month has its dossiers too: without them its statistics would hold only the
    dossiers still pending from the month before, and its overdue rate would leap at the end of
    every chart."""
    first = DOSSIER_FIRST_MONTH
    if row.valid_from is not None:
        first = max(first, row.valid_from.year * 100 + row.valid_from.month)
    last = measures.month_of(now)
    if row.valid_to is not None:
        last = min(last, row.valid_to.year * 100 + row.valid_to.month)
    return tuple(measures.months_between(first, last)) if first <= last else ()


def _with_dossiers(row):
    if row.code in NO_ADMINISTRATION:
        return False
    if row.kind == UnitKind.DEPARTMENT:
        return row.code in DOSSIER_DEPARTMENTS
    return row.kind in (UnitKind.DISTRICT, UnitKind.COMMUNE)


def _ensure_dossiers(unit_rows, units, created, *, now=None):
    if Dossier.objects.filter(source=DOSSIER_SOURCE).exists():
        return
    now = now or timezone.now()
    # Units with the same months and count are generated together.
    batches = {}
    for row in sorted(unit_rows, key=lambda row: row.code):
        if _with_dossiers(row):
            per_unit_month = DOSSIERS_PER_UNIT_MONTH[(row.kind, row.valid_to is None)]
            batches.setdefault((dossier_months(row, now=now), per_unit_month), []).append(units[row.code])
    for (months, per_unit_month), chosen in sorted(batches.items()):
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


# --- Remediation plans (issue 20) ----------------------------------------------------------------

# Phường Tam Kỳ's head has filed a plan on the PAR Index 2025 for two criteria its predecessor
# wards lost year after year (the weak ones, WEAK_CRITERIA), and sent it to Sở Nội vụ: one action
# is past its deadline, the 2026 appraisal has not come to verify it. Phường Cẩm Lệ's plan was
# accepted, and its 2026 assessment is appraised: the one criterion is recovered, the other not
# (the seeded scores give PAR.7.2 full marks in 2026 and PAR.7.3 still short; a test holds it).
DEMO_PLANS = (
    {
        "unit": "20341",
        "index": "par",
        "year": 2025,
        "by": "head_ward",
        "submit": True,
        "items": {
            "PAR.7.3": (
                "Tỷ lệ hồ sơ có kết quả được số hóa còn thấp; chưa bố trí người chuyên trách số hóa",
                [
                    (
                        "Số hóa 100% kết quả giải quyết thủ tục hành chính",
                        "Bộ phận Một cửa",
                        (2026, 3, 31),
                        "in_progress",
                    ),
                    (
                        "Báo cáo tiến độ số hóa hằng tháng cho Chủ tịch UBND phường",
                        "Văn phòng HĐND và UBND",
                        (2026, 12, 31),
                        "planned",
                    ),
                ],
            ),
            "PAR.3.3": (
                "Chưa rà soát, công khai đầy đủ thủ tục hành chính sau sắp xếp",
                [
                    (
                        "Rà soát và công khai toàn bộ thủ tục hành chính của phường",
                        "Văn phòng HĐND và UBND",
                        (2026, 9, 30),
                        "done",
                    )
                ],
            ),
        },
    },
    {
        "unit": "20260",
        "index": "par",
        "year": 2025,
        "by": None,
        "submit": False,
        "items": {
            "PAR.7.2": (
                "Nhiều thủ tục đủ điều kiện chưa được cung cấp trực tuyến toàn trình",
                [
                    (
                        "Đưa mọi thủ tục đủ điều kiện lên dịch vụ công trực tuyến toàn trình",
                        "Bộ phận Một cửa",
                        (2026, 6, 30),
                        "done",
                    )
                ],
            ),
            "PAR.7.3": (
                "Thiếu thiết bị số hóa hồ sơ",
                [("Trang bị máy quét và số hóa hồ sơ tồn", "Văn phòng HĐND và UBND", (2026, 6, 30), "done")],
            ),
        },
    },
)


def _ensure_plans(units, indices, users, created):
    """The demo's remediation plans, each once (a plan that exists is left as it is)."""
    for spec in DEMO_PLANS:
        unit, index = units[spec["unit"]], indices[spec["index"]]
        if Plan.objects.filter(unit=unit, index=index, year=spec["year"]).exists():
            continue
        if spec["by"]:
            # Written by the unit's head through the services, as on the page: audited.
            user = users[spec["by"]]
            plan = plans.plan_create(
                unit=unit, index=index, year=spec["year"], criterion_codes=list(spec["items"]), user=user
            )
            for item in plan.items.select_related("criterion"):
                cause, actions = spec["items"][item.criterion.code]
                plans.plan_item_cause_save(item=item, cause=cause, user=user)
                for what, owner, deadline, status in actions:
                    plans.plan_action_add(
                        item=item, what=what, owner=owner, deadline=datetime.date(*deadline), status=status, user=user
                    )
            if spec["submit"]:
                plans.plan_submit(plan=plan, user=user)
        else:
            # A unit without a demo user: its accepted plan is written as data, as its scores are.
            losses = {row["code"]: row for row in plannable_losses(unit=unit, index=index, year=spec["year"])}
            plan = Plan.objects.create(
                unit=unit,
                index=index,
                year=spec["year"],
                status=PlanStatus.ACCEPTED,
                reviewed_by=users["staff"],
                reviewed_at=timezone.now(),
            )
            for code, (cause, actions) in spec["items"].items():
                item = PlanItem.objects.create(
                    plan=plan,
                    criterion=Criterion.objects.get(
                        methodology__index=index,
                        methodology__year=spec["year"],
                        methodology__unit_kind=unit.kind,
                        code=code,
                    ),
                    points_lost=losses[code]["lost"],
                    streak=losses[code]["streak"] or 1,
                    cause=cause,
                )
                PlanAction.objects.bulk_create(
                    PlanAction(item=item, what=what, owner=owner, deadline=datetime.date(*deadline), status=status)
                    for what, owner, deadline, status in actions
                )
        created["remediation plans"] += 1


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
