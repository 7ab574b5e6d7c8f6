"""What the demo holds, read from one load shared by the module's tests.

Loading the demo takes seconds (tens of thousands of scores and dossiers, their statistics and every
ranking), so the tests that only read it share one load: `loaded` runs `load_demo` once, as a user
would, with the after-commit work in-process; each test then runs in a transaction rolled back
after it, and the rows go when the module ends. The passwords file and show_demo_credentials, which only
read a load, are here too. How loading behaves (a second load, a failed load) is tested in
test_load_demo.py, each test from an empty database.
"""

import datetime
import json
import stat
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Q, Sum
from django.utils import timezone

from demo import services as demo
from dossiers import measures
from dossiers.models import Dossier, DossierMonth, DossierMonthDirty, DossierStatus, Scope
from dossiers.selectors import (
    dossier_ranking,
    latest_dossier_month,
    lineage_monthly_rates,
    monthly_rates,
    months_of_year,
    period_stats,
)
from indicators.models import (
    Aggregation,
    Assessment,
    AssessmentStatus,
    Band,
    Criterion,
    Index,
    Methodology,
    Publication,
    Result,
    ResultSource,
    Score,
)
from indicators.official import OFFICIAL_STATES, OfficialState, with_official_state
from tests.demo.shared import demo_loaded
from units.access import APPRAISER_GROUP, STAFF_GROUP, Action, units_allowed, units_visible_to
from units.models import CommuneType, LineageKind, Membership, MembershipRole, Unit, UnitHead, UnitKind, UnitLineage
from units.selectors import units_valid_on

# The module's one load of the demo takes seconds. `make test` sends a whole file to one xdist worker
# (`--dist loadfile`), so the demo is loaded once, not once per worker.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

END_OF_OLD_UNITS = datetime.date(2025, 6, 30)
REORGANISED = datetime.date(2025, 7, 1)
OLD_MONTHS = tuple(range(202401, 202413)) + tuple(range(202501, 202507))
TAM_KY = "20341"  # Phường Tam Kỳ: the old phường An Mỹ, An Xuân and Trường Xuân of Thành phố Tam Kỳ, merged


def new_months():
    """The months of the units of today with dossiers: July 2025 to the current month."""
    return tuple(measures.months_between(202507, measures.month_of(timezone.now())))


def demo_dossiers():
    """Old units: 24 districts × 18 months × 12, 280 communes × 18 × 4, 4 departments × 18 × 15;
    units of today: 93 communes (not Đặc khu Hoàng Sa) and 4 departments, from July 2025, × 12 and × 15."""
    return 24 * 18 * 12 + 280 * 18 * 4 + 4 * 18 * 15 + len(new_months()) * (93 * 12 + 4 * 15)


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    # In a directory that does not exist yet: the loader must create it.
    credentials = tmp_path_factory.mktemp("demo") / "var" / "demo-credentials.json"
    with demo_loaded(django_db_blocker, credentials):
        yield credentials


def unit(code):
    return Unit.objects.get(code=code)


def published(unit_code, index_code, year):
    return Result.objects.get(unit__code=unit_code, index__code=index_code, year=year)


def par_shares(*, year, kind, parent):
    """{unit code: Σ final ÷ Σ applicable max × 100} from the stored scores."""
    rows = (
        Score.objects.filter(
            assessment__methodology__index__code="par",
            assessment__methodology__year=year,
            assessment__unit__kind=kind,
            assessment__unit__parent__code=parent,
        )
        .values("assessment__unit__code")
        .annotate(points=Sum("final_score"), applicable=Sum("criterion__max_points", filter=Q(not_applicable=False)))
    )
    return {row["assessment__unit__code"]: row["points"] * 100 / row["applicable"] for row in rows}


# --- Units over time ------------------------------------------------------------------------------


