"""Data and helpers the API tests share: a PAR Index computed by the engine for two years, and a
way to ask the API as any of the cast, by session or by token."""

from decimal import Decimal as D

import pytest

from api.auth import api_token_issue
from indicators.models import Band, Index, Result, ResultSource
from indicators.recompute import results_recompute
from tests.indicators.builders import methodology, score
from units.models import Unit, UnitKind

EVERYONE = ["staff", "appraiser", "admin_user"]

# Scores per year and unit on the builder's criteria (1.1 of 40, 1.2 of 20, 2.1 of 40).
SCORES = {
    2022: {"A": ("30", "20", "30"), "A2": ("40", "20", "35"), "B": ("35", "20", "40"), "C": ("30", "10", "40"),
           "B1": ("20", "10", "30")},
    2023: {"A": ("40", "20", "30"), "A2": ("35", "20", "30"), "B": ("30", "15", "38"), "C": ("40", "20", "40"),
           "B1": ("25", "10", "30")},
}


@pytest.fixture
def scored(tree):
    """PAR 2022–2023 computed from scores: departments A (90 in 2023, up from 2nd) and A2, districts
    B (83, down to 2nd of 2) and C under the province, commune B1 under B; bands Tốt ≥ 80 > Khá;
    and the province's published national rank, 56/63."""
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index", description="Bộ chỉ số")
    Unit.objects.create(code="A2", name="Sở A2", kind=UnitKind.DEPARTMENT, parent=tree.province)
    Unit.objects.create(code="C", name="Huyện C", kind=UnitKind.DISTRICT, parent=tree.province)
    units = {unit.code: unit for unit in Unit.objects.all()}
    for year, scores in SCORES.items():
        for kind in (UnitKind.DEPARTMENT, UnitKind.DISTRICT, UnitKind.COMMUNE):
            m = methodology(par, year, kind=kind)
            Band.objects.create(index=par, year=year, unit_kind=kind, name="Tốt", min_value=80, position=0)
            Band.objects.create(index=par, year=year, unit_kind=kind, name="Khá", max_value=80, position=1)
            for code, values in scores.items():
                if units[code].kind == kind:
                    score(m, units[code], dict(zip(("1.1", "1.2", "2.1"), values)))
        results_recompute(index_id=par.pk, year=year)
    Result.objects.create(
        unit=tree.province, index=par, year=2023, value=D("84.6"), source=ResultSource.PUBLISHED,
        official_rank=56, official_group_size=63,
    )
    return par


@pytest.fixture
def token_of():
    """token_of(user) → a fresh personal API token of the user."""
    return lambda user, name="tests": api_token_issue(user=user, name=name)[1]


@pytest.fixture
def as_user(client, request):
    """as_user("head_b") → a client logged in as that member of the cast (a fixture name)."""

    def login(name):
        client.force_login(request.getfixturevalue(name))
        return client

    return login
