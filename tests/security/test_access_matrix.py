"""The access matrix: every URL of the project, asked by every member of the cast, answers as the
table below says, shows no one another unit's data, and writes nothing for whoever may not write.

The table names every URL pattern the resolver knows (test_the_matrix_covers_every_url_pattern):
a URL added later without an entry here fails the suite until someone decides who may open it.
Each case fills the URL with an object of unit A or of unit B (tests/security/conftest.py), so the
head of A asking for B's object must be refused, and any answer he gets — a page, an export, a
chart's JSON, an API body, an error page — must not contain B's marker, nor B's head A's.
A POST is made inside a savepoint that is rolled back afterwards, so every role meets the same
data; a refused POST must leave every table of the project as it was."""

import dataclasses
import datetime
import io
import json
import re
from collections.abc import Callable

import openpyxl
import pytest
from django.apps import apps
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assessments.workflow import appraisal_scores_save, assessment_appraise
from indicators.models import Assessment, Criterion
from preferences.layout import offered_salt
from tests.security.conftest import A_MARK, B_MARK, PDF

ROLES = ("anonymous", "staff", "head_a", "head_b", "appraiser", "admin_user")
EVERY_UNIT = ("staff", "appraiser", "admin_user")
# What a role must never find in an answer: the other unit's marker.
FORBIDDEN_MARKS = {
    "anonymous": (A_MARK, B_MARK),
    "staff": (),
    "head_a": (B_MARK,),
    "head_b": (A_MARK,),
    "appraiser": (),
    "admin_user": (),
}
# Outcomes other than a status code: a redirect to the login page, to the admin's login page, or
# elsewhere (a form that did its work, a language switched).
LOGIN, ADMIN_LOGIN, REDIRECT = "login", "admin-login", "redirect"
# The project's own tables: a refused POST must leave them all as they were.
PROJECT_APPS = (
    "units",
    "indicators",
    "assessments",
    "imports",
    "audit",
    "dossiers",
    "jobs",
    "api",
    "auth",
    "remediation",
    "preferences",
    "notifications",
)


def expect(default, **by_role):
    return {role: by_role.get(role, default) for role in ROLES}


def logged_in(ok=200, **by_role):
    """Every logged-in member of the cast; anonymous visitors are sent to the login page."""
    return expect(ok, anonymous=LOGIN, **by_role)


def unit_a(ok=200, *, head_b=404):
    return expect(ok, anonymous=LOGIN, head_b=head_b)


def unit_b(ok=200, *, head_a=404):
    return expect(ok, anonymous=LOGIN, head_a=head_a)


@dataclasses.dataclass
class Case:
    id: str
    key: str  # the URL pattern's name, or its route when it has none
    url: Callable
    expect: dict
    method: str = "get"
    query: Callable = lambda w: {}
    data: Callable = None
    content_type: str = None
    auth: str = "session"  # or "token" (the role's API token), "source" (the one-stop source's token)
    writes: bool = False  # an allowed POST must change the database
    public: bool = False  # with PUBLIC_RANKINGS on
    prepare: Callable = None  # run in the savepoint before the request


def named(name, **kwargs):
    """url(world) of a named pattern; each keyword is a function of the world."""
    return lambda w: reverse(name, kwargs={key: value(w) for key, value in kwargs.items()})


def q(**params):
    return lambda w: params


PAR24 = {"index": "par", "year": 2024}


def _self_scores(assessment_attr, values):
    def data(w):
        assessment = getattr(w, assessment_attr)
        posted = {"version": str(assessment.version), "entering": "self_scores", "action": "save"}
        for code, value in values.items():
            cid = Criterion.objects.get(methodology=assessment.methodology, code=code).pk
            posted[f"score-{cid}"], posted[f"note-{cid}"] = value, ""
        return posted

    return data


def _appraisal(assessment_attr, values, action="save"):
    def data(w):
        assessment = getattr(w, assessment_attr)
        posted = {"version": str(assessment.version), "entering": "appraisal_scores", "action": action}
        for code, value in values.items():
            cid = Criterion.objects.get(methodology=assessment.methodology, code=code).pk
            posted[f"final-{cid}"], posted[f"reason-{cid}"] = value, "checked"
        return posted

    return data


def _comment(assessment_attr):
    return lambda w: {"version": str(getattr(w, assessment_attr).version), "comment": "please correct"}


def _evidence_upload(criterion_code="1.1"):
    def data(w):
        assessment = w.draft_a
        cid = Criterion.objects.get(methodology=assessment.methodology, code=criterion_code).pk
        return {"criterion": str(cid), "file": SimpleUploadedFile("more.pdf", PDF, content_type="application/pdf")}

    return data


def _b_appraised(w):
    """B's 2025 assessment accepted by the appraiser: what an administrator then publishes."""
    assessment = Assessment.objects.get(pk=w.submitted_b.pk)
    ids = {score.criterion_id: (score.self_score, "") for score in assessment.scores.all()}
    appraisal_scores_save(assessment=assessment, user=w.cast["appraiser"], scores=ids, version=assessment.version)
    assessment_appraise(assessment=Assessment.objects.get(pk=assessment.pk), user=w.cast["appraiser"])