def test_the_units_and_their_dates(loaded):
    nation, da_nang, old_da_nang, quang_nam = unit("VN"), unit("48"), unit("L48"), unit("L49")
    assert (nation.name, nation.kind, nation.parent) == ("Việt Nam", UnitKind.NATION, None)
    assert (da_nang.name, da_nang.kind, da_nang.parent, da_nang.valid_from, da_nang.valid_to) == (
        "Thành phố Đà Nẵng",
        UnitKind.PROVINCE,
        nation,
        REORGANISED,
        None,
    )
    for old, name in ((old_da_nang, "Thành phố Đà Nẵng"), (quang_nam, "Tỉnh Quảng Nam")):
        assert (old.name, old.parent, old.valid_to) == (name, nation, END_OF_OLD_UNITS)

    communes = Unit.objects.filter(parent=da_nang, kind=UnitKind.COMMUNE)
    assert communes.count() == 94
    assert set(communes.values_list("valid_from", "valid_to")) == {(REORGANISED, None)}
    assert Counter(communes.values_list("commune_type", flat=True)) == {"commune": 70, "ward": 23, "special_zone": 1}
    assert not communes.filter(latitude__isnull=True).exists()
    tam_ky = unit(TAM_KY)
    assert (tam_ky.name, tam_ky.commune_type) == ("Phường Tam Kỳ", CommuneType.WARD)

    districts = Unit.objects.filter(kind=UnitKind.DISTRICT)
    assert districts.count() == 25
    assert set(districts.values_list("parent__code", flat=True)) == {"L48", "L49"}
    assert set(districts.values_list("valid_to", flat=True)) == {END_OF_OLD_UNITS}
    assert unit("L502").name == "Thành phố Tam Kỳ" and unit("L490").name == "Quận Liên Chiểu"
    assert not Unit.objects.filter(parent__code="L498").exists()  # Hoàng Sa: no communes
    old_communes = Unit.objects.filter(kind=UnitKind.COMMUNE, parent__kind=UnitKind.DISTRICT)
    assert old_communes.count() == 280
    assert set(old_communes.values_list("valid_to", flat=True)) == {END_OF_OLD_UNITS}

    departments = {
        code: Unit.objects.filter(parent__code=code, kind=UnitKind.DEPARTMENT) for code in ("L49", "L48", "48")
    }
    assert [departments[code].count() for code in ("L49", "L48", "48")] == [20, 20, 15]
    assert set(departments["L49"].values_list("valid_to", flat=True)) == {END_OF_OLD_UNITS}
    assert set(departments["48"].values_list("valid_from", "valid_to", flat=False)) == {(REORGANISED, None)}
    assert unit("48-STP").name == "Sở Tư pháp" and unit("48-SNNMT").name == "Sở Nông nghiệp và Môi trường"
    assert unit("L49-SLDTBXH").name == "Sở Lao động - Thương binh và Xã hội"
    # The old demo's invented units are gone.
    assert not Unit.objects.filter(Q(code__startswith="QNA") | Q(code="DNG") | Q(name__contains="minh họa")).exists()
    assert Unit.objects.count() == 1 + 3 + 25 + 280 + 94 + 55


def test_the_reorganisation_is_recorded_and_decides_which_units_a_year_has(loaded):
    def successors(code):
        return set(UnitLineage.objects.filter(predecessor__code=code).values_list("successor__code", "kind", "date"))

    assert successors("L49") == successors("L48") == {("48", LineageKind.MERGE, REORGANISED)}
    assert set(UnitLineage.objects.filter(successor__code=TAM_KY).values_list("predecessor__code", flat=True)) == {
        "L20341",
        "L20347",
        "L20353",
    }
    # Every old department passed its work to a new one on 1/7/2025, Sở Lao động to two.
    for code in Unit.objects.filter(kind=UnitKind.DEPARTMENT, valid_to=END_OF_OLD_UNITS).values_list("code", flat=True):
        assert {date for _, _, date in successors(code)} == {REORGANISED}, code
    assert successors("L49-STP") == {("48-STP", LineageKind.MERGE, REORGANISED)}
    assert successors("L49-SKHDT") == {("48-STC", LineageKind.MERGE, REORGANISED)}
    assert {code for code, *_ in successors("L48-SLDTBXH")} == {"48-SNV", "48-SYT"}
    assert not UnitLineage.objects.filter(successor__code__startswith="48-", date__lt=REORGANISED).exists()

    # A year's groups are the units of its last day.
    end_2024, end_2025 = datetime.date(2024, 12, 31), datetime.date(2025, 12, 31)
    assert units_valid_on(day=end_2024).filter(kind=UnitKind.COMMUNE).count() == 280
    assert units_valid_on(day=end_2025).filter(kind=UnitKind.COMMUNE).count() == 94
    assert not units_valid_on(day=end_2025).filter(kind=UnitKind.DISTRICT).exists()


# --- The real figures ---------------------------------------------------------------------------------


