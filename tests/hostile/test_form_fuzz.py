"""Generated input to the other forms — log in, start an assessment, return and reopen with a reason,
publish under a decision, the audit trail's and the rankings' filters, the language switch, evidence
file names: never a 500, never a redirect off the site, and a refused post writes nothing at all."""

import datetime
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.models import EvidenceFile
from assessments.workflow import assessment_submit, self_scores_save
from audit.models import AuditEntry
from indicators.models import Assessment, AssessmentStep, Publication, Result, ResultRevision, Score
from tests.assessments.conftest import PNG
from tests.indicators.test_publication import appraised, published  # noqa: F401 (fixtures)
from tests.indicators.workflow import workflow  # noqa: F401 (fixtures, used as test arguments)
from units.models import Unit

# How many examples, the deadline and the health checks: the profile (tests/conftest.py).
# Generated cases by the dozen, each a request through Django: seconds per test.
pytestmark = pytest.mark.slow

FUZZ = settings()
# Any text a browser can send (no lone surrogates: they cannot be encoded), scripts and SQL included.
TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "%00",
            "../../etc/passwd",
            "=1+1",
            "\u202e",
            "Lý do",
            "x" * 5000,
            "-1",
            "0",
            "9" * 30,
            "1e400",
            "NaN",
        ]
    ),
)
NUMBERISH = st.one_of(TEXT, st.integers(-(2**70), 2**70).map(str))
STATUSES_SEEN = set()  # (form, status) of every post, so a test can tell it reached both ends


def state():
    """Everything a form here could write: row counts and every assessment's status and version."""
    counts = tuple(
        model.objects.count()
        for model in (
            Assessment,
            Score,
            AssessmentStep,
            Publication,
            Result,
            ResultRevision,
            AuditEntry,
            EvidenceFile,
            Unit,
            User,
        )
    )
    return counts, sorted(Assessment.objects.values_list("pk", "status", "version"))


def no_server_error(response):
    assert response.status_code < 500, response.status_code
    if response.status_code in (301, 302):
        location = response["Location"]
        assert url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"}), location


def test_logging_in(client, staff):
    before_users = list(User.objects.values_list("pk", "username", "password", "last_login"))

    @FUZZ
    @given(username=st.one_of(TEXT, st.just("staff")), password=TEXT, next_url=st.one_of(st.none(), TEXT))
    def post(username, password, next_url):
        data = {"username": username, "password": password}
        if next_url is not None:
            data["next"] = next_url
        response = client.post("/login/", data)
        no_server_error(response)
        assert response.status_code != 302  # no generated password is staff's
        assert list(User.objects.values_list("pk", "username", "password", "last_login")) == before_users

    post()


def test_starting_an_assessment(client, workflow, head_a, head_b):
    ids = [str(workflow.methodology.pk), str(workflow.assessment.unit_id), "0", "-1"]
    client.force_login(head_b)

    @FUZZ
    @given(unit=st.one_of(st.sampled_from(ids), NUMBERISH), methodology=st.one_of(st.sampled_from(ids), NUMBERISH))
    def post(unit, methodology):
        before = state()
        response = client.post("/assessments/start/", {"unit": unit, "methodology": methodology})
        no_server_error(response)
        # head_b may start nothing under a department's methodology: every post is refused.
        assert response.status_code in (302, 403, 404)
        assert state() == before

    post()


def _submit_again(workflow, head_a):
    a = Assessment.objects.get(pk=workflow.assessment.pk)
    if a.status in ("draft", "returned"):
        assessment_submit(assessment=a, user=head_a)


def test_returning_with_a_comment(client, workflow, head_a, appraiser):
    a = workflow.assessment
    self_scores_save(
        assessment=a,
        user=head_a,
        version=a.version,
        scores={c.pk: (D(1), False, "") for c in workflow.criteria.values() if c.parent_id},
    )
    _submit_again(workflow, head_a)
    client.force_login(appraiser)

    @FUZZ
    @given(comment=TEXT, version=st.one_of(st.just("current"), NUMBERISH, st.none()))
    def post(comment, version):
        _submit_again(workflow, head_a)
        before = state()
        current = str(Assessment.objects.get(pk=a.pk).version)
        data = {"comment": comment}
        if version is not None:
            data["version"] = current if version == "current" else version
        response = client.post(f"/assessments/{a.pk}/return/", data)
        no_server_error(response)
        STATUSES_SEEN.add(("return", response.status_code))
        if response.status_code != 302:
            assert response.status_code in (400, 403, 409)
            assert state() == before
        else:
            returned = Assessment.objects.get(pk=a.pk)
            assert returned.status == "returned"
            assert AssessmentStep.objects.filter(assessment=a).latest("pk").comment == comment.strip()

    post()
    assert {("return", 302), ("return", 400)} <= STATUSES_SEEN


def test_reopening_with_a_reason(client, published, admin_user):
    a = published.assessment
    client.force_login(admin_user)

    @FUZZ
    @given(reason=TEXT, version=st.one_of(NUMBERISH, st.none()))
    def post(reason, version):
        # Never the current version: every post is refused (a stale page, a bad number or no reason).
        before = state()
        data = {"comment": reason}
        if version is not None and version != str(Assessment.objects.get(pk=a.pk).version):
            data["version"] = version
        response = client.post(f"/assessments/{a.pk}/reopen/", data)
        no_server_error(response)
        assert response.status_code in (400, 409)
        assert state() == before

    post()