def _import_upload(w):
    rows = "unit_code,unit_name,1.1,1.2,2.1\nBRAVOMARK,Huyen Bravomark,30,15,38\n"
    return {
        "kind": "scores",
        "index": "par",
        "year": "2024",
        "file": SimpleUploadedFile("scores.csv", rows.encode(), content_type="text/csv"),
    }


def _batch(w):
    return json.dumps(
        {
            "dossiers": [
                {
                    "external_id": "HS-NEW-1",
                    "unit_code": "ALPHAMARK",
                    "received_at": "2024-06-03T08:00:00+07:00",
                    "due_at": "2024-06-10T17:00:00+07:00",
                    "status": "pending",
                    "channel": "online",
                }
            ]
        }
    )


IMPORTERS_ONLY = expect(404, appraiser=200, admin_user=200)


def _plans(w):
    """PAR 2024 remediation plans: A's a complete draft, B's submitted; each action overdue."""
    from remediation.services import plan_action_add, plan_create, plan_item_cause_save, plan_submit

    for unit, head, mark in ((w.tree.dept_a, "head_a", A_MARK), (w.tree.district_b, "head_b", B_MARK)):
        user = w.cast[head]
        plan = plan_create(unit=unit, index=w.par, year=2024, criterion_codes=["1.1"], user=user)
        item = plan.items.get()
        plan_item_cause_save(item=item, cause=f"{mark} cause", user=user)
        plan_action_add(item=item, what=f"{mark} action", owner="VP", deadline=datetime.date(2025, 1, 31), user=user)
        if unit == w.tree.district_b:
            plan_submit(plan=plan, user=user)


def _plans_with_file(w):
    """_plans, and A's action with an evidence file."""
    from remediation.models import PlanAction
    from remediation.services import plan_action_update

    _plans(w)
    action = PlanAction.objects.get(item__plan__unit__code="ALPHAMARK")
    upload = SimpleUploadedFile("alphamark-evidence.pdf", PDF, content_type="application/pdf")
    plan_action_update(action=action, user=w.cast["head_a"], evidence_upload=upload)


def _notifications(w):
    """The workflow's notifications of the world's steps (the sweep), one unread notification for
    everyone (so that marking all read writes for each), and head_a's of B, written while he could
    see it: the inbox must not show it to him now."""
    from notifications.models import Kind, Notification
    from notifications.workflow import workflow_sweep

    workflow_sweep()
    for user in w.cast.values():
        Notification.objects.create(user=user, kind=Kind.DIGEST, key="digest:matrix")
    Notification.objects.create(
        user=w.cast["head_a"],
        kind=Kind.RETURNED,
        key="step:bravomark",
        unit=w.tree.district_b,
        params={"unit_name": "Huyen Bravomark", "comment": "bravomark"},
    )
    Notification.objects.create(
        user=w.cast["head_b"],
        kind=Kind.RETURNED,
        key="step:own-bravomark",
        unit=w.tree.district_b,
        params={"unit_name": "Huyen Bravomark", "comment": "bravomark"},
        url="/units/BRAVOMARK/",
    )


def _notification_of(username, key):
    from notifications.models import Notification

    return lambda w: Notification.objects.get(user=w.cast[username], key=key).pk


def _plan_item(code):
    from remediation.models import PlanItem

    return lambda w: PlanItem.objects.get(plan__unit__code=code).pk


def _plan_action(code):
    from remediation.models import PlanAction

    return lambda w: PlanAction.objects.get(item__plan__unit__code=code).pk


def _plan(name, code):
    return named(name, code=lambda w: code, index=lambda w: "par", year=lambda w: 2024)


PLAN_WRITERS_A = expect(403, anonymous=LOGIN, head_a=REDIRECT, head_b=404)
PLAN_WRITERS_B = expect(403, anonymous=LOGIN, head_b=REDIRECT, head_a=404)
ACTION_POST = {"what": "x", "owner": "y", "deadline": "2026-12-31", "status": "done", "evidence_link": ""}