def test_the_published_figures_are_quang_nams_and_stored_exactly(loaded):
    expected = [
        ("L49", "par", 2023, Decimal("84.60"), 56, 63),
        ("L49", "par", 2022, None, 57, 63),
        ("L49", "sipas", 2023, Decimal("78.44"), 59, 63),
        ("L49", "sipas", 2022, Decimal("75.00"), 61, 63),
        ("L49-SNV", "par", 2023, Decimal("96.86"), 1, 20),
    ]
    for unit_code, index_code, year, value, rank, group_size in expected:
        result = published(unit_code, index_code, year)
        assert (result.value, result.official_rank, result.official_group_size, result.source) == (
            value,
            rank,
            group_size,
            ResultSource.PUBLISHED,
        ), (unit_code, index_code, year)
        assert "Vietnam Business Forum, 2/7/2024" in result.note
    assert "sở, ban, ngành năm 2023" in published("L49-SNV", "par", 2023).note
    assert published("L49", "par", 2023).band.name == "B"
    assert Result.objects.filter(source=ResultSource.PUBLISHED).count() == len(expected)


def test_so_noi_vu_scores_sum_to_its_published_9686_and_top_quang_nams_departments_in_2023(loaded):
    shares = par_shares(year=2023, kind=UnitKind.DEPARTMENT, parent="L49")

    assert len(shares) == 20
    assert shares["L49-SNV"] == Decimal("96.86")
    assert all(share < Decimal("96.86") for code, share in shares.items() if code != "L49-SNV")
    home_affairs = published("L49-SNV", "par", 2023)
    assert (home_affairs.rank, home_affairs.group_size, home_affairs.official_rank) == (1, 20, 1)


# --- Methodologies, assessments, scores ------------------------------------------------------------------


def test_the_indices_and_their_methodologies_per_year_and_kind(loaded):
    assert list(Index.objects.order_by("code").values_list("code", "value_unit", "direction")) == [
        ("dvc766", "points", "higher"),
        ("ho-so-tre-han", "percent", "lower"),
        ("nop-truc-tuyen", "percent", "higher"),
        ("par", "percent", "higher"),
        ("sipas", "percent", "higher"),
        ("thanh-toan-truc-tuyen", "percent", "higher"),
    ]
    assert sorted(set(Methodology.objects.values_list("year", flat=True))) == list(range(2021, 2027))
    for year in range(2021, 2027):
        aggregation = {
            (m.index.code, m.unit_kind): m.aggregation
            for m in Methodology.objects.filter(year=year).select_related("index")
        }
        kinds = (UnitKind.DEPARTMENT, UnitKind.COMMUNE) + ((UnitKind.DISTRICT,) if year <= 2024 else ())
        expected = {
            **{(code, kind): Aggregation.PUBLISHED for code in ("par", "sipas", "dvc766") for kind in ["province"]},
            **{("par", kind): Aggregation.SUM for kind in kinds},
            **{("dvc766", kind): Aggregation.SUM for kind in kinds},
            **{("sipas", kind): Aggregation.MEAN for kind in kinds if kind != UnitKind.COMMUNE},
        }
        if year >= 2024:
            expected |= {(code, kind): Aggregation.DOSSIERS for code in demo.DOSSIER_INDICES for kind in kinds}
        assert aggregation == expected, year
    # The bands follow the methodologies: by kind, and no district band after 2024.
    assert not Band.objects.filter(unit_kind=UnitKind.DISTRICT, year__gt=2024).exists()
    bands = Band.objects.filter(index__code="par", year=2026, unit_kind=UnitKind.COMMUNE).order_by("position")
    assert [(b.name, b.min_value, b.max_value) for b in bands] == [
        ("Xuất sắc", Decimal(90), None),
        ("Tốt", Decimal(80), Decimal(90)),
        ("Khá", Decimal(70), Decimal(80)),
        ("Trung bình", Decimal(50), Decimal(70)),
        ("Yếu", None, Decimal(50)),
    ]
    province = Band.objects.filter(index__code="par", year=2026, unit_kind=UnitKind.PROVINCE).order_by("position")
    assert list(province.values_list("name", flat=True)) == ["A", "B"]


def test_every_area_is_the_sum_of_its_sub_criteria_and_the_par_areas_total_100(loaded):
    par = Methodology.objects.get(index__code="par", year=2026, unit_kind=UnitKind.COMMUNE)
    areas = Criterion.objects.filter(methodology=par, parent=None).order_by("position")
    maxima = ("10", "10", "14.5", "11", "16", "7", "16", "15.5")
    assert [area.max_points for area in areas] == [Decimal(points) for points in maxima]
    assert areas.last().kind == "survey"
    for area in Criterion.objects.filter(parent=None, children__isnull=False).distinct():
        assert sum(child.max_points for child in area.children.all()) == area.max_points, area
    for methodology in Methodology.objects.filter(aggregation=Aggregation.SUM):
        assert methodology.criteria.filter(parent=None).aggregate(total=Sum("max_points"))["total"] == 100


