"""Generated posts of the assessment page — any text, decimals, huge and negative numbers, NaN,
unknown criterion ids, missing or wrong versions — never give a 500, and a refused post writes
nothing at all."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.models import AuditEntry
from indicators.models import Assessment, Score
from tests.assessments.conftest import page_url, submitted

# Generated cases by the dozen, each a request through Django: seconds per test.
pytestmark = pytest.mark.slow

# How many examples, the deadline and the health checks: the profile (tests/conftest.py).
FUZZ = settings()
numbers = st.one_of(
    st.just(""),
    st.text(max_size=40),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "35", "35,5", "1e5", "NaN", "-0", "40,0000001", "99999999999999999999", ",5", "1.234,5"]),
)
# Mostly the version the page gave, so that many posts get as far as the service.
versions = st.one_of(
    st.just("current"),
    st.just("current"),
    st.just("current"),
    st.none(),
    st.text(max_size=12),
    st.integers(-5, 10**12).map(str),
)
valid_numbers = st.decimals(min_value=0, max_value=20, places=2).map(lambda d: str(d).replace(".", ","))


STATUSES = []


def snapshot(assessment):
    scores = sorted(
        Score.objects.filter(assessment=assessment).values_list(
            "criterion_id", "self_score", "final_score", "not_applicable", "note", "appraisal_reason"
        )
    )
    a = Assessment.objects.get(pk=assessment.pk)
    return scores, a.version, a.status, AuditEntry.objects.count()


def posted(draw, workflow, prefixes, entering):
    """A form post over the page's criteria and some that are not on it."""
    criterion_ids = [c.pk for c in workflow.criteria.values()] + draw(st.lists(st.integers(-3, 10**9), max_size=3))
    data = {}
    version = draw(versions)
    if version == "current":
        version = str(Assessment.objects.get(pk=workflow.assessment.pk).version)
    if version is not None:
        data["version"] = version
    data["entering"] = draw(
        st.one_of(st.just(entering), st.just(entering), st.sampled_from(["self_scores", "appraisal_scores", "", "x"]))
    )
    data["action"] = draw(st.sampled_from(["save", "submit", "appraise", "", "publish"]))
    every_leaf = [c.pk for c in workflow.criteria.values() if c.parent_id]
    for cid in draw(st.one_of(st.just(every_leaf), st.lists(st.sampled_from(criterion_ids), unique=True))):
        for prefix in prefixes:
            if prefix == "na":
                if draw(st.booleans()):
                    data[f"na-{cid}"] = draw(st.sampled_from(["on", "", "0", "false", "x"]))
            elif prefix in ("score", "final"):
                data[f"{prefix}-{cid}"] = draw(st.one_of(valid_numbers, valid_numbers, numbers))
            else:
                data[f"{prefix}-{cid}"] = draw(
                    st.one_of(st.text(min_size=1, max_size=50), st.text(max_size=50), st.just("x" * 2500))
                )
    return data


def check(client, workflow, data):
    before = snapshot(workflow.assessment)
    response = client.post(page_url(workflow.assessment), data)
    assert response.status_code < 500
    STATUSES.append(response.status_code)
    if response.status_code != 302:
        assert snapshot(workflow.assessment) == before
    else:
        written = Score.objects.filter(assessment=workflow.assessment)
        assert all(s.self_score is None or Decimal(0) <= s.self_score <= s.criterion.max_points for s in written)


def test_generated_unit_posts_never_500_nor_partly_write(login, workflow):
    client = login("head_a")

    @FUZZ
    @given(st.data())
    def run(data):
        check(client, workflow, posted(data.draw, workflow, ["score", "na", "note"], "self_scores"))

    STATUSES.clear()
    run()
    assert 302 in STATUSES and 400 in STATUSES  # the generator reaches both outcomes


def test_generated_appraiser_posts_never_500_nor_partly_write(login, workflow, head_a):
    submitted(workflow, head_a)
    client = login("appraiser")

    @FUZZ
    @given(st.data())
    def run(data):
        check(client, workflow, posted(data.draw, workflow, ["final", "reason", "score"], "appraisal_scores"))

    STATUSES.clear()
    run()
    assert 302 in STATUSES and 400 in STATUSES
