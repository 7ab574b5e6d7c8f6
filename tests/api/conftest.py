"""Data and helpers the API tests share: a PAR Index computed by the engine for two years, and a
way to ask the API as any of the cast, by session or by token."""

import pytest

from api.auth import api_token_issue
from tests.indicators.builders import par_computed
from units.models import UnitKind

EVERYONE = ["staff", "appraiser", "admin_user"]

# Scores per year and unit on the builder's criteria (1.1 of 40, 1.2 of 20, 2.1 of 40).
SCORES = {
    2022: {
        "A": ("30", "20", "30"),
        "A2": ("40", "20", "35"),
        "B": ("35", "20", "40"),
        "C": ("30", "10", "40"),
        "B1": ("20", "10", "30"),
    },
    2023: {
        "A": ("40", "20", "30"),
        "A2": ("35", "20", "30"),
        "B": ("30", "15", "38"),
        "C": ("40", "20", "40"),
        "B1": ("25", "10", "30"),
    },
}


@pytest.fixture
def scored(tree):
    """PAR 2022–2023 computed from scores: departments A (90 in 2023, up from 2nd) and A2, districts
    B (83, down to 2nd of 2) and C under the province, commune B1 under B; bands Tốt ≥ 80 > Khá;
    and the province's published national rank, 56/63 in 2023."""
    extra = [("A2", "Sở A2", UnitKind.DEPARTMENT, "P"), ("C", "Huyện C", UnitKind.DISTRICT, "P")]
    return par_computed(tree, scores=SCORES, extra_units=extra, published_year=2023)


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