def test_each_scored_year_assesses_the_units_of_its_last_day_fully_and_publishes_them(loaded):
    for year in range(2021, 2026):
        last_day = datetime.date(year, 12, 31)
        for methodology in Methodology.objects.filter(year=year, aggregation__in=[Aggregation.SUM, Aggregation.MEAN]):
            units = (
                units_valid_on(day=last_day).filter(kind=methodology.unit_kind).exclude(code__in=demo.NO_ADMINISTRATION)
            )
            leaves = methodology.criteria.filter(children__isnull=True).count()
            assessments = Assessment.objects.filter(methodology=methodology)
            assert set(assessments.values_list("unit_id", flat=True)) == set(units.values_list("pk", flat=True))
            assert Score.objects.filter(assessment__methodology=methodology).count() == leaves * units.count()
            assert set(assessments.values_list("status", flat=True)) == {AssessmentStatus.PUBLISHED}
    assert set(Assessment.objects.filter(methodology__year=2025).values_list("unit__valid_from", flat=True)) == {
        REORGANISED
    }
    assert Assessment.objects.filter(methodology__year__lte=2024, unit__valid_to=END_OF_OLD_UNITS).count() == 4 * (
        40 * 3 + 24 * 3 + 280 * 2
    )

    cent = Decimal("0.01")
    for score in Score.objects.filter(assessment__methodology__year__lte=2025).select_related("criterion"):
        if score.not_applicable:
            assert score.final_score is None and score.self_score is None and score.note
            continue
        assert Decimal(0) <= score.final_score <= score.criterion.max_points
        assert score.final_score == score.final_score.quantize(cent)
        if score.self_score is not None:
            assert score.final_score <= score.self_score <= score.criterion.max_points
        else:
            assert score.criterion.kind == "survey"


def test_2026_is_in_progress_with_drafts_submitted_and_a_few_appraised(loaded):
    from assessments.workflow import unscored_final_criteria, unscored_self_criteria

    ongoing = Assessment.objects.filter(methodology__year=2026).select_related("methodology", "unit")
    by_status = Counter(ongoing.values_list("status", flat=True))
    assert set(by_status) == {AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED, AssessmentStatus.APPRAISED}
    assert by_status[AssessmentStatus.APPRAISED] < by_status[AssessmentStatus.DRAFT]
    # Every unit of today has its PAR and 766 self-assessment; SIPAS is surveyed at the year's end.
    of_today = (
        Unit.objects.filter(valid_from=REORGANISED)
        .exclude(kind=UnitKind.PROVINCE)
        .exclude(code__in=demo.NO_ADMINISTRATION)
    )
    for index in ("par", "dvc766"):
        assert set(ongoing.filter(methodology__index__code=index).values_list("unit_id", flat=True)) == set(
            of_today.values_list("pk", flat=True)
        )
    assert not ongoing.filter(methodology__index__code="sipas").exists()
    assert ongoing.get(unit__code="48-STP", methodology__index__code="par").status == AssessmentStatus.DRAFT

    for assessment in ongoing:
        unscored_self = unscored_self_criteria(assessment=assessment)
        if assessment.status == AssessmentStatus.DRAFT:
            assert unscored_self and Score.objects.filter(assessment=assessment).exists(), assessment
        else:
            assert unscored_self == [], assessment
        finals = Score.objects.filter(assessment=assessment, final_score__isnull=False)
        if assessment.status == AssessmentStatus.APPRAISED:
            assert unscored_final_criteria(assessment=assessment) == [], assessment
        else:
            assert not finals.exists(), assessment
    assert not Publication.objects.filter(methodology__year=2026).exists()


