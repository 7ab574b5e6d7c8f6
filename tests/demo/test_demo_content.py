"""What the demo holds, read from one load shared by the module's tests.

Loading the demo takes seconds (thousands of scores and dossiers, their statistics and every
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
from django.db.models import Max, Q, Sum
from django.test import override_settings
from django.utils import timezone

from demo import services as demo
from dossiers.models import Dossier, DossierMonth, DossierMonthDirty, DossierStatus, Scope
from dossiers.selectors import (
    dossier_ranking,
    latest_dossier_month,
    monthly_rates,
    months_of_quarter,
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
    Result,
    ResultSource,
    Score,
)
from units.access import APPRAISER_GROUP, STAFF_GROUP, units_visible_to
from units.models import LineageKind, Membership, MembershipRole, Unit, UnitHead, UnitKind, UnitLineage
from units.selectors import units_valid_in

# The module's one load of the demo takes seconds. `make test` sends a whole file to one xdist worker
# (`--dist loadfile`), so the demo is loaded once, not once per worker.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

END_OF_QUANG_NAM = datetime.date(2025, 6, 30)
END_OF_NONG_SON = datetime.date(2024, 12, 31)
# 2024: 18 districts × 12 months × 30, 54 communes × 12 × 20, 4 departments × 12 × 25; January to
# June 2025, without Nông Sơn and its 3 communes: 17 × 6 × 30, 51 × 6 × 20, 4 × 6 × 25.
DEMO_DOSSIERS = 18 * 12 * 30 + 54 * 12 * 20 + 4 * 12 * 25 + 17 * 6 * 30 + 51 * 6 * 20 + 4 * 6 * 25
DEMO_MONTHS = set(range(202401, 202413)) | set(range(202501, 202507))


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    from reformdash.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # as the embedded default runs them, even when REDIS_URL is set
    # In a directory that does not exist yet: the loader must create it.
    credentials = tmp_path_factory.mktemp("demo") / "var" / "demo-credentials.json"
    try:
        with django_db_blocker.unblock(), override_settings(DEMO_CREDENTIALS_FILE=credentials):
            call_command("load_demo", stdout=StringIO())
        yield credentials
    finally:
        app.conf.task_always_eager = eager
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)


def unit(code):
    return Unit.objects.get(code=code)


def published(unit_code, index_code, year):
    return Result.objects.get(unit__code=unit_code, index__code=index_code, year=year)


def par_shares(*, year, kind):
    """{unit code: Σ final ÷ Σ applicable max × 100} from the stored scores."""
    rows = (
        Score.objects.filter(
            assessment__methodology__index__code="par", assessment__methodology__year=year, assessment__unit__kind=kind
        )
        .values("assessment__unit__code")
        .annotate(points=Sum("final_score"), applicable=Sum("criterion__max_points", filter=Q(not_applicable=False)))
    )
    return {row["assessment__unit__code"]: row["points"] * 100 / row["applicable"] for row in rows}


# --- Units over time ------------------------------------------------------------------------------


def test_the_units_and_their_dates(loaded):
    nation, quang_nam, da_nang = unit("VN"), unit("QNA"), unit("DNG")
    assert (nation.name, nation.kind, nation.parent) == ("Việt Nam", UnitKind.NATION, None)
    assert (quang_nam.kind, quang_nam.parent, quang_nam.valid_from, quang_nam.valid_to) == (
        UnitKind.PROVINCE,
        nation,
        datetime.date(1997, 1, 1),
        END_OF_QUANG_NAM,
    )
    assert (da_nang.kind, da_nang.parent, da_nang.valid_to) == (UnitKind.PROVINCE, nation, None)

    departments = Unit.objects.filter(parent=quang_nam, kind=UnitKind.DEPARTMENT)
    districts = Unit.objects.filter(parent=quang_nam, kind=UnitKind.DISTRICT)
    assert departments.count() == 20 and districts.count() == 18
    assert unit("QNA-SNV").name == "Sở Nội vụ" and unit("QNA-TAMKY").name == "Thành phố Tam Kỳ"
    assert departments.filter(name="Sở Lao động - Thương binh và Xã hội").exists()
    assert set(departments.values_list("valid_to", flat=True)) == {END_OF_QUANG_NAM}
    assert not Unit.objects.exclude(code__in=["VN", "QNA"]).filter(valid_from__isnull=False).exists()
    assert unit("QNA-NONGSON").valid_to == END_OF_NONG_SON
    assert set(districts.exclude(code="QNA-NONGSON").values_list("valid_to", flat=True)) == {END_OF_QUANG_NAM}

    for district in districts:
        communes = Unit.objects.filter(parent=district, kind=UnitKind.COMMUNE)
        assert communes.count() == 3
        assert set(communes.values_list("valid_to", flat=True)) == {district.valid_to}
    assert unit("QNA-TAMKY-X1").name == "Xã minh họa 1 (Tam Kỳ)"


def test_the_merges_are_recorded_and_change_which_units_a_year_has(loaded):
    def link(predecessor, successor):
        return UnitLineage.objects.get(predecessor__code=predecessor, successor__code=successor)

    nong_son = link("QNA-NONGSON", "QNA-QUESON")
    assert (nong_son.kind, nong_son.date) == (LineageKind.MERGE, datetime.date(2025, 1, 1))
    province = link("QNA", "DNG")
    assert (province.kind, province.date) == (LineageKind.MERGE, datetime.date(2025, 7, 1))
    for commune in ("QNA-NONGSON-X1", "QNA-NONGSON-X2", "QNA-NONGSON-X3"):
        assert unit(commune).valid_to == END_OF_NONG_SON
        merged = UnitLineage.objects.get(predecessor__code=commune)
        assert (merged.successor.parent.code, merged.kind, merged.date) == (
            "QNA-QUESON",
            LineageKind.MERGE,
            datetime.date(2025, 1, 1),
        )

    assert units_valid_in(year=2024).filter(code="QNA-NONGSON").exists()
    assert not units_valid_in(year=2025).filter(code="QNA-NONGSON").exists()
    assert units_valid_in(year=2025).filter(kind=UnitKind.DISTRICT).count() == 17
    assert not units_valid_in(year=2026).filter(code__startswith="QNA").exists()


# --- The real figures ---------------------------------------------------------------------------------


def test_the_published_figures_are_stored_exactly(loaded):
    expected = [
        ("QNA", "par", 2023, Decimal("84.60"), 56, 63),
        ("QNA", "par", 2022, None, 57, 63),
        ("QNA", "sipas", 2023, Decimal("78.44"), 59, 63),
        ("QNA", "sipas", 2022, Decimal("75.00"), 61, 63),
        ("QNA-SNV", "par", 2023, Decimal("96.86"), 1, 20),
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
    assert "sở, ban, ngành năm 2023" in published("QNA-SNV", "par", 2023).note
    assert published("QNA", "par", 2023).band.name == "B"
    assert Result.objects.filter(source=ResultSource.PUBLISHED).count() == len(expected)


def test_the_first_load_computes_every_ranking_and_the_published_rank_stays(loaded):
    from jobs.models import Job, JobStatus

    assert not Job.objects.exclude(status=JobStatus.DONE).exists()
    departments = Result.objects.filter(index__code="par", year=2023, unit__kind=UnitKind.DEPARTMENT)
    assert departments.count() == 20
    assert sorted(departments.values_list("rank", flat=True))[:2] == [1, 2]
    home_affairs = published("QNA-SNV", "par", 2023)
    assert (home_affairs.rank, home_affairs.group_size, home_affairs.official_rank) == (1, 20, 1)
    assert Result.objects.filter(source=ResultSource.COMPUTED, year=2024).exists()


def test_so_noi_vu_scores_sum_to_its_published_9686_and_top_the_departments_in_2023(loaded):
    shares = par_shares(year=2023, kind=UnitKind.DEPARTMENT)

    assert len(shares) == 20
    assert shares["QNA-SNV"] == Decimal("96.86")
    assert all(share < Decimal("96.86") for code, share in shares.items() if code != "QNA-SNV")
    home_affairs = Score.objects.filter(
        assessment__unit__code="QNA-SNV", assessment__methodology__index__code="par", assessment__methodology__year=2023
    )
    assert not home_affairs.filter(not_applicable=True).exists()
    assert home_affairs.aggregate(points=Sum("final_score"))["points"] == Decimal("96.86")


# --- Methodologies, scores ------------------------------------------------------------------------------


def test_the_indices_and_their_methodologies_per_year_and_kind(loaded):
    assert list(Index.objects.order_by("code").values_list("code", "value_unit", "direction")) == [
        ("dvc766", "points", "higher"),
        ("ho-so-tre-han", "percent", "lower"),
        ("nop-truc-tuyen", "percent", "higher"),
        ("par", "percent", "higher"),
        ("sipas", "percent", "higher"),
        ("thanh-toan-truc-tuyen", "percent", "higher"),
    ]
    for year in range(2021, 2026):
        methodologies = Methodology.objects.filter(year=year).select_related("index")
        aggregation = {(m.index.code, m.unit_kind): m.aggregation for m in methodologies}
        from_dossiers = {
            (code, kind): Aggregation.DOSSIERS
            for code in demo.DOSSIER_INDICES
            for kind in (UnitKind.DEPARTMENT, UnitKind.DISTRICT, UnitKind.COMMUNE)
        }
        assert aggregation == (from_dossiers if year == 2024 else {}) | {
            ("par", "province"): Aggregation.PUBLISHED,
            ("par", "department"): Aggregation.SUM,
            ("par", "district"): Aggregation.SUM,
            ("par", "commune"): Aggregation.SUM,
            ("sipas", "province"): Aggregation.PUBLISHED,
            ("sipas", "department"): Aggregation.MEAN,
            ("sipas", "district"): Aggregation.MEAN,
            ("dvc766", "province"): Aggregation.PUBLISHED,
            ("dvc766", "department"): Aggregation.SUM,
            ("dvc766", "district"): Aggregation.SUM,
            ("dvc766", "commune"): Aggregation.SUM,
        }


def test_every_area_is_the_sum_of_its_sub_criteria_and_the_par_areas_total_100(loaded):
    par_2023 = Methodology.objects.get(index__code="par", year=2023, unit_kind=UnitKind.DISTRICT)
    areas = Criterion.objects.filter(methodology=par_2023, parent=None).order_by("position")
    maxima = ("10", "10", "14.5", "11", "16", "7", "16", "15.5")
    assert [area.max_points for area in areas] == [Decimal(points) for points in maxima]
    assert areas.last().title.startswith("Tác động của CCHC") and areas.last().kind == "survey"
    assert set(Criterion.objects.filter(parent=areas.last()).values_list("kind", flat=True)) == {"survey"}

    for area in Criterion.objects.filter(parent=None, children__isnull=False).distinct():
        assert sum(child.max_points for child in area.children.all()) == area.max_points, area
    for methodology in Methodology.objects.filter(aggregation=Aggregation.SUM):
        assert methodology.criteria.filter(parent=None).aggregate(total=Sum("max_points"))["total"] == 100
    # The same code is the same criterion in every year.
    assert set(Criterion.objects.filter(code="PAR.3.3").values_list("max_points", flat=True)) == {Decimal("4")}


def test_every_unit_valid_in_a_scored_year_has_every_leaf_scored_within_its_maximum(loaded):
    for year in range(2021, 2025):
        scored = Methodology.objects.filter(year=year).exclude(
            aggregation__in=[Aggregation.PUBLISHED, Aggregation.DOSSIERS]
        )
        for methodology in scored:
            units = units_valid_in(year=year).filter(kind=methodology.unit_kind)
            leaves = methodology.criteria.filter(children__isnull=True).count()
            assessments = Assessment.objects.filter(methodology=methodology)
            assert set(assessments.values_list("unit_id", flat=True)) == set(units.values_list("pk", flat=True))
            assert Score.objects.filter(assessment__methodology=methodology).count() == leaves * units.count()
            expected_status = AssessmentStatus.APPRAISED if year == 2024 else AssessmentStatus.PUBLISHED
            assert set(assessments.values_list("status", flat=True)) == {expected_status}
    assert not Assessment.objects.filter(methodology__year=2025).exists()

    cent = Decimal("0.01")
    for score in Score.objects.select_related("criterion"):
        if score.not_applicable:
            assert score.final_score is None and score.self_score is None
            continue
        assert Decimal(0) <= score.final_score <= score.criterion.max_points
        assert score.final_score == score.final_score.quantize(cent)
        if score.self_score is not None:
            assert score.final_score <= score.self_score <= score.criterion.max_points
            assert score.self_score == score.self_score.quantize(cent)
        else:
            assert score.criterion.kind == "survey"


def test_departments_without_procedures_skip_a_procedures_criterion(loaded):
    skipped = Score.objects.filter(not_applicable=True, criterion__code="PAR.3.3")
    assert set(skipped.values_list("assessment__unit__code", flat=True)) == {"QNA-TTT", "QNA-BDT"}
    assert skipped.count() == 2 * 4


def test_the_bands_cover_the_par_range_for_each_kind_and_year(loaded):
    bands = Band.objects.filter(index__code="par", year=2023, unit_kind=UnitKind.DEPARTMENT).order_by("position")
    assert [(b.name, b.min_value, b.max_value) for b in bands] == [
        ("Xuất sắc", Decimal(90), None),
        ("Tốt", Decimal(80), Decimal(90)),
        ("Khá", Decimal(70), Decimal(80)),
        ("Trung bình", Decimal(50), Decimal(70)),
        ("Yếu", None, Decimal(50)),
    ]
    province = Band.objects.filter(index__code="par", year=2023, unit_kind=UnitKind.PROVINCE).order_by("position")
    assert list(province.values_list("name", flat=True)) == ["A", "B"]
    assert Band.objects.count() == 5 * (3 * 5 + 2)


# --- Dossiers --------------------------------------------------------------------------------------------


def test_the_demo_has_dossiers_for_districts_communes_and_a_few_departments_until_they_closed(loaded):
    dossiers = Dossier.objects.filter(source=demo.DOSSIER_SOURCE)
    assert dossiers.count() == Dossier.objects.count() == DEMO_DOSSIERS
    per_unit = Counter(dossiers.values_list("unit__kind", "unit__code"))
    districts_and_communes = units_valid_in(year=2024).filter(kind__in=[UnitKind.DISTRICT, UnitKind.COMMUNE])
    assert {code for kind, code in per_unit if kind != UnitKind.DEPARTMENT} == set(
        districts_and_communes.values_list("code", flat=True)
    )
    assert {code for kind, code in per_unit if kind == UnitKind.DEPARTMENT} == set(demo.DOSSIER_DEPARTMENTS)
    assert set(dossiers.values_list("received_month", flat=True)) == DEMO_MONTHS
    assert per_unit[(UnitKind.DISTRICT, "QNA-NONGSON")] == 12 * 30
    assert per_unit[(UnitKind.DISTRICT, "QNA-QUESON")] == 18 * 30
    # Every unit settled its dossiers by its last day: none ended after it, none is pending.
    for code, closing in (("QNA-NONGSON", END_OF_NONG_SON), ("QNA-QUESON", END_OF_QUANG_NAM)):
        last = dossiers.filter(unit__code=code).order_by("-completed_at").first().completed_at
        assert timezone.localtime(last).date() <= closing
    assert not dossiers.filter(status=DossierStatus.PENDING).exists()


def test_the_demo_dossiers_are_counted_by_the_statistics_job_after_the_load(loaded):
    assert not DossierMonthDirty.objects.filter(month__lte=202412).exists()
    tam_ky = DossierMonth.objects.get(unit__code="QNA-TAMKY", month=202406, scope=Scope.TOTAL)
    own = DossierMonth.objects.get(unit__code="QNA-TAMKY", month=202406, scope=Scope.OWN)
    assert own.received == 30 and tam_ky.received == 30 + 3 * 20
    province = DossierMonth.objects.get(unit__code="QNA", month=202406, scope=Scope.TOTAL)
    assert province.received == 18 * 30 + 54 * 20 + 4 * 25


def test_districts_and_communes_are_ranked_by_overdue_rate_per_year_and_per_month(loaded):
    yearly = Result.objects.filter(index__code="ho-so-tre-han", year=2024)
    districts = units_valid_in(year=2024).filter(kind=UnitKind.DISTRICT)
    assert set(yearly.filter(unit__kind=UnitKind.DISTRICT).values_list("unit_id", flat=True)) == set(
        districts.values_list("pk", flat=True)
    )
    assert set(yearly.filter(unit__kind=UnitKind.DISTRICT).values_list("group_size", flat=True)) == {districts.count()}
    # Lower is better: rank 1 has the lowest rate, and the rate is the one of the year's dossiers.
    ranked = list(yearly.filter(unit__kind=UnitKind.DISTRICT).order_by("rank", "unit__code"))
    assert ranked[0].rank == 1 and ranked[0].value <= ranked[-1].value and ranked[-1].value > 0
    stats = period_stats(months=months_of_year(2024), units=[ranked[0].unit_id])
    assert ranked[0].value == stats[ranked[0].unit_id]["overdue_rate"]
    communes = yearly.filter(unit__kind=UnitKind.COMMUNE)
    assert communes.count() == units_valid_in(year=2024).filter(kind=UnitKind.COMMUNE).count()
    assert communes.filter(rank=1).exists()

    june = dossier_ranking(months=[202406], kind=UnitKind.COMMUNE, parent=unit("QNA-TAMKY"))
    assert [row["group_size"] for row in june] == [3, 3, 3] and june[0]["rank"] == 1
    assert [row["value"] for row in june] == sorted(row["value"] for row in june)


def test_the_demo_dossiers_are_the_same_on_every_load_whenever_it_runs(loaded):
    """Judged at the time of the load, but every demo unit closed long before: a load a year
    later gives the same dossiers."""
    columns = [f.attname for f in Dossier._meta.concrete_fields if f.attname not in ("id", "updated_at")]

    def rows():
        return list(Dossier.objects.order_by("external_id").values_list(*columns))

    first = rows()
    Dossier.objects.all().delete()
    later = timezone.now() + datetime.timedelta(days=365)
    demo._ensure_dossiers(demo.read_unit_rows(), {u.code: u for u in Unit.objects.all()}, Counter(), now=later)

    assert rows() == first


# --- Demo data that looks like life (issue 17) ----------------------------------------------------------
# The demo judged its dossiers at a fixed "now" (31/12/2024) while the statistics ran to the real
# one: whatever was pending then stayed pending for ever — two years at the next load — so every
# month after 2024 showed 100 % overdue and 2025 ranked every district 1/17.

MAX_PENDING = datetime.timedelta(days=90)


def current_month():
    local = timezone.localtime()
    return local.year * 100 + local.month


def test_no_demo_dossier_is_pending_longer_than_90_days_at_load_time(loaded):
    pending = Dossier.objects.filter(status=DossierStatus.PENDING)

    assert not pending.filter(received_at__lt=timezone.now() - MAX_PENDING).exists()
    # Every dossier ended within the time a working desk takes, mostly in days.
    ended = Dossier.objects.exclude(status=DossierStatus.PENDING)
    assert not ended.filter(completed_at__isnull=True).exists()
    assert all(
        completed - received < MAX_PENDING for received, completed in ended.values_list("received_at", "completed_at")
    )


def test_no_dossier_or_statistic_is_of_a_month_after_the_current_one(loaded):
    current = current_month()

    # Nothing received in the month still running either: the demo stops at the last complete one.
    assert max(Dossier.objects.values_list("received_month", flat=True)) < current
    assert not Dossier.objects.filter(received_at__gt=timezone.now()).exists()
    assert not Dossier.objects.filter(completed_at__gt=timezone.now()).exists()
    assert not DossierMonth.objects.filter(month__gt=current).exists()
    assert latest_dossier_month() < current
    province = unit("QNA")
    for year in (2024, 2025, timezone.localtime().year):
        assert all(row["month"] <= current for row in monthly_rates(unit=province, months=months_of_year(year)))


def test_the_latest_complete_month_is_mostly_on_time_and_differs_between_units(loaded):
    """The newest month with statistics before the current one: the units' own overdue rates."""
    latest = DossierMonth.objects.filter(month__lt=current_month()).aggregate(latest=Max("month"))["latest"]
    rates = [row["overdue_rate"] for row in period_stats(months=[latest]).values() if row["overdue_rate"] is not None]

    assert len(rates) >= 20, latest
    assert sum(rates) / len(rates) < 50, latest
    assert len(set(rates)) > len(rates) // 4, latest
    # And it is a month in which the units were open and ranked, not a backlog after they closed.
    assert dossier_ranking(months=[latest], kind=UnitKind.DISTRICT)[0]["rank"] == 1


