"""Every model's admin pages load for an administrator, with search and filters, and nobody else gets in."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from api.models import ApiToken
from audit.models import AuditEntry
from audit.services import audit_record
from dossiers.models import Dossier, DossierMonth, SourceSystem
from dossiers.services import dossier_derive
from dossiers.stats import dossier_stats_full
from indicators.models import (
    Aggregation,
    Assessment,
    AssessmentStep,
    Band,
    Criterion,
    Index,
    Methodology,
    Publication,
    Result,
    ResultRevision,
    Score,
    Target,
)
from indicators.services import results_recompute_request
from jobs.models import Job, JobStatus
from preferences.models import TablePreference
from units.models import HeadRating, LineageKind, Membership, UnitHead, UnitKind, UnitLineage


@pytest.fixture
def filled(tree, head_a):
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index")
    methodology = Methodology.objects.create(
        index=par, year=2023, unit_kind=UnitKind.DEPARTMENT, aggregation=Aggregation.SUM
    )
    area = Criterion.objects.create(methodology=methodology, code="1", title="Chỉ đạo, điều hành CCHC", max_points=10)
    sub = Criterion.objects.create(
        methodology=methodology, parent=area, code="1.1", title="Kế hoạch CCHC năm", max_points=Decimal("2.5")
    )
    assessment = Assessment.objects.create(unit=tree.dept_a, methodology=methodology)
    Score.objects.create(assessment=assessment, criterion=sub, self_score=Decimal("2.5"), final_score=Decimal("2"))
    band = Band.objects.create(
        index=par, year=2023, unit_kind=UnitKind.DEPARTMENT, name="Tốt", min_value=80, max_value=90
    )
    result = Result.objects.create(
        unit=tree.dept_a, index=par, year=2023, value=Decimal("80"), rank=1, group_size=1, band=band
    )
    AssessmentStep.objects.create(assessment=assessment, from_status="draft", to_status="submitted", user=head_a)
    publication = Publication.objects.create(
        methodology=methodology, number=1, published_on=datetime.date(2024, 2, 1), decision_reference="QĐ 1/QĐ-UBND"
    )
    ResultRevision.objects.create(
        result=result, publication=publication, number=1, value=Decimal("80"), published_at=publication.published_at
    )
    UnitLineage.objects.create(
        predecessor=tree.commune_b1, successor=tree.district_b, date=datetime.date(2025, 1, 1), kind=LineageKind.MERGE
    )
    UnitHead.objects.create(
        unit=tree.dept_a, full_name="Nguyễn Văn An", title="Giám đốc", start=datetime.date(2021, 1, 1)
    )
    results_recompute_request(index_id=par.pk, year=2023, send=False)
    SourceSystem.objects.create(code="motcua", name="Hệ thống một cửa điện tử")
    received = datetime.datetime(2024, 3, 4, 8, 0, tzinfo=datetime.UTC)
    dossier_derive(
        Dossier(
            source="motcua",
            external_id="A-1",
            unit=tree.dept_a,
            procedure_code="khai-sinh",
            received_at=received,
            due_at=received + datetime.timedelta(days=1),
            completed_at=received + datetime.timedelta(days=2),
            status="completed",
            channel="online",
        )
    ).save()
    dossier_stats_full(now=datetime.datetime(2024, 4, 1, tzinfo=datetime.UTC))
    HeadRating.objects.create(year=2023, name="Hoàn thành tốt nhiệm vụ", min_value=80)
    Target.objects.create(index=par, year=2023, unit_kind=UnitKind.DEPARTMENT, parent=tree.province, value=90)
    ApiToken.objects.create(user=head_a, name="A's reports", token_hash="0" * 64)
    TablePreference.objects.create(user=head_a, table="rankings", hidden_columns=["code"], per_page=25)
    audit_record(
        action="score.self",
        user=head_a,
        unit=tree.dept_a,
        criterion=sub,
        changes={"self_score": (None, Decimal("2.5"))},
    )
    return {"methodology": methodology, "assessment": assessment, "area": area, "sub": sub}


def _models():
    return [
        model
        for model in admin.site._registry
        if model._meta.app_label in ("units", "indicators", "jobs", "dossiers", "api", "audit", "preferences")
    ]


def test_every_project_model_has_an_admin():
    registered = {model._meta.label for model in _models()}
    assert registered == {
        "units.Unit",
        "units.UnitLineage",
        "units.UnitHead",
        "units.Membership",
        "units.HeadRating",
        "indicators.Index",
        "indicators.Methodology",
        "indicators.Criterion",
        "indicators.Assessment",
        "indicators.Score",
        "indicators.Band",
        "indicators.Result",
        "jobs.Job",
        "indicators.AssessmentStep",
        "indicators.Publication",
        "indicators.ResultRevision",
        "indicators.Target",
        "dossiers.SourceSystem",
        "dossiers.Dossier",
        "dossiers.DossierMonth",
        "api.ApiToken",
        "audit.AuditEntry",
        "preferences.TablePreference",
    }


@pytest.mark.parametrize("model", _models(), ids=lambda model: model._meta.label)
def test_list_search_filters_and_add_pages_load(client, admin_user, filled, model):
    client.force_login(admin_user)
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    response = client.get(changelist)
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1
    assert client.get(changelist, {"q": "A"}).status_code == 200
    for spec in response.context["cl"].filter_specs:
        for choice in spec.choices(response.context["cl"]):
            assert client.get(changelist + choice["query_string"]).status_code == 200
    add_status = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code
    # Jobs are made by changes, dossiers come from the one-stop systems and their statistics from
    # the statistics job: none is added by hand.
    # The workflow's history (steps, publications, revisions) is written by its services only.
    # The audit trail is written by audit.services only.
    read_only = (Job, Dossier, DossierMonth, AssessmentStep, Publication, ResultRevision, AuditEntry)
    assert add_status == (403 if model in read_only else 200)
    obj = model.objects.first()
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])).status_code == 200


def test_an_assessment_shows_its_scores_inline_and_offers_only_its_own_criteria(client, admin_user, filled):
    other = Methodology.objects.create(
        index=filled["methodology"].index, year=2024, unit_kind=UnitKind.DEPARTMENT, aggregation=Aggregation.SUM
    )
    Criterion.objects.create(methodology=other, code="9", title="Tiêu chí năm khác", max_points=1)
    client.force_login(admin_user)
    response = client.get(reverse("admin:indicators_assessment_change", args=[filled["assessment"].pk]))
    page = response.content.decode()
    assert "Kế hoạch CCHC năm" in page
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.forms[0].instance.final_score == Decimal("2")
    offered = set(formset.forms[0].fields["criterion"].queryset.values_list("code", flat=True))
    assert offered == {"1", "1.1"}


def test_a_methodology_page_shows_its_criteria_as_an_indented_tree(client, admin_user, filled):
    client.force_login(admin_user)
    page = client.get(reverse("admin:indicators_methodology_change", args=[filled["methodology"].pk])).content.decode()
    area_at, sub_at = page.index("Chỉ đạo, điều hành CCHC"), page.index("Kế hoạch CCHC năm")
    assert area_at < sub_at
    # Indented with spaces (1.5 em a level): the Content-Security-Policy refuses style attributes.
    assert "<td>Chỉ đạo, điều hành CCHC</td>" in page
    assert "<td>\u2003\u2002Kế hoạch CCHC năm</td>" in page
    assert "style=" not in page.split('class="criteria-tree"')[1].split("</table>")[0]


def test_the_admin_is_closed_to_unit_heads_and_anonymous_visitors(client, head_a):
    url = reverse("admin:units_unit_changelist")
    assert client.get(url).status_code == 302
    client.force_login(head_a)
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_score_above_the_maximum_entered_in_the_admin_is_refused_with_a_message(client, admin_user, filled):
    client.force_login(admin_user)
    score = Score.objects.get()
    response = client.post(
        reverse("admin:indicators_score_change", args=[score.pk]),
        {
            "assessment": filled["assessment"].pk,
            "criterion": filled["sub"].pk,
            "self_score": "2.5",
            "final_score": "3",
            "note": "",
        },
    )
    assert response.status_code == 200
    assert "vượt quá điểm tối đa 2,5" in response.content.decode()
    score.refresh_from_db()
    assert score.final_score == Decimal("2")


def test_memberships_are_listed(client, admin_user, head_a):
    client.force_login(admin_user)
    response = client.get(reverse("admin:units_membership_changelist"))
    assert Membership.objects.get(user=head_a).unit.name in response.content.decode()


def test_a_score_saved_in_the_admin_records_a_recompute_job_with_the_change(client, admin_user, filled):
    Job.objects.all().delete()
    client.force_login(admin_user)
    score = Score.objects.get()
    response = client.post(
        reverse("admin:indicators_score_change", args=[score.pk]),
        {
            "assessment": filled["assessment"].pk,
            "criterion": filled["sub"].pk,
            "self_score": "2.5",
            "final_score": "2.25",
            "note": "",
        },
    )
    assert response.status_code == 302
    methodology = filled["methodology"]
    job = Job.objects.get(status=JobStatus.PENDING)
    assert job.key == f"{methodology.index_id}:{methodology.year}"