def test_2025_is_official_by_its_decision_and_nothing_of_2026_is(loaded):
    """Issue 17: each published year is published by a (made-up) decision: every result of a
    published assessment is official by it, the year in progress is provisional, and no result is
    in a state that needs explaining."""
    states = Counter(
        with_official_state(Result.objects.filter(index__code__in=["par", "sipas", "dvc766"])).values_list(
            "year", "official_state"
        )
    )
    for (year, state), count in states.items():
        if year <= 2025:
            assert state in OFFICIAL_STATES, (year, state, count)
        else:
            assert state == OfficialState.PROVISIONAL, (year, state, count)
    assert {year for year, _ in states} == set(range(2021, 2027))
    assert not {state for _, state in states} & {"no_decision", "changed", "correcting", "reopened"}
    decisions = Publication.objects.select_related("methodology")
    assert decisions.exists() and all("(minh họa)" in p.decision_reference for p in decisions)
    assert {p.published_on for p in decisions} == {datetime.date(year + 1, 4, 15) for year in range(2021, 2026)}
    # The completeness gates pass: only Huyện Hoàng Sa and Đặc khu Hoàng Sa, with no administration to assess,
    # are left out, of the districts' and the communes' decisions.
    for publication in decisions:
        end = datetime.date(publication.methodology.year, 12, 31)
        expected = list(
            units_valid_on(day=end)
            .filter(kind=publication.methodology.unit_kind, code__in=demo.NO_ADMINISTRATION)
            .values_list("code", flat=True)
        )
        assert publication.units_left_out == expected, publication
    official_2025 = with_official_state(Result.objects.filter(year=2025, index__code="par", unit__parent__code="48"))
    assert official_2025.count() == 93 + 15
    assert set(official_2025.values_list("official_state", flat=True)) == {OfficialState.OFFICIAL}


def test_departments_without_procedures_skip_a_procedures_criterion(loaded):
    skipped = Score.objects.filter(
        not_applicable=True, criterion__code="PAR.3.3", assessment__methodology__year__lte=2025
    )
    assert Counter(skipped.values_list("assessment__unit__code", flat=True)) == {
        "L49-TTT": 4,
        "L49-BDT": 4,
        "L48-TTTP": 4,
        "48-TTTP": 1,
    }


# --- Dossiers --------------------------------------------------------------------------------------------


def test_the_demo_has_dossiers_for_the_old_units_until_june_2025_and_the_new_ones_after(loaded):
    dossiers = Dossier.objects.filter(source=demo.DOSSIER_SOURCE)
    assert dossiers.count() == Dossier.objects.count() == demo_dossiers()
    old = dossiers.filter(unit__valid_to=END_OF_OLD_UNITS)
    assert set(old.values_list("received_month", flat=True)) == set(OLD_MONTHS)
    assert set(dossiers.filter(unit__valid_to=None).values_list("received_month", flat=True)) == set(new_months())
    with_dossiers = set(dossiers.values_list("unit__code", flat=True))
    old_local = Unit.objects.filter(kind__in=[UnitKind.DISTRICT, UnitKind.COMMUNE], valid_to=END_OF_OLD_UNITS)
    assert with_dossiers >= set(old_local.exclude(code="L498").values_list("code", flat=True))
    assert with_dossiers >= set(
        Unit.objects.filter(parent__code="48", kind=UnitKind.COMMUNE)
        .exclude(code="20333")
        .values_list("code", flat=True)
    )
    assert {code for code in with_dossiers if "-" in code} == set(demo.DOSSIER_DEPARTMENTS)
    assert len(with_dossiers) == 24 + 280 + 93 + len(demo.DOSSIER_DEPARTMENTS)
    # The old units settled their dossiers by their last day: none ended after it, none is pending.
    assert not old.filter(completed_at__gte=timezone.make_aware(datetime.datetime(2025, 7, 1))).exists()
    assert not old.filter(status=DossierStatus.PENDING).exists()


def test_the_demo_dossiers_are_counted_by_the_statistics_job_after_the_load(loaded):
    assert not DossierMonthDirty.objects.exists()
    tam_ky = DossierMonth.objects.get(unit__code="L502", month=202406, scope=Scope.TOTAL)
    own = DossierMonth.objects.get(unit__code="L502", month=202406, scope=Scope.OWN)
    communes = Unit.objects.filter(parent__code="L502").count()
    assert own.received == 12 and tam_ky.received == 12 + communes * 4
    quang_nam = DossierMonth.objects.get(unit__code="L49", month=202406, scope=Scope.TOTAL)
    old_communes = Unit.objects.filter(parent__parent__code="L49").count()
    assert quang_nam.received == 17 * 12 + old_communes * 4 + 2 * 15
    da_nang = DossierMonth.objects.get(unit__code="48", month=202509, scope=Scope.TOTAL)
    assert da_nang.received == 93 * 12 + 4 * 15