def test_no_ranking_of_the_demo_is_a_tie_of_every_unit(loaded):
    """Every group of three or more units, in every index and year, and by the overdue rate on the
    dossier pages in every year with statistics: the units do not all share one rank. (Three
    communes may all have paid nothing online in a half-year — very few do, as the article says —
    so the shares' page rankings can tie at 0 %; their indices are in the results above.)"""
    groups = {}
    for index, year, kind, parent, rank in Result.objects.filter(rank__isnull=False).values_list(
        "index__code", "year", "unit__kind", "unit__parent_id", "rank"
    ):
        groups.setdefault((index, year, kind, parent), []).append(rank)
    years = {month // 100 for month in DossierMonth.objects.values_list("month", flat=True)}
    # A period ranks the units that exist at its end (issue 18): the demo's districts ended on
    # 30/06/2025, so 2025 is ranked on its first half.
    for year in sorted(years):
        for kind in (UnitKind.DEPARTMENT, UnitKind.DISTRICT, UnitKind.COMMUNE):
            rows = dossier_ranking(months=months_of_year(year), kind=kind) or dossier_ranking(
                months=months_of_quarter(year, 1) + months_of_quarter(year, 2), kind=kind
            )
            for row in rows:
                if row["rank"] is not None:
                    groups.setdefault(("overdue_rate", year, kind, row["parent_id"]), []).append(row["rank"])

    assert any(key[1] == 2025 for key in groups)
    tied = [key for key, ranks in groups.items() if len(ranks) >= 3 and len(set(ranks)) == 1]
    assert not tied


# --- People ----------------------------------------------------------------------------------------------


def test_the_heads_are_demo_people_and_one_changed_in_2023(loaded):
    assert UnitHead.objects.count() == 20 + 18 + 2
    assert not UnitHead.objects.exclude(full_name__endswith="(minh họa)").exists()
    assert UnitHead.objects.filter(unit__code="QNA-SNV").get().title == "Giám đốc"
    assert UnitHead.objects.filter(unit__code="QNA-QUESON").get().title == "Chủ tịch UBND huyện"
    terms = list(UnitHead.objects.filter(unit__code="QNA-SYT").order_by("start").values_list("start", "end"))
    assert terms == [
        (datetime.date(2021, 1, 1), datetime.date(2023, 3, 31)),
        (datetime.date(2023, 4, 1), END_OF_QUANG_NAM),
    ]


def test_one_demo_user_per_role_sees_what_the_role_allows(loaded):
    users = {user.username: user for user in User.objects.all()}
    assert set(users) == {"staff", "head_department", "head_district", "appraiser", "admin"}
    assert list(users["staff"].groups.values_list("name", flat=True)) == [STAFF_GROUP]
    assert list(users["appraiser"].groups.values_list("name", flat=True)) == [APPRAISER_GROUP]
    assert users["appraiser"].is_staff and not users["appraiser"].is_superuser
    assert users["admin"].is_superuser and not users["staff"].is_staff

    assert Membership.objects.get(user=users["head_department"]).unit.code == "QNA-STP"
    assert Membership.objects.get(user=users["head_district"]).role == MembershipRole.HEAD
    assert UnitHead.objects.get(unit__code="QNA-STP").user == users["head_department"]
    assert UnitHead.objects.get(unit__code="QNA-TAMKY").user == users["head_district"]

    def visible(username):
        return set(units_visible_to(user=users[username]).values_list("code", flat=True))

    assert visible("head_department") == {"QNA-STP"}
    assert visible("head_district") == {"QNA-TAMKY", "QNA-TAMKY-X1", "QNA-TAMKY-X2", "QNA-TAMKY-X3"}
    assert len(visible("staff")) == Unit.objects.count() == 95


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
    assert "head_district" in out


def test_no_result_of_the_demo_contradicts_its_assessment(loaded):
    """Issue 17: the scorecard said "Chưa công bố" beside "Bản đánh giá: Đã công bố" — the demo
    marked assessments published without a decision. Now each published year is published by a
    (made-up) decision: every result of a published assessment is official by it, the year still
    being appraised is provisional, and no result is in a state that needs explaining."""
    from indicators.models import Publication
    from indicators.official import OFFICIAL_STATES, OfficialState, with_official_state

    states = Counter(
        with_official_state(Result.objects.filter(index__code__in=["par", "sipas"])).values_list(
            "year", "official_state"
        )
    )
    for (year, state), count in states.items():
        if year < 2024:
            assert state in OFFICIAL_STATES, (year, state, count)
        else:
            assert state == OfficialState.PROVISIONAL, (year, state, count)
    assert not {state for _, state in states} & {"no_decision", "changed", "correcting", "reopened"}
    decisions = Publication.objects.filter(methodology__year__lt=2024)
    assert decisions.exists() and all("(minh họa)" in p.decision_reference for p in decisions)
    assert {p.published_on for p in decisions} == {datetime.date(year + 1, 4, 15) for year in (2021, 2022, 2023)}
    # The completeness gates pass on the demo: every unit's assessment is complete (a criterion not
    # applicable has its reason), so no decision leaves a unit of its group out.
    assert all(p.units_left_out == [] for p in decisions)
    assert not Score.objects.filter(not_applicable=True, note="").exists()