CASES = [
    # --- indicators: overview, rankings (page, exports, chart), chronic losses -------------
    Case("home", "home", named("home"), logged_in()),
    Case("rankings-departments", "rankings", named("rankings"), logged_in(), query=q(**PAR24, kind="department")),
    # A head naming as the group's parent a unit he does not see (the province, a link shared by
    # someone who sees more) is shown his own group instead, with a notice: nothing of the other.
    Case(
        "rankings-districts",
        "rankings",
        named("rankings"),
        logged_in(),
        query=q(**PAR24, kind="district", parent="P"),
    ),
    Case(
        "rankings-districts-of-any-parent",
        "rankings",
        named("rankings"),
        logged_in(),
        query=q(**PAR24, kind="district"),
    ),
    Case(
        "rankings-communes-of-b",
        "rankings",
        named("rankings"),
        logged_in(),
        query=q(**PAR24, kind="commune", parent="BRAVOMARK"),
    ),
    Case(
        "rankings-districts-csv",
        "rankings",
        named("rankings"),
        logged_in(),
        query=q(**PAR24, kind="district", export="csv"),
    ),
    Case(
        "rankings-districts-xlsx",
        "rankings",
        named("rankings"),
        logged_in(),
        query=q(**PAR24, kind="district", export="xlsx"),
    ),
    Case(
        "rankings-departments-csv",
        "rankings",
        named("rankings"),
        logged_in(),
        query=q(**PAR24, kind="department", export="csv"),
    ),
    Case(
        "rankings-communes-of-b-xlsx",
        "rankings",
        named("rankings"),
        logged_in(),
        query=q(**PAR24, kind="commune", parent="BRAVOMARK", export="xlsx"),
    ),
    Case(
        "rankings-unknown-export",
        "rankings",
        named("rankings"),
        logged_in(404),
        query=q(**PAR24, kind="department", export="pdf"),
    ),
    Case(
        "rankings-public-departments",
        "rankings",
        named("rankings"),
        expect(200),
        public=True,
        query=q(**PAR24, kind="department"),
    ),
    Case(
        "rankings-public-districts",
        "rankings",
        named("rankings"),
        expect(200),
        public=True,
        query=q(**PAR24, kind="district", parent="P"),
    ),
    Case(
        "rankings-public-districts-csv",
        "rankings",
        named("rankings"),
        expect(200),
        public=True,
        query=q(**PAR24, kind="district", parent="P", export="csv"),
    ),
    Case(
        "chronic-losses-districts",
        "chronic_losses",
        named("chronic_losses"),
        logged_in(),
        query=q(**PAR24, kind="district"),
    ),
    Case(
        "chronic-losses-communes-of-b",
        "chronic_losses",
        named("chronic_losses"),
        logged_in(),
        query=q(**PAR24, kind="commune", parent="BRAVOMARK"),
    ),
    # For a load balancer or a monitor: no login, nothing about any unit.
    Case("health", "health", named("health"), expect(200)),
    # For a browser on a page that names no icon: to our icon, for anyone, nothing else.
    Case("favicon", "favicon", named("favicon"), expect(REDIRECT)),
    # --- login, logout, language --------------------------------------------------------------
    Case("login", "login", named("login"), expect(REDIRECT, anonymous=200)),
    Case("logout", "logout", named("logout"), expect(LOGIN), method="post", data=lambda w: {}),
    Case(
        "set-language",
        "set_language",
        named("set_language"),
        expect(REDIRECT),
        method="post",
        data=lambda w: {"language": "en", "next": "/"},
    ),
    # --- a reader's own choices: a table's columns and page size, for himself only ---------------
    Case(
        "table-layout",
        "table_layout_save",
        named("table_layout_save", table=lambda w: "rankings"),
        logged_in(REDIRECT),
        method="post",
        writes=True,
        data=lambda w: {
            "offered": signing.dumps(["code", "band"], salt=offered_salt("rankings")),
            "columns": ["band"],
            "per_page": "100",
            "next": "/rankings/",
        },
    ),
    # --- notifications: each reader's own inbox and settings (issue 20) ---------------------------
    Case("notifications", "notifications_inbox", named("notifications_inbox"), logged_in(), prepare=_notifications),
    # head_b's own, about B: only he may mark it read (and open it); to anyone else it is a 404.
    Case(
        "notification-read-b",
        "notifications_read",
        named("notifications_read", notification_id=_notification_of("head_b", "step:own-bravomark")),
        expect(404, anonymous=LOGIN, head_b=REDIRECT),
        method="post",
        writes=True,
        prepare=_notifications,
        data=lambda w: {"then": "open"},
    ),
    # head_a's own, about B, which he no longer sees: a 404 to him too.
    Case(
        "notification-read-stale",
        "notifications_read",
        named("notifications_read", notification_id=_notification_of("head_a", "step:bravomark")),
        expect(404, anonymous=LOGIN),
        method="post",
        prepare=_notifications,
        data=lambda w: {"then": "open"},
    ),
    Case(
        "notifications-read-all",
        "notifications_read_all",
        named("notifications_read_all"),
        logged_in(REDIRECT),
        method="post",
        writes=True,
        prepare=_notifications,
        data=lambda w: {},
    ),
    Case("notification-settings", "notifications_settings", named("notifications_settings"), logged_in()),
    Case(
        "notification-settings-save",
        "notifications_settings",
        named("notifications_settings"),
        logged_in(REDIRECT),
        method="post",
        writes=True,
        data=lambda w: {"returned-in_app": "on"},
    ),
    # --- a unit's scorecard -------------------------------------------------------------------
    Case(
        "scorecard-a", "unit_scorecard", named("unit_scorecard", code=lambda w: "ALPHAMARK"), unit_a(), query=q(**PAR24)
    ),
    Case(
        "scorecard-b", "unit_scorecard", named("unit_scorecard", code=lambda w: "BRAVOMARK"), unit_b(), query=q(**PAR24)
    ),
    Case(
        "scorecard-b1",
        "unit_scorecard",
        named("unit_scorecard", code=lambda w: "BRAVOMARK1"),
        unit_b(),
        query=q(**PAR24),
    ),
    # --- the what-if: a unit's readers try other scores; nothing is saved, whoever asks -----------
    Case("what-if-a", "unit_what_if", named("unit_what_if", code=lambda w: "ALPHAMARK"), unit_a(), query=q(**PAR24)),
    Case("what-if-b", "unit_what_if", named("unit_what_if", code=lambda w: "BRAVOMARK"), unit_b(), query=q(**PAR24)),
    Case(
        "what-if-b-post",
        "unit_what_if",
        lambda w: reverse("unit_what_if", kwargs={"code": "BRAVOMARK"}) + "?index=par&year=2024",
        unit_b(),
        method="post",
        data=lambda w: {"rank": "1"},
    ),
    # --- the scoring workflow -----------------------------------------------------------------
    Case("worklist", "assessment_worklist", named("assessment_worklist"), logged_in()),
    Case(
        "start-a",
        "assessment_start",
        named("assessment_start"),
        expect(403, anonymous=LOGIN, head_a=REDIRECT),
        method="post",
        writes=True,
        data=lambda w: {"unit": w.tree.dept_a.pk, "methodology": w.m26_department.pk},
    ),
    Case(
        "start-b",
        "assessment_start",
        named("assessment_start"),
        expect(403, anonymous=LOGIN, head_b=REDIRECT),
        method="post",
        writes=True,
        data=lambda w: {"unit": w.tree.district_b.pk, "methodology": w.m26_district.pk},
    ),
    Case(
        "publish-page",
        "assessment_publish",
        named("assessment_publish", methodology_id=lambda w: w.m25["district"].pk),
        expect(404, anonymous=LOGIN, admin_user=200),
    ),
    Case(
        "publish-b",
        "assessment_publish",
        named("assessment_publish", methodology_id=lambda w: w.m25["district"].pk),
        expect(404, anonymous=LOGIN, admin_user=REDIRECT),
        method="post",
        writes=True,
        prepare=_b_appraised,
        data=lambda w: {"decision_reference": "QD 2/QD-UBND", "published_on": "01/04/2026"},
    ),
    Case(
        "assessment-a-draft",
        "assessment_detail",
        named("assessment_detail", assessment_id=lambda w: w.draft_a.pk),
        unit_a(),
    ),
    Case(
        "assessment-a-published",
        "assessment_detail",
        named("assessment_detail", assessment_id=lambda w: w.published_a.pk),
        unit_a(),
    ),
    Case(
        "assessment-b-submitted",
        "assessment_detail",
        named("assessment_detail", assessment_id=lambda w: w.submitted_b.pk),
        unit_b(),
    ),
    Case(
        "assessment-a-self-scores",
        "assessment_detail",
        named("assessment_detail", assessment_id=lambda w: w.draft_a.pk),
        expect(403, anonymous=LOGIN, head_a=REDIRECT, head_b=404),
        method="post",
        writes=True,
        data=_self_scores("draft_a", {"1.1": "30", "1.2": "10", "2.1": "20"}),
    ),
    Case(
        "assessment-b-appraisal",
        "assessment_detail",
        named("assessment_detail", assessment_id=lambda w: w.submitted_b.pk),
        expect(403, anonymous=LOGIN, head_a=404, appraiser=REDIRECT),
        method="post",
        writes=True,
        data=_appraisal("submitted_b", {"1.1": "25", "1.2": "10", "2.1": "20"}),
    ),
    Case(
        "return-b",
        "assessment_return",
        named("assessment_return", assessment_id=lambda w: w.submitted_b.pk),
        expect(403, anonymous=LOGIN, head_a=404, appraiser=REDIRECT),
        method="post",
        writes=True,
        data=_comment("submitted_b"),
    ),
    Case(
        "reopen-a",
        "assessment_reopen",
        named("assessment_reopen", assessment_id=lambda w: w.published_a.pk),
        expect(403, anonymous=LOGIN, head_b=404, admin_user=REDIRECT),
        method="post",
        writes=True,
        data=_comment("published_a"),
    ),
    Case(
        "evidence-upload-a",
        "evidence_upload",
        named("evidence_upload", assessment_id=lambda w: w.draft_a.pk),
        expect(403, anonymous=LOGIN, head_a=REDIRECT, head_b=404),
        method="post",
        writes=True,
        data=_evidence_upload(),
    ),
    Case(
        "evidence-a",
        "evidence_download",
        named("evidence_download", assessment_id=lambda w: w.draft_a.pk, evidence_id=lambda w: w.evidence_a.pk),
        unit_a(),
    ),
    Case(
        "evidence-b",
        "evidence_download",
        named("evidence_download", assessment_id=lambda w: w.submitted_b.pk, evidence_id=lambda w: w.evidence_b.pk),
        unit_b(),
    ),
    Case(
        "evidence-b-through-a",
        "evidence_download",
        named("evidence_download", assessment_id=lambda w: w.draft_a.pk, evidence_id=lambda w: w.evidence_b.pk),
        expect(404, anonymous=LOGIN),
    ),
    Case(
        "evidence-delete-a",
        "evidence_delete",
        named("evidence_delete", assessment_id=lambda w: w.draft_a.pk, evidence_id=lambda w: w.evidence_a.pk),
        expect(403, anonymous=LOGIN, head_a=REDIRECT, head_b=404),
        method="post",
        writes=True,
        data=lambda w: {},
    ),
    Case(
        "evidence-delete-b",
        "evidence_delete",
        named("evidence_delete", assessment_id=lambda w: w.submitted_b.pk, evidence_id=lambda w: w.evidence_b.pk),
        expect(403, anonymous=LOGIN, head_a=404),
        method="post",
        data=lambda w: {},
    ),
    # --- imports --------------------------------------------------------------------------------
    Case(
        "import-page",
        "import_upload",
        named("import_upload"),
        expect(404, anonymous=LOGIN, appraiser=200, admin_user=200),
    ),
    Case(
        "import-upload",
        "import_upload",
        named("import_upload"),
        expect(404, anonymous=LOGIN, appraiser=REDIRECT, admin_user=REDIRECT),
        method="post",
        writes=True,
        data=_import_upload,
    ),
    Case(
        "import-template",
        "import_template",
        named("import_template"),
        IMPORTERS_ONLY,
        query=q(index="par", year=2024, kind="district"),
    ),
    Case("import-run", "import_run", named("import_run", run_id=lambda w: w.import_run.pk), IMPORTERS_ONLY),
    Case(
        "import-progress", "import_progress", named("import_progress", run_id=lambda w: w.import_run.pk), IMPORTERS_ONLY
    ),
    Case(
        "import-confirm",
        "import_confirm",
        named("import_confirm", run_id=lambda w: w.import_run.pk),
        expect(404, appraiser=REDIRECT),
        method="post",
        writes=True,
        data=lambda w: {},
    ),
    # --- remediation plans (issue 20) -----------------------------------------------------------
    Case("plans-coverage", "remediation_coverage", named("remediation_coverage"), logged_in(), prepare=_plans),
    Case(
        "plans-coverage-overdue-csv",
        "remediation_coverage",
        named("remediation_coverage"),
        logged_in(),
        query=q(**PAR24, export="csv", table="overdue"),
        prepare=_plans,
    ),
    Case(
        "plans-coverage-units-xlsx",
        "remediation_coverage",
        named("remediation_coverage"),
        logged_in(),
        query=q(**PAR24, export="xlsx", table="units"),
        prepare=_plans,
    ),
    Case("plan-a", "remediation_plan", _plan("remediation_plan", "ALPHAMARK"), unit_a(), prepare=_plans),
    Case("plan-b", "remediation_plan", _plan("remediation_plan", "BRAVOMARK"), unit_b(), prepare=_plans),
    Case(
        "plan-a-file",
        "remediation_plan",
        _plan("remediation_plan", "ALPHAMARK"),
        PLAN_WRITERS_A,
        method="post",
        writes=True,
        data=lambda w: {"criteria": ["1.1"]},
    ),
    Case(
        "plan-a-submit",
        "remediation_plan_submit",
        _plan("remediation_plan_submit", "ALPHAMARK"),
        PLAN_WRITERS_A,
        method="post",
        writes=True,
        prepare=_plans,
        data=lambda w: {},
    ),
    Case(
        "plan-b-review",
        "remediation_plan_review",
        _plan("remediation_plan_review", "BRAVOMARK"),
        expect(403, anonymous=LOGIN, head_a=404, staff=REDIRECT, admin_user=REDIRECT),
        method="post",
        writes=True,
        prepare=_plans,
        data=lambda w: {"decision": "return", "reason": "more"},
    ),
    Case(
        "plan-a-cause",
        "remediation_item_cause",
        named("remediation_item_cause", item_id=_plan_item("ALPHAMARK")),
        PLAN_WRITERS_A,
        method="post",
        writes=True,
        prepare=_plans,
        data=lambda w: {"cause": "another cause"},
    ),
    Case(
        "plan-a-action-add",
        "remediation_action_add",
        named("remediation_action_add", item_id=_plan_item("ALPHAMARK")),
        PLAN_WRITERS_A,
        method="post",
        writes=True,
        prepare=_plans,
        data=lambda w: ACTION_POST,
    ),
    Case(
        "plan-b-action-update",
        "remediation_action_update",
        named("remediation_action_update", action_id=_plan_action("BRAVOMARK")),
        PLAN_WRITERS_B,
        method="post",
        writes=True,
        prepare=_plans,
        data=lambda w: {**ACTION_POST, "what": "bravomark action", "owner": "VP", "deadline": "2025-01-31"},
    ),
    Case(
        "plan-a-evidence",
        "remediation_action_evidence",
        named("remediation_action_evidence", action_id=_plan_action("ALPHAMARK")),
        unit_a(),
        prepare=_plans_with_file,
    ),
    # --- the audit trail ------------------------------------------------------------------------
    Case("audit", "audit_trail", named("audit_trail"), logged_in()),
    Case("audit-csv", "audit_trail", named("audit_trail"), logged_in(), query=q(export="csv")),
    Case("audit-xlsx", "audit_trail", named("audit_trail"), logged_in(), query=q(export="xlsx")),
    Case("audit-of-b", "audit_trail", named("audit_trail"), unit_b(), query=q(unit="BRAVOMARK")),
    Case("audit-of-a-csv", "audit_trail", named("audit_trail"), unit_a(), query=q(unit="ALPHAMARK", export="csv")),
    # --- dossiers -------------------------------------------------------------------------------
    Case("dossiers", "dossier_ranking", named("dossier_ranking"), logged_in()),
    # The parent is a choice among the units the reader sees: another one gives his own rows.
    Case(
        "dossiers-communes-of-b",
        "dossier_ranking",
        named("dossier_ranking"),
        logged_in(),
        query=q(kind="commune", parent="BRAVOMARK", period="year", year=2024),
    ),
    Case(
        "dossiers-departments-csv",
        "dossier_ranking",
        named("dossier_ranking"),
        logged_in(),
        query=q(kind="department", period="year", year=2024, export="csv"),
    ),
    Case(
        "dossiers-communes-csv",
        "dossier_ranking",
        named("dossier_ranking"),
        logged_in(),
        query=q(kind="commune", period="year", year=2024, export="csv"),
    ),
    Case(
        "dossiers-communes-xlsx",
        "dossier_ranking",
        named("dossier_ranking"),
        logged_in(),
        query=q(kind="commune", period="year", year=2024, export="xlsx"),
    ),
    Case("dossier-methodology", "dossier_methodology", named("dossier_methodology"), logged_in()),
    # What the indices, bands and areas mean: whoever may read the rankings.
    Case("indicator-help", "indicator_help", named("indicator_help"), logged_in()),
    Case("early-warning", "early_warning", named("early_warning"), logged_in()),
    Case("early-warning-csv", "early_warning", named("early_warning"), logged_in(), query=q(export="csv")),
    Case("api-docs", "api_docs", named("api_docs"), logged_in()),
    Case(
        "overdue-a-csv",
        "unit_overdue_dossiers",
        named("unit_overdue_dossiers", code=lambda w: "ALPHAMARK"),
        unit_a(),
        query=q(export="csv"),
    ),
    Case(
        "overdue-b-xlsx",
        "unit_overdue_dossiers",
        named("unit_overdue_dossiers", code=lambda w: "BRAVOMARK"),
        unit_b(),
        query=q(export="xlsx"),
    ),
    Case("overdue-a", "unit_overdue_dossiers", named("unit_overdue_dossiers", code=lambda w: "ALPHAMARK"), unit_a()),
    Case("overdue-b", "unit_overdue_dossiers", named("unit_overdue_dossiers", code=lambda w: "BRAVOMARK"), unit_b()),
    Case(
        "late-b1",
        "unit_overdue_dossiers",
        named("unit_overdue_dossiers", code=lambda w: "BRAVOMARK1"),
        unit_b(),
        query=q(show="late", period="year", year=2024),
    ),
    Case(
        "late-b1-xlsx",
        "unit_overdue_dossiers",
        named("unit_overdue_dossiers", code=lambda w: "BRAVOMARK1"),
        unit_b(),
        query=q(show="late", period="year", year=2024, export="xlsx"),
    ),
    Case(
        "dossier-batch-session",
        "dossier_batch",
        named("dossier_batch"),
        expect(401),
        method="post",
        data=_batch,
        content_type="application/json",
    ),
    Case(
        "dossier-batch-user-token",
        "dossier_batch",
        named("dossier_batch"),
        expect(401),
        method="post",
        data=_batch,
        content_type="application/json",
        auth="token",
    ),
    Case(
        "dossier-batch-source",
        "dossier_batch",
        named("dossier_batch"),
        expect(200),
        method="post",
        data=_batch,
        content_type="application/json",
        auth="source",
        writes=True,
    ),
    Case("dossier-batch-get", "dossier_batch", named("dossier_batch"), expect(405)),
    # --- the JSON API: by token, by session, and nothing but GET ----------------------------------
    Case("api-indices", "api:indices", named("api:indices"), expect(200, anonymous=401), auth="token"),
    Case("api-endpoints", "api:endpoints", named("api:endpoints"), expect(200, anonymous=401), auth="token"),
    Case("api-units", "api:units", named("api:units"), expect(200, anonymous=401), auth="token"),
    Case("api-units-session", "api:units", named("api:units"), expect(200, anonymous=401)),
    Case(
        "api-units-post", "api:units", named("api:units"), expect(405), method="post", data=lambda w: {}, auth="token"
    ),
    Case(
        "api-scorecard-a",
        "api:unit_scorecard",
        named("api:unit_scorecard", code=lambda w: "ALPHAMARK"),
        expect(200, anonymous=401, head_b=404),
        auth="token",
        query=q(**PAR24),
    ),
    Case(
        "api-scorecard-b1",
        "api:unit_scorecard",
        named("api:unit_scorecard", code=lambda w: "BRAVOMARK1"),
        expect(200, anonymous=401, head_a=404),
        auth="token",
        query=q(**PAR24),
    ),
    Case(
        "api-scorecard-b-session",
        "api:unit_scorecard",
        named("api:unit_scorecard", code=lambda w: "BRAVOMARK"),
        expect(200, anonymous=401, head_a=404),
        query=q(**PAR24),
    ),
    Case(
        "api-rankings-districts",
        "api:rankings",
        named("api:rankings"),
        expect(200, anonymous=401),
        auth="token",
        query=q(**PAR24, kind="district"),
    ),
    Case(
        "api-rankings-departments",
        "api:rankings",
        named("api:rankings"),
        expect(200, anonymous=401),
        auth="token",
        query=q(**PAR24, kind="department"),
    ),
    Case("api-schema", "api:schema", named("api:schema"), expect(200, anonymous=401), auth="token"),
]