def test_the_old_and_new_units_are_ranked_by_overdue_rate(loaded):
    yearly = Result.objects.filter(index__code="ho-so-tre-han", year=2024, unit__kind=UnitKind.DISTRICT)
    assert yearly.filter(rank__isnull=False).count() == 24
    ranked = list(yearly.filter(unit__parent__code="L49").order_by("rank", "unit__code"))
    assert len(ranked) == 17 and {r.group_size for r in ranked} == {17}
    assert ranked[0].rank == 1 and ranked[0].value <= ranked[-1].value and ranked[-1].value > 0
    stats = period_stats(months=months_of_year(2024), units=[ranked[0].unit_id])
    assert ranked[0].value == stats[ranked[0].unit_id]["overdue_rate"]
    # 2025 ranks the units of its end: the communes of today, their months before July their predecessors'.
    communes_2025 = Result.objects.filter(index__code="ho-so-tre-han", year=2025, unit__kind=UnitKind.COMMUNE)
    assert communes_2025.filter(rank__isnull=False).count() == 93
    assert set(communes_2025.filter(rank__isnull=False).values_list("unit__parent__code", flat=True)) == {"48"}


def test_a_merged_communes_overdue_history_before_july_2025_is_its_predecessors_by_hand(loaded):
    """Issue 18's acceptance: Phường Tam Kỳ's overdue rate in each month before it existed equals
    the rate computed by hand from the dossiers of the communes it was formed from — numerators
    and denominators summed over them, never a mean of their rates."""
    ward = unit(TAM_KY)
    predecessors = list(UnitLineage.objects.filter(successor=ward).values_list("predecessor_id", flat=True))
    assert len(predecessors) == 3
    dossiers = list(Dossier.objects.filter(unit_id__in=predecessors))
    rows = {row["month"]: row for row in lineage_monthly_rates(unit=ward, months=OLD_MONTHS)}

    for month in OLD_MONTHS:
        start, end = measures.month_bounds(month)
        late = handled = 0
        for d in dossiers:
            if d.completed_at is not None and start <= d.completed_at < end:  # ended in the month
                handled += 1
                late += d.supplement_requests > 1 or d.effective_completed_at > d.due_at
            elif d.received_at < end and (d.completed_at is None or d.completed_at >= end):  # pending at its end
                handled += 1
                late += d.supplement_requests > 1 or d.effective_due_at < end
        by_hand = (Decimal(late) * 100 / Decimal(handled)).quantize(Decimal("0.000001"))
        assert rows[month]["composed"] and handled > 0, month
        assert rows[month]["overdue_rate"] == by_hand, month
    # And from July 2025 it is the ward's own.
    own = lineage_monthly_rates(unit=ward, months=[202509])[0]
    assert not own["composed"] and own["received"] == 12


