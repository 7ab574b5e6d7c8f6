"""Fixtures of the scoring pages' tests: the workflow of tests/indicators (PAR 2024 for departments,
Sở A's draft) and evidence stored in a directory of the test's own."""

import datetime
from decimal import Decimal as D

import pytest

from assessments.workflow import appraisal_scores_save, assessment_appraise, assessment_submit, self_scores_save
from indicators.models import Assessment
from tests.indicators.workflow import ids, officer_a, workflow  # noqa: F401 (fixtures, used as test arguments)

PASSWORD = "correct horse battery staple"
CAST = ["anonymous", "staff", "head_a", "head_b", "appraiser", "admin_user"]
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.EVIDENCE_ROOT


@pytest.fixture
def login(client, request):
    """login(name) → the client logged in as that user of the cast (or anonymous)."""

    def log_in(name):
        if name != "anonymous":
            user = request.getfixturevalue(name)
            client.force_login(user)
        return client

    return log_in


def page_url(assessment):
    return f"/assessments/{assessment.pk}/"


def self_post(wf, version, values, action="save"):
    """A unit's POST of the page: values {code: (score text, na, note)}."""
    data = {"version": str(version), "entering": "self_scores", "action": action}
    for code, (score, na, note) in values.items():
        cid = wf.criteria[code].pk
        data[f"score-{cid}"] = score
        if na:
            data[f"na-{cid}"] = "on"
        data[f"note-{cid}"] = note
    return data


def appraisal_post(wf, version, values, action="save"):
    """An appraiser's POST of the page: values {code: (final text, reason)}."""
    data = {"version": str(version), "entering": "appraisal_scores", "action": action}
    for code, (final, reason) in values.items():
        cid = wf.criteria[code].pk
        data[f"final-{cid}"] = final
        data[f"reason-{cid}"] = reason
    return data


def submitted(wf, head_a):
    """Sở A's assessment scored 35 / 20 / 30 and submitted."""
    a = wf.assessment
    self_scores_save(
        assessment=a,
        user=head_a,
        scores=ids(wf, {"1.1": (D(35), False, ""), "1.2": (D(20), False, ""), "2.1": (D(30), False, "")}),
        version=a.version,
    )
    assessment_submit(assessment=a, user=head_a)
    return Assessment.objects.get(pk=a.pk)


def appraised(wf, head_a, appraiser):
    a = submitted(wf, head_a)
    appraisal_scores_save(
        assessment=a,
        user=appraiser,
        scores=ids(wf, {"1.1": (D(35), ""), "1.2": (D(20), ""), "2.1": (D(30), "")}),
        version=a.version,
    )
    assessment_appraise(assessment=a, user=appraiser)
    return Assessment.objects.get(pk=a.pk)


PUBLISHED_ON = datetime.date(2025, 3, 1)