# --- the admin: every registered model's pages, and the site's own ------------------------------
# Only administrators (superusers) get in (reformdash.admin_site): everyone else, appraisers with
# their is_staff too, is sent to the admin's login page.
ADMIN_MODELS = [
    "auth.Group",
    "auth.User",
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
    "indicators.AssessmentStep",
    "indicators.Publication",
    "indicators.ResultRevision",
    "indicators.Target",
    "jobs.Job",
    "dossiers.SourceSystem",
    "dossiers.Dossier",
    "dossiers.DossierMonth",
    "api.ApiToken",
    "audit.AuditEntry",
    "preferences.TablePreference",
]
# Rows only a service writes: the admin reads them, never adds, changes or deletes them.
ADMIN_READ_ONLY = {
    "dossiers.Dossier",
    "dossiers.DossierMonth",
    "indicators.AssessmentStep",
    "indicators.Publication",
    "indicators.ResultRevision",
    "audit.AuditEntry",
}


def admin_only(ok=200, *, appraiser=ADMIN_LOGIN):
    return expect(ADMIN_LOGIN, appraiser=appraiser, admin_user=ok)


def _admin_cases():
    """{model label: its six pages' cases}."""
    cases = {}
    for label in ADMIN_MODELS:
        model = apps.get_model(label)
        app, name = model._meta.app_label, model._meta.model_name
        read_only = label in ADMIN_READ_ONLY
        # Jobs are never added or changed by hand, but a stuck one may be deleted.
        add_or_change = 403 if read_only or label == "jobs.Job" else 200
        pk = lambda w, model=model: str(model.objects.order_by("pk").first().pk)  # noqa: E731 (binds this case's model)
        prefix = f"admin:{app}_{name}"
        cases[label] = [
            Case(f"admin-{app}-{name}-list", f"{prefix}_changelist", named(f"{prefix}_changelist"), admin_only()),
            Case(f"admin-{app}-{name}-add", f"{prefix}_add", named(f"{prefix}_add"), admin_only(add_or_change)),
            Case(
                f"admin-{app}-{name}-change", f"{prefix}_change", named(f"{prefix}_change", object_id=pk), admin_only()
            ),
            Case(
                f"admin-{app}-{name}-history",
                f"{prefix}_history",
                named(f"{prefix}_history", object_id=pk),
                admin_only(),
            ),
            Case(
                f"admin-{app}-{name}-delete",
                f"{prefix}_delete",
                named(f"{prefix}_delete", object_id=pk),
                admin_only(403 if read_only else 200),
            ),
            # The bare object URL only redirects to its change page.
            Case(
                f"admin-{app}-{name}-object",
                f"admin/{app}/{name}/<path:object_id>/",
                lambda w, app=app, name=name, pk=pk: f"/admin/{app}/{name}/{pk(w)}/",
                admin_only(REDIRECT),
            ),
        ]
    return cases