def test_a_reason_too_long_or_with_nul_is_refused_unwritten(client, published, admin_user):
    a = published.assessment
    client.force_login(admin_user)
    for reason in ("x" * 100_000, "a\x00b"):
        before = state()
        response = client.post(f"/assessments/{a.pk}/reopen/", {"comment": reason, "version": a.version})
        assert response.status_code == 400
        assert state() == before


def test_publishing_under_a_decision(client, appraised, admin_user):
    client.force_login(admin_user)
    url = f"/assessments/publish/{appraised.methodology.pk}/"
    dates = st.one_of(
        TEXT,
        st.dates(min_value=datetime.date(1, 1, 1)).map(lambda d: d.strftime("%d/%m/%Y")),
        st.sampled_from(["31/02/2025", "00/01/2025", "01/13/2025", "1/3/2025", "2025-03-01"]),
    )

    @FUZZ
    @given(reference=TEXT, published_on=dates)
    def post(reference, published_on):
        before = state()
        response = client.post(url, {"decision_reference": reference, "published_on": published_on})
        no_server_error(response)
        STATUSES_SEEN.add(("publish", response.status_code))
        if response.status_code != 302:
            assert response.status_code == 400
            assert state() == before
        else:
            publication = Publication.objects.latest("pk")
            assert publication.decision_reference == reference.strip()

    post()
    assert {("publish", 302), ("publish", 400)} <= STATUSES_SEEN


AUDIT_PARAMS = (
    "unit",
    "index",
    "year",
    "criterion",
    "user",
    "action",
    "source",
    "since",
    "until",
    "batch",
    "page",
    "export",
    "sort",
    "per_page",
)
RANKING_PARAMS = ("index", "year", "kind", "parent", "q", "sort", "page", "export", "per_page")


def _params(names):
    values = st.one_of(
        TEXT, st.sampled_from(["par", "2024", "department", "P", "A", "csv", "xlsx", "-value", "1", "99"])
    )
    return st.dictionaries(st.sampled_from(names), values, max_size=len(names))


@pytest.mark.parametrize(("url", "names"), [("/audit/", AUDIT_PARAMS), ("/rankings/", RANKING_PARAMS)])
def test_filter_parameters(client, published, staff, head_b, url, names):
    @FUZZ
    @given(params=_params(names), who=st.sampled_from(["staff", "head_b"]))
    def get(params, who):
        client.force_login(staff if who == "staff" else head_b)
        before = state()
        response = client.get(url, {name: value.replace("\x00", "") for name, value in params.items()})
        no_server_error(response)
        assert response.status_code in (200, 302, 400, 404)
        assert state() == before

    get()


def test_switching_the_language(client):
    @FUZZ
    @given(
        language=st.one_of(TEXT, st.sampled_from(["vi", "en", "fr", "en-us", "EN"])),
        next_url=st.one_of(
            st.none(),
            TEXT,
            st.sampled_from(
                ["/rankings/", "//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]
            ),
        ),
    )
    def post(language, next_url):
        data = {"language": language}
        if next_url is not None:
            data["next"] = next_url
        response = client.post("/i18n/setlang/", data)
        no_server_error(response)

    post()


def test_evidence_file_names(client, workflow, head_a, evidence_root):
    a = workflow.assessment
    leaf = workflow.criteria["1.1"]
    client.force_login(head_a)
    names = st.one_of(
        TEXT.map(lambda name: name + ".png"),
        TEXT,
        st.sampled_from(
            [
                "../../x.png",
                "..\\..\\x.png",
                "/etc/passwd.png",
                "a/b/c.png",
                ".png",
                "x.PNG",
                "x.png\x00.pdf",
                "<img src=x onerror=alert(1)>.png",
                "x" * 400 + ".png",
            ]
        ),
    )

    @FUZZ
    @given(name=names, criterion=st.one_of(st.just(str(leaf.pk)), NUMBERISH))
    def post(name, criterion):
        from django.core.files.uploadedfile import SimpleUploadedFile

        before = state()
        stored_before = _stored(evidence_root)
        upload = SimpleUploadedFile(name.replace("\x00", ""), PNG) if name.replace("\x00", "") else None
        data = {"criterion": criterion}
        if upload is not None:
            data["file"] = upload
        response = client.post(f"/assessments/{a.pk}/evidence/", data)
        no_server_error(response)
        STATUSES_SEEN.add(("evidence", response.status_code))
        if response.status_code != 302:
            assert response.status_code == 400
            assert state() == before and _stored(evidence_root) == stored_before
        else:
            evidence = EvidenceFile.objects.latest("pk")
            assert "/" not in evidence.original_name and "\\" not in evidence.original_name
        # Whatever the name, every stored file is inside the evidence directory.
        for path in _stored(evidence_root):
            assert path.resolve().is_relative_to(evidence_root.resolve())

    post()
    assert {("evidence", 302), ("evidence", 400)} <= STATUSES_SEEN


def _stored(root):
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.fixture
def evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.EVIDENCE_ROOT
