"""/assessments/what-if/<unit>/: who may try what, what the page says, and that a bad score is
named beside its input and nothing is saved."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from indicators.models import Aggregation, Criterion, Index, Methodology, Result, Score
from tests.indicators.builders import four_departments_2025
from units.models import UnitKind


@pytest.fixture
def par(db):
    return Index.objects.create(code="par", name_vi="Chỉ số CCHC")


@pytest.fixture
def group(par, tree):
    return four_departments_2025(par, tree)


def url(code, query="?index=par&year=2025"):
    return reverse("unit_what_if", kwargs={"code": code}) + query


def leaf(m, code):
    return Criterion.objects.get(methodology=m, code=code).pk


def post_scores(client, m, code, changes, rank=""):
    """The page's form as it comes, with `changes` ({criterion code: text}) typed over it."""
    page = client.get(url(code))
    data = {}
    for field in page.context["form"]:
        value = field.value()
        if value is True:
            data[field.html_name] = "on"
        elif value not in (None, False, ""):
            data[field.html_name] = str(value)
    for criterion_code, text in changes.items():
        data[f"final-{leaf(m, criterion_code)}"] = text
    if rank:
        data["rank"] = rank
    return client.post(url(code), data)


def test_staff_try_other_scores_and_see_value_band_and_rank(client, staff, group):
    m, _units = group
    client.force_login(staff)
    page = client.get(url("D3"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'value="20"' in body  # 1.1 starts at its appraised score
    response = post_scores(client, m, "D3", {"1.1": "40", "1.2": "20", "2.1": "38"}, rank="1")
    assert response.status_code == 200
    answer = response.context["answer"]
    assert (answer.outcome.value, answer.outcome.band, answer.outcome.rank) == (D("98"), "Tốt", 1)
    assert 'id="what-if-rank">1/4<' in response.content.decode()
    # Nothing saved: the stored result and score are those of before.
    assert Result.objects.get(unit__code="D3", index__code="par", year=2025).value == D("50")
    assert Score.objects.get(assessment__unit__code="D3", criterion_id=leaf(m, "1.1")).final_score == D("20")


def test_a_score_above_the_maximum_is_named_beside_its_input(client, staff, group):
    m, _units = group
    client.force_login(staff)
    response = post_scores(client, m, "A", {"1.1": "41", "2.1": "abc"})
    assert response.status_code == 400
    assert response.context["answer"] is None
    form = response.context["form"]
    assert "40" in form.errors[f"final-{leaf(m, '1.1')}"][0]  # the maximum, in the page's language
    assert form.errors[f"final-{leaf(m, '2.1')}"]
    assert 'id="page-errors"' in response.content.decode()


def test_a_head_tries_his_own_unit_and_not_another(client, head_a, head_b, group):
    m, _units = group
    client.force_login(head_a)
    assert client.get(url("A")).status_code == 200
    assert client.get(url("D2")).status_code == 404
    assert client.post(url("D2"), {}).status_code == 404
    client.force_login(head_b)
    assert client.get(url("A")).status_code == 404
    assert client.post(url("A"), {}).status_code == 404


def test_a_head_of_a_small_group_gets_no_rank(client, head_a, par, tree):
    """A and two other departments: a head reading one of three would learn the others' figures
    from where his rank moves, as from the group's mean, which the scorecard withholds too."""
    m, units = four_departments_2025(par, tree)
    Result.objects.filter(unit=units["D4"]).delete()
    Score.objects.filter(assessment__unit=units["D4"]).delete()
    units["D4"].assessments.all().delete()
    client.force_login(head_a)
    page = client.get(url("A"))
    assert "rank" not in page.context["form"].fields
    assert 'id="ranks-withheld"' in page.content.decode()
    response = post_scores(client, m, "A", {"1.1": "40"}, rank="1")
    assert response.status_code == 200
    assert response.context["answer"].to_rank is None
    assert 'id="what-if-rank"' not in response.content.decode()


@pytest.mark.parametrize(
    "query", ["", "?index=par", "?index=par&year=abc", "?index=nope&year=2025", "?index=par&year=2024"]
)
def test_without_a_computed_index_and_year_there_is_nothing_to_try(client, staff, group, query):
    client.force_login(staff)
    assert client.get(url("A", query)).status_code == 404


def test_a_published_index_has_no_what_if(client, staff, tree):
    published = Index.objects.create(code="pub", name_vi="Chỉ số công bố")
    Methodology.objects.create(
        index=published, year=2025, unit_kind=UnitKind.DEPARTMENT, aggregation=Aggregation.PUBLISHED
    )
    client.force_login(staff)
    assert client.get(url("A", "?index=pub&year=2025")).status_code == 404


def test_the_scorecard_links_to_it(client, staff, group):
    client.force_login(staff)
    page = client.get(reverse("unit_scorecard", kwargs={"code": "A"}) + "?index=par&year=2025")
    assert url("A").replace("&", "&amp;") in page.content.decode()


def test_a_visitor_is_sent_to_log_in(client, group):
    response = client.get(url("A"))
    assert response.status_code == 302 and "/login/" in response["Location"]