def _content_type_of(label):
    from django.contrib.contenttypes.models import ContentType

    return lambda w: str(ContentType.objects.get_for_model(apps.get_model(label)).pk)


# A model's pages are asked in one test: building the data once for six pages halves the matrix's time.
ADMIN_MODEL_CASES = _admin_cases()
CASES += [case for cases in ADMIN_MODEL_CASES.values() for case in cases]
ADMIN_MODEL_CASE_IDS = {case.id for case in CASES[-len(ADMIN_MODELS) * 6 :]}
CASES += [
    Case("admin-index", "admin:index", named("admin:index"), admin_only()),
    Case("admin-login", "admin:login", named("admin:login"), expect(200, admin_user=REDIRECT)),
    Case(
        "admin-logout",
        "admin:logout",
        named("admin:logout"),
        expect(REDIRECT, admin_user=LOGIN),
        method="post",
        data=lambda w: {},
    ),
    Case("admin-password-change", "admin:password_change", named("admin:password_change"), admin_only()),
    Case("admin-password-change-done", "admin:password_change_done", named("admin:password_change_done"), admin_only()),
    Case(
        "admin-user-password",
        "admin:auth_user_password_change",
        named("admin:auth_user_password_change", id=lambda w: str(w.cast["head_b"].pk)),
        admin_only(),
    ),
    Case(
        "admin-autocomplete",
        "admin:autocomplete",
        named("admin:autocomplete"),
        admin_only(),
        query=q(app_label="indicators", model_name="assessment", field_name="unit", term="bravo"),
    ),
    Case("admin-jsi18n", "admin:jsi18n", named("admin:jsi18n"), admin_only()),
    Case(
        "admin-view-on-site",
        "admin:view_on_site",
        named(
            "admin:view_on_site",
            content_type_id=_content_type_of("units.Unit"),
            object_id=lambda w: str(w.tree.district_b.pk),
        ),
        admin_only(404),
    ),
    Case("admin-app-index", "admin:app_list", lambda w: "/admin/units/", admin_only()),
    Case("admin-catch-all", r"admin/(?P<url>.*)$", lambda w: "/admin/no-such-page/", admin_only(404)),
    Case(
        "admin-delete-head-rating",
        "admin:units_headrating_delete",
        named("admin:units_headrating_delete", object_id=lambda w: str(w.head_rating.pk)),
        admin_only(REDIRECT),
        method="post",
        writes=True,
        data=lambda w: {"post": "yes"},
    ),
    Case(
        "admin-rename-head-rating",
        "admin:units_headrating_change",
        named("admin:units_headrating_change", object_id=lambda w: str(w.head_rating.pk)),
        admin_only(REDIRECT),
        method="post",
        writes=True,
        data=lambda w: {"year": "2024", "name": "Hoan thanh tot nhiem vu", "min_value": "80", "position": "0"},
    ),
]


