"""The data the access matrix walks: two units that must not see each other's, each with a bit of
everything (scores, results, assessments with evidence, dossiers, audit entries), and the cast.

Unit A's names and codes carry the marker "alphamark", unit B's and commune B1's "bravomark"
(plain ASCII, so a name escaped inside a chart's JSON is still found): a page shown to head_a that
contains "bravomark" anywhere has leaked B's data, and the other way round."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.auth import api_token_issue
from assessments.services import evidence_add
from assessments.workflow import (
    appraisal_scores_save,
    assessment_appraise,
    assessment_start,
    assessment_submit,
    methodology_publish,
    self_scores_save,
)
from dossiers.models import SourceSystem
from dossiers.stats import dossier_stats_full
from dossiers.tokens import source_token_issue
from imports.services import import_run_check
from indicators.models import Assessment, Band, Criterion, Index, Target
from indicators.recompute import results_recompute
from preferences.models import TablePreference
from tests.conftest import build_tree
from tests.dossiers.test_stats import NOW, dossier, save, vn
from tests.indicators.builders import methodology, score
from units.models import HeadRating, LineageKind, Unit, UnitHead, UnitKind, UnitLineage

A_MARK, B_MARK = "alphamark", "bravomark"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def tree(db):
    """The shared tree's shape (nation → province → department A, district B → commune B1) with
    marked names and codes."""
    return build_tree(
        nation=("VN", "Viet Nam"),
        province=("P", "Tinh Thu"),
        dept_a=("ALPHAMARK", "So Alphamark"),
        district_b=("BRAVOMARK", "Huyen Bravomark"),
        commune_b1=("BRAVOMARK1", "Xa Bravomark Mot"),
    )


@pytest.fixture(autouse=True)
def file_roots(settings, tmp_path):
    """Evidence and uploads in the test's own directories, never in var/."""
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    settings.IMPORT_ROOT = tmp_path / "imports"
    settings.MEDIA_ROOT = tmp_path / "media"


def _ids(m, values):
    return {Criterion.objects.get(methodology=m, code=code).pk: value for code, value in values.items()}


def _evidence(assessment, m, user, name):
    upload = SimpleUploadedFile(name, PDF, content_type="application/pdf")
    return evidence_add(
        assessment=assessment,
        criterion_id=Criterion.objects.get(methodology=m, code="1.1").pk,
        upload=upload,
        user=user,
    )


