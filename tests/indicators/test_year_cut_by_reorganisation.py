"""A year cut by a reorganisation (2025): its ranking groups are the units that exist at its end,
and the rankings page says which units were ranked and why, counted from the units' validity
(issue 18). The same for the dossier rankings of a period."""

import pytest
from django.urls import reverse

from indicators.models import Index, Result
from indicators.recompute import results_recompute
from tests.indicators.builders import methodology, score
from tests.units.reorganisation import MERGED_ON, NOW, build_reorganisation
from units.models import Unit, UnitKind
from units.selectors import year_cut


@pytest.fixture
def ranked_2025(tree):
    r = build_reorganisation(tree, with_dossiers=False)
    r.par = Index.objects.create(code="par", name_vi="Chỉ số CCHC")
    m = methodology(r.par, 2025, kind=UnitKind.COMMUNE)
    # X1 has a value for 2025 (scored before it ended), W and V as the new wards.
    for unit, points in [(r.x1, "30"), (r.w, "35"), (r.v, "20")]:
        score(m, unit, {"1.1": points, "1.2": "10", "2.1": "30"})
    results_recompute(index_id=r.par.pk, year=2025)
    return r


def ranks(index, year):
    return {
        r.unit.code: (r.rank, r.group_size)
        for r in Result.objects.filter(index=index, year=year).select_related("unit")
    }


def test_a_unit_that_ended_during_the_year_is_not_ranked_its_successor_is(ranked_2025):
    assert ranks(ranked_2025.par, 2025) == {"X1": (None, None), "W": (1, 2), "V": (2, 2)}


def test_the_cut_is_counted_from_the_units_validity(ranked_2025):
    cut = year_cut(year=2025, queryset=Unit.objects.filter(kind=UnitKind.COMMUNE))
    # X1, X2, Y and S ended on 30/06/2025; W and V began on 01/07/2025. X0 ended in 2019, B1 goes on.
    assert (cut.ended, cut.began, cut.began_on) == (4, 2, (MERGED_ON,))
    assert not year_cut(year=2024)


def test_the_rankings_page_of_2025_says_which_units_were_ranked_and_why(client, staff, ranked_2025):
    client.force_login(staff)
    response = client.get(reverse("rankings"), {"index": "par", "year": 2025, "kind": "commune", "parent": "P"})
    assert response.status_code == 200
    assert (
        "Năm 2025: xếp hạng các đơn vị tồn tại đến hết năm (sau sắp xếp 01/07/2025); "
        "4 đơn vị kết thúc trong năm không được xếp hạng." in response.content.decode()
    )


def test_a_year_without_a_cut_has_no_note(client, staff, ranked_2025):
    Result.objects.create(unit=ranked_2025.x1, index=ranked_2025.par, year=2024, value=50)
    client.force_login(staff)
    response = client.get(reverse("rankings"), {"index": "par", "year": 2024, "kind": "commune", "parent": "B"})
    assert response.status_code == 200 and 'id="year-cut"' not in response.content.decode()


def test_the_dossier_ranking_of_2025_ranks_the_units_at_its_end_and_says_so(client, staff, tree):
    build_reorganisation(tree)
    client.force_login(staff)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: NOW)
        response = client.get(reverse("dossier_ranking"), {"period": "year", "year": 2025, "kind": "commune"})
    assert response.status_code == 200
    codes = {row["code"] for row in response.context["table"].data}
    assert {"W", "V"} <= codes and not codes & {"X1", "X2", "Y", "S"}
    assert (
        "xếp hạng các đơn vị tồn tại đến hết kỳ (sau sắp xếp 01/07/2025); 4 đơn vị kết thúc trong kỳ không được xếp hạng"
        in response.content.decode()
    )
    # A quarter before the merger is not cut: the old communes are ranked in it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: NOW)
        q2 = client.get(
            reverse("dossier_ranking"), {"period": "quarter", "year": 2025, "quarter": 2, "kind": "commune"}
        )
    assert {"X1", "X2"} <= {row["code"] for row in q2.context["table"].data}
    assert 'id="period-cut"' not in q2.content.decode()