def test_the_scorecard_shows_the_wards_predecessors_history(loaded, client):
    staff = User.objects.get(username="staff")
    client.force_login(staff)
    response = client.get(f"/units/{TAM_KY}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Phường Tam Kỳ" in html and "Phường An Mỹ" in html


MAX_PENDING = datetime.timedelta(days=90)


def current_month():
    local = timezone.localtime()
    return local.year * 100 + local.month


def test_no_dossier_is_after_now_nor_pending_longer_than_90_days(loaded):
    now = timezone.now()
    assert not Dossier.objects.filter(received_at__gt=now).exists()
    assert not Dossier.objects.filter(completed_at__gt=now).exists()
    assert max(Dossier.objects.values_list("received_month", flat=True)) == current_month()
    assert not DossierMonth.objects.filter(month__gt=current_month()).exists()
    assert latest_dossier_month() == new_months()[-1]
    # The month still running has its dossiers: its overdue rate does not leap at the chart's end.
    this_month = monthly_rates(unit=unit("48"), months=[current_month()])[0]
    assert this_month["received"] == 93 * 12 + 4 * 15 and this_month["overdue_rate"] < 50
    pending = Dossier.objects.filter(status=DossierStatus.PENDING)
    assert pending.exists()  # the last weeks' dossiers of the units of today
    assert not pending.filter(received_at__lt=now - MAX_PENDING).exists()
    ended = Dossier.objects.exclude(status=DossierStatus.PENDING)
    assert not ended.filter(completed_at__isnull=True).exists()
    assert all(
        completed - received < MAX_PENDING for received, completed in ended.values_list("received_at", "completed_at")
    )
    for year in (2024, 2025, timezone.localtime().year):
        assert all(
            row["month"] <= current_month() for row in monthly_rates(unit=unit("48"), months=months_of_year(year))
        )


def test_the_old_units_dossiers_are_the_same_whenever_the_demo_is_loaded(loaded):
    """Judged at the time of the load, but the old units closed on 30/6/2025: a load a year later
    gives them the same dossiers."""
    columns = [f.attname for f in Dossier._meta.concrete_fields if f.attname not in ("id", "updated_at")]
    old = Dossier.objects.filter(unit__valid_to=END_OF_OLD_UNITS)

    def rows():
        return list(old.order_by("external_id").values_list(*columns))

    first = rows()
    Dossier.objects.all().delete()
    later = timezone.now() + datetime.timedelta(days=365)
    demo._ensure_dossiers(demo.read_unit_rows(), {u.code: u for u in Unit.objects.all()}, Counter(), now=later)

    assert rows() == first


def test_the_latest_complete_month_is_mostly_on_time_and_differs_between_units(loaded):
    latest = new_months()[-2]
    rates = [row["overdue_rate"] for row in period_stats(months=[latest]).values() if row["overdue_rate"] is not None]

    assert len(rates) >= 93, latest
    assert sum(rates) / len(rates) < 50, latest
    # A dozen dossiers a commune a month: the rates are fractions of a few, yet not one for all.
    assert len(set(rates)) >= 10, latest
    assert dossier_ranking(months=[latest], kind=UnitKind.COMMUNE)[0]["rank"] == 1


def test_no_ranking_of_the_demo_is_a_tie_of_every_unit(loaded):
    """Every group of three or more units, in every index and year, and by the overdue rate on the
    dossier pages in every year with statistics: the units do not all share one rank. (The old
    communes have four dossiers a month: the few communes of a small district may all have had no
    dossier paid online in a year — very few are, as the article says — so their online-payment
    ranking can tie at 0 %.)"""
    groups = {}
    for index, year, kind, parent, rank in Result.objects.filter(rank__isnull=False).values_list(
        "index__code", "year", "unit__kind", "unit__parent_id", "rank"
    ):
        groups.setdefault((index, year, kind, parent), []).append(rank)
    for year in (2024, 2025, 2026):
        for kind in (UnitKind.DEPARTMENT, UnitKind.DISTRICT, UnitKind.COMMUNE):
            for row in dossier_ranking(months=months_of_year(year), kind=kind):
                if row["rank"] is not None:
                    groups.setdefault(("overdue_rate", year, kind, row["parent_id"]), []).append(row["rank"])

    assert {key[1] for key in groups} == set(range(2021, 2027))
    tied = [key for key, ranks in groups.items() if len(ranks) >= 3 and len(set(ranks)) == 1]
    assert not [key for key in tied if key[:3] != ("thanh-toan-truc-tuyen", 2024, UnitKind.COMMUNE)]
    assert len(tied) < 10


# --- People ----------------------------------------------------------------------------------------------


def test_the_heads_are_demo_people_and_one_changed_in_2023(loaded):
    # 55 departments, 24 districts (not Hoàng Sa), 93 communes of today (not Đặc khu Hoàng Sa), two changes of head.
    assert UnitHead.objects.count() == 55 + 24 + 93 + 2
    assert not UnitHead.objects.exclude(full_name__endswith="(minh họa)").exists()
    assert not UnitHead.objects.filter(unit__code__in=demo.NO_ADMINISTRATION).exists()
    titles = {
        code: UnitHead.objects.filter(unit__code=code).latest("start").title
        for code in ("48-SNV", "L490", "L509", TAM_KY)
    }
    assert titles == {
        "48-SNV": "Giám đốc",
        "L490": "Chủ tịch UBND quận",
        "L509": "Chủ tịch UBND huyện",
        TAM_KY: "Chủ tịch UBND phường",
    }
    assert UnitHead.objects.get(unit__code="48-STP").start == REORGANISED
    terms = list(UnitHead.objects.filter(unit__code="L49-SYT").order_by("start").values_list("start", "end"))
    assert terms == [
        (datetime.date(2021, 1, 1), datetime.date(2023, 3, 31)),
        (datetime.date(2023, 4, 1), END_OF_OLD_UNITS),
    ]


def test_one_demo_user_per_role_sees_what_the_role_allows(loaded):
    users = {user.username: user for user in User.objects.all()}
    assert set(users) == {"staff", "head_department", "head_ward", "appraiser", "admin"}
    assert list(users["staff"].groups.values_list("name", flat=True)) == [STAFF_GROUP]
    assert list(users["appraiser"].groups.values_list("name", flat=True)) == [APPRAISER_GROUP]
    assert users["appraiser"].is_staff and not users["appraiser"].is_superuser
    assert users["admin"].is_superuser and not users["staff"].is_staff

    assert Membership.objects.get(user=users["head_department"]).unit.code == "48-STP"
    assert Membership.objects.get(user=users["head_ward"]).role == MembershipRole.HEAD
    assert UnitHead.objects.get(unit__code="48-STP").user == users["head_department"]
    assert UnitHead.objects.get(unit__code=TAM_KY).user == users["head_ward"]

    def visible(username):
        return set(units_visible_to(user=users[username]).values_list("code", flat=True))

    def history(username):
        return set(units_allowed(user=users[username], action=Action.VIEW_HISTORY).values_list("code", flat=True))

    assert visible("head_department") == {"48-STP"}
    assert visible("head_ward") == {TAM_KY}
    # Their units' past: the offices and communes they were formed from, nothing else.
    assert history("head_department") == {"48-STP", "L48-STP", "L49-STP"}
    assert history("head_ward") == {TAM_KY, "L20341", "L20347", "L20353"}
    assert len(visible("staff")) == len(visible("appraiser")) == Unit.objects.count()
    appraiser = next(spec for spec in demo.DEMO_USERS if spec.username == "appraiser")
    assert "Tự đánh giá / Thẩm định" in appraiser.description and "admin" not in appraiser.description


# --- The passwords file and show_demo_credentials ----------------------------------------------------


@pytest.fixture
def credentials_file(loaded, settings):
    """The passwords file the module's load wrote, put back as it was after a test that removes it."""
    settings.DEMO_CREDENTIALS_FILE = loaded
    content, mode = loaded.read_bytes(), stat.S_IMODE(loaded.stat().st_mode)
    yield loaded
    if not loaded.exists():
        loaded.write_bytes(content)
        loaded.chmod(mode)


def test_the_passwords_file_is_private_and_its_passwords_log_in(loaded, credentials_file):
    assert stat.S_IMODE(credentials_file.stat().st_mode) == 0o600
    entries = json.loads(credentials_file.read_text(encoding="utf-8"))
    assert [entry["username"] for entry in entries] == list(demo.DEMO_USERNAMES)
    assert len({entry["password"] for entry in entries}) == 5
    for entry in entries:
        assert set(entry) == {"username", "role", "password", "description"}
        assert User.objects.get(username=entry["username"]).check_password(entry["password"])


# --- show_demo_credentials ------------------------------------------------------------------------------


def show_credentials():
    out, err = StringIO(), StringIO()
    call_command("show_demo_credentials", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_show_demo_credentials_prints_the_passwords_under_debug(settings, loaded, credentials_file):
    settings.DEBUG = True
    out, err = show_credentials()
    assert err == ""
    for entry in json.loads(credentials_file.read_text(encoding="utf-8")):
        line = next(line for line in out.splitlines() if line.split()[:1] == [entry["username"]])
        assert entry["password"] in line and entry["role"] in line


def test_show_demo_credentials_refuses_without_debug(settings, loaded, credentials_file):
    settings.DEBUG = False
    out, err = show_credentials()  # returns normally: exit status 0
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "DEBUG" in err
    for entry in json.loads(credentials_file.read_text(encoding="utf-8")):
        assert entry["password"] not in out + err


def test_show_demo_credentials_without_the_file_says_how_to_reset_a_password(settings, loaded, credentials_file):
    settings.DEBUG = True
    credentials_file.unlink()
    out, _ = show_credentials()
    assert "python manage.py changepassword NAME" in out
    assert "head_ward" in out


def test_the_demo_has_remediation_plans_one_overdue_one_recovered(loaded):
    """Issue 20: Phường Tam Kỳ's head filed and submitted a plan with an action past its deadline,
    not yet verified (2026 is not appraised); Phường Cẩm Lệ's accepted plan is verified by its
    appraised 2026: one criterion recovered, one still losing."""
    from remediation.models import PlanStatus
    from remediation.selectors import plan_for

    par = Index.objects.get(code="par")
    tam_ky = plan_for(unit=Unit.objects.get(code="20341"), index=par, year=2025)
    assert tam_ky.status == PlanStatus.SUBMITTED and tam_ky.created_by.username == "head_ward"
    assert {item.outcome for item in tam_ky.items.all()} == {"unknown"}
    overdue = [action.what for item in tam_ky.items.all() for action in item.actions.all() if action.overdue]
    assert overdue == ["Số hóa 100% kết quả giải quyết thủ tục hành chính"]
    cam_le = plan_for(unit=Unit.objects.get(code="20260"), index=par, year=2025)
    assert cam_le.status == PlanStatus.ACCEPTED
    assert {item.criterion.code: item.outcome for item in cam_le.items.all()} == {
        "PAR.7.2": "recovered",
        "PAR.7.3": "still_losing",
    }