def _pattern_keys(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _pattern_keys(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield namespace + pattern.name if pattern.name else prefix + str(pattern.pattern)


def test_the_matrix_covers_every_url_pattern():
    resolved = set(_pattern_keys(get_resolver().url_patterns))
    tabled = {case.key for case in CASES}
    assert not resolved - tabled, f"URL patterns without a row in the access matrix: {sorted(resolved - tabled)}"
    assert not tabled - resolved, f"rows of the access matrix for no URL pattern: {sorted(tabled - resolved)}"


def test_every_case_has_its_own_id():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


def _outcome(response):
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/admin/login/"):
            return ADMIN_LOGIN
        if location.startswith(reverse("login")):
            return LOGIN
        return REDIRECT
    return response.status_code


def _text(response):
    """Everything the response tells: headers and body, an XLSX's cells, lower-cased. A login
    redirect's Location is left out: it only repeats the URL asked for, as `next`."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        body = " ".join(
            str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row
        ).encode()
    login = _outcome(response) in (LOGIN, ADMIN_LOGIN)
    headers = " ".join(f"{key}: {value}" for key, value in response.items() if not (login and key == "Location"))
    return (headers + "\n" + body.decode("utf-8", "replace")).lower()


def _without_echo(text, case, world):
    """The answer without what only repeats the request: the `next` field of the language and
    logout forms, and a filter's text box holding the value asked for. With public rankings, also
    without the parent choice: the unit tree is public there (indicators.selectors.ranking_parents)."""
    asked = {str(value).lower() for value in case.query(world).values()}
    text = re.sub(r'<input[^>]*name="next"[^>]*>', "", text)
    text = re.sub(r'<input[^>]*value="([^"]*)"[^>]*>', lambda m: "" if m.group(1) in asked else m.group(0), text)
    if case.public:
        text = re.sub(r'<select name="parent".*?</select>', "", text, flags=re.S)
    return text


def _snapshot():
    models = [model for model in apps.get_models() if model._meta.app_label in PROJECT_APPS]
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


def _ask(case, world, role):
    client = Client()
    headers = {}
    if case.auth == "source":
        headers["Authorization"] = f"Bearer {world.source_token}"
    elif role != "anonymous":
        if case.auth == "token":
            headers["Authorization"] = (
                f"{'Bearer' if case.key == 'dossier_batch' else 'Token'} {world.api_tokens[role]}"
            )
        else:
            client.force_login(world.cast[role])
    url = case.url(world)
    if case.method == "get":
        return client.get(url, case.query(world), headers=headers), None
    before = _snapshot()
    options = {"content_type": case.content_type} if case.content_type else {}
    response = client.post(url, case.data(world), headers=headers, **options)
    return response, before


def _check(case, world, role, settings):
    """The problems of one role's request, as sentences; none when it answers as the table says."""
    settings.PUBLIC_RANKINGS = case.public
    problems = []
    with transaction.atomic():
        if case.prepare:
            case.prepare(world)
        response, before = _ask(case, world, role)
        got, wanted = _outcome(response), case.expect[role]
        if got != wanted:
            problems.append(f"{role}: {got} instead of {wanted}")
        marks = FORBIDDEN_MARKS[role]
        if case.public:
            marks = tuple(mark for mark in marks if mark != A_MARK)  # A's results are published, B's are not
        text = _without_echo(_text(response), case, world)
        problems += [f"{role}: the answer shows {mark!r}" for mark in marks if mark in text]
        if before is not None:
            allowed = wanted in (200, REDIRECT, LOGIN) and got == wanted
            changed = _snapshot() != before
            if case.writes and allowed and not changed and role in _doers(case):
                problems.append(f"{role}: allowed, but nothing was written")
            if changed and role not in _doers(case):
                problems.append(f"{role}: refused ({got}), yet the database changed")
        transaction.set_rollback(True)
    return problems


def _doers(case):
    """The roles whose POST is meant to write: those the table lets through when the case writes."""
    if not case.writes:
        return set()
    return {role for role, wanted in case.expect.items() if wanted in (200, REDIRECT)}


@pytest.mark.parametrize(
    "case", [case for case in CASES if case.id not in ADMIN_MODEL_CASE_IDS], ids=lambda case: case.id
)
def test_each_role_gets_what_the_matrix_says_and_nothing_of_another_unit(case, world, settings):
    problems = [problem for role in ROLES for problem in _check(case, world, role, settings)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("label", ADMIN_MODELS)
def test_each_admin_page_of_a_model_is_for_administrators_only(label, world, settings):
    problems = [
        f"{case.id}: {problem}"
        for case in ADMIN_MODEL_CASES[label]
        for role in ROLES
        for problem in _check(case, world, role, settings)
    ]
    assert not problems, "\n".join(problems)


def test_public_rankings_show_anonymous_visitors_the_published_results_and_only_those(world, client, settings):
    settings.PUBLIC_RANKINGS = True
    departments = client.get(reverse("rankings"), {**PAR24, "kind": "department"})
    assert "So Alphamark" in departments.content.decode()  # A's results were published under a decision
    districts = client.get(reverse("rankings"), {**PAR24, "kind": "district", "export": "csv"})
    assert districts.status_code == 200
    assert B_MARK not in b"".join(districts.streaming_content).decode().lower()  # B's are still provisional
    settings.PUBLIC_RANKINGS = False
    assert _outcome(client.get(reverse("rankings"), {**PAR24, "kind": "department"})) == LOGIN