@pytest.fixture
def world(tree, staff, head_a, head_b, appraiser, admin_user, tasks_in_process):
    """PAR 2024: A's assessment self-assessed, appraised and published (official results for the
    departments); B's and B1's scored and computed, provisional. PAR 2025: A's draft and B's
    submitted assessment, each with an evidence file. An import run checked by the appraiser,
    dossiers of A and B1 (one overdue and pending, one completed late), API tokens of everyone
    and a one-stop source's token. The audit trail is what the services wrote on the way."""
    par = Index.objects.create(code="par", name_vi="Chi so CCHC", name_en="PAR Index")
    m24 = {
        kind: methodology(par, 2024, kind=kind) for kind in (UnitKind.DEPARTMENT, UnitKind.DISTRICT, UnitKind.COMMUNE)
    }
    for kind in m24:
        Band.objects.create(index=par, year=2024, unit_kind=kind, name="Tot", min_value=80, position=0)
        Band.objects.create(index=par, year=2024, unit_kind=kind, name="Kha", max_value=80, position=1)

    a24 = assessment_start(methodology=m24[UnitKind.DEPARTMENT], unit=tree.dept_a, user=head_a)
    self_scores_save(
        assessment=a24,
        user=head_a,
        version=a24.version,
        scores=_ids(
            m24[UnitKind.DEPARTMENT],
            {"1.1": (D(35), False, "alphamark plan"), "1.2": (D(20), False, ""), "2.1": (D(30), False, "")},
        ),
    )
    assessment_submit(assessment=Assessment.objects.get(pk=a24.pk), user=head_a)
    a24 = Assessment.objects.get(pk=a24.pk)
    appraisal_scores_save(
        assessment=a24,
        user=appraiser,
        version=a24.version,
        scores=_ids(
            m24[UnitKind.DEPARTMENT], {"1.1": (D(35), ""), "1.2": (D(18), "alphamark short"), "2.1": (D(30), "")}
        ),
    )
    assessment_appraise(assessment=Assessment.objects.get(pk=a24.pk), user=appraiser)
    methodology_publish(
        methodology=m24[UnitKind.DEPARTMENT],
        user=admin_user,
        decision_reference="QD 1/QD-UBND",
        published_on=datetime.date(2025, 3, 1),
    )
    score(m24[UnitKind.DISTRICT], tree.district_b, {"1.1": "30", "1.2": "15", "2.1": "38"})
    score(m24[UnitKind.COMMUNE], tree.commune_b1, {"1.1": "25", "1.2": "10", "2.1": "30"})
    results_recompute(index_id=par.pk, year=2024)

    m25 = {kind: methodology(par, 2025, kind=kind) for kind in (UnitKind.DEPARTMENT, UnitKind.DISTRICT)}
    draft_a = assessment_start(methodology=m25[UnitKind.DEPARTMENT], unit=tree.dept_a, user=head_a)
    evidence_a = _evidence(draft_a, m25[UnitKind.DEPARTMENT], head_a, "alphamark-plan.pdf")
    submitted_b = assessment_start(methodology=m25[UnitKind.DISTRICT], unit=tree.district_b, user=head_b)
    self_scores_save(
        assessment=submitted_b,
        user=head_b,
        version=submitted_b.version,
        scores=_ids(
            m25[UnitKind.DISTRICT],
            {"1.1": (D(30), False, "bravomark plan"), "1.2": (D(10), False, ""), "2.1": (D(20), False, "")},
        ),
    )
    evidence_b = _evidence(
        Assessment.objects.get(pk=submitted_b.pk), m25[UnitKind.DISTRICT], head_b, "bravomark-plan.pdf"
    )
    assessment_submit(assessment=Assessment.objects.get(pk=submitted_b.pk), user=head_b)

    upload = SimpleUploadedFile(
        "scores.csv",
        b"unit_code,unit_name,1.1,1.2,2.1\nBRAVOMARK1,Xa Bravomark Mot,20,10,30\n",
        content_type="text/csv",
    )
    run = import_run_check(user=appraiser, kind="scores", upload=upload, index=par, year=2024)

    dossiers = {
        "HS-ALPHAMARK-1": dossier(tree.dept_a, vn(2024, 6, 3, 8), vn(2024, 6, 10, 17)),
        "HS-ALPHAMARK-2": dossier(
            tree.dept_a, vn(2024, 5, 2, 8), vn(2024, 5, 10, 17), completed_at=vn(2024, 5, 12, 17)
        ),
        "HS-BRAVOMARK1-1": dossier(tree.commune_b1, vn(2024, 6, 3, 8), vn(2024, 6, 10, 17)),
        "HS-BRAVOMARK1-2": dossier(
            tree.commune_b1, vn(2024, 5, 2, 8), vn(2024, 5, 10, 17), completed_at=vn(2024, 5, 12, 17)
        ),
    }
    for external_id, one in dossiers.items():
        one.external_id = external_id  # marked, so that a page listing it shows whose it is
    save(*dossiers.values())
    dossier_stats_full(now=NOW)
    source = SourceSystem.objects.create(code="test", name="Mot cua thu", all_units=True)

    # 2026: nothing started yet, so that starting writes.
    m26 = {kind: methodology(par, 2026, kind=kind) for kind in (UnitKind.DEPARTMENT, UnitKind.DISTRICT)}
    # A row in each admin table: a unit merged into A long ago, A's head in office, a rating scale.
    old = Unit.objects.create(
        code="ALPHAMARK-OLD",
        name="So Cu Alphamark",
        kind=UnitKind.DEPARTMENT,
        parent=tree.province,
        valid_from=datetime.date(2021, 1, 1),
        valid_to=datetime.date(2022, 12, 31),
    )
    UnitLineage.objects.create(
        predecessor=old, successor=tree.dept_a, date=datetime.date(2023, 1, 1), kind=LineageKind.MERGE
    )
    UnitHead.objects.create(
        unit=tree.dept_a, full_name="Nguyen Van Alphamark", title="Giam doc", start=datetime.date(2021, 1, 1)
    )
    head_rating = HeadRating.objects.create(year=2024, name="Hoan thanh tot", min_value=80)
    # A target of B: on the pages only where B's result is, and its admin pages for administrators.
    Target.objects.create(index=par, year=2024, unit=tree.district_b, value=D("99.25"), rank=1)
    TablePreference.objects.create(user=head_b, table="rankings", hidden_columns=["code"], per_page=25)

    cast = {"staff": staff, "head_a": head_a, "head_b": head_b, "appraiser": appraiser, "admin_user": admin_user}
    return type(
        "World",
        (),
        {
            "tree": tree,
            "par": par,
            "m24": m24,
            "m25": m25,
            "cast": cast,
            "head_rating": head_rating,
            "m26_department": m26[UnitKind.DEPARTMENT],
            "m26_district": m26[UnitKind.DISTRICT],
            "published_a": Assessment.objects.get(pk=a24.pk),
            "draft_a": Assessment.objects.get(pk=draft_a.pk),
            "evidence_a": evidence_a,
            "submitted_b": Assessment.objects.get(pk=submitted_b.pk),
            "evidence_b": evidence_b,
            "import_run": run,
            "api_tokens": {name: api_token_issue(user=user, name="matrix")[1] for name, user in cast.items()},
            "source_token": source_token_issue(source=source),
        },
    )
