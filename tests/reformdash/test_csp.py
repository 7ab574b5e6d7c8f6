"""Every response carries our Content-Security-Policy (evidence downloads keep their stricter
own), and the Plotly the pages load is the strict bundle of the plotly.js the figures are built for.
That the pages really work under the policy is shown in Chromium: tests/browser/test_content_security_policy.py."""

import base64
import hashlib
import re

import plotly.offline
import pytest
from django.conf import settings
from django.urls import reverse

from reformdash.csp import CONTENT_SECURITY_POLICY
from tests.assessments.evidence import attach
from tests.indicators.test_rankings_view import rankings  # noqa: F401 (fixture)
from tests.indicators.workflow import workflow  # noqa: F401 (fixture)

BUNDLE = settings.BASE_DIR / "static" / "vendor" / "plotly" / "plotly-strict.min.js"


def _directives(policy):
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_the_policy_allows_nothing_inline_nor_eval_nor_elsewhere():
    directives = _directives(CONTENT_SECURITY_POLICY)
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == directives["base-uri"] == "'self'"
    # The one exception: an empty style attribute (Plotly's colour bar), by the hash of "" only.
    empty = base64.b64encode(hashlib.sha256(b"").digest()).decode()
    assert directives["style-src-attr"] == f"'unsafe-hashes' 'sha256-{empty}'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY.replace(directives["style-src-attr"], "")


@pytest.mark.parametrize("who", [None, "staff", "admin_user"])
@pytest.mark.parametrize("page", ["login", "home", "rankings", "admin:index", "health"])
def test_every_page_carries_the_policy(client, request, rankings, who, page):
    if who:
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse(page))
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_an_error_page_carries_the_policy_too(client, staff):
    client.force_login(staff)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_an_evidence_download_keeps_its_own_sandbox_policy(client, settings, tmp_path, workflow, head_a):
    settings.EVIDENCE_ROOT = tmp_path
    evidence = attach(workflow, head_a, name="plan.pdf")
    client.force_login(head_a)
    response = client.get(f"/assessments/{evidence.assessment_id}/evidence/{evidence.pk}/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_chart_pages_load_the_strict_plotly_bundle_and_its_stylesheet(client, staff, rankings):
    client.force_login(staff)
    page = client.get(reverse("rankings")).content.decode()
    assert '<script src="/static/vendor/plotly/plotly-strict.min.js">' in page
    assert (
        'id="plotly.js-style-global" class="no-inline-styles" rel="stylesheet" href="/static/vendor/plotly/plotly.css"'
        in page
    )
    assert "plotly.min.js" not in page


def test_the_vendored_bundle_is_the_plotly_js_of_the_installed_plotly_package():
    # The Python package builds figures for its own plotly.js: after an upgrade of `plotly`, the
    # strict bundle must be replaced by the same version (docs/development.md, "Dependencies").
    header = BUNDLE.read_text(encoding="utf-8")[:200]
    version = re.search(r"plotly\.js \(strict - minified\) v(\S+)", header).group(1)
    assert version == plotly.offline.get_plotlyjs_version()
    assert f"plotly.js {version}" in (BUNDLE.parent / "plotly.css").read_text(encoding="utf-8")[:200]


def test_the_maplibre_placeholder_id_is_the_one_the_bundle_looks_for():
    template = (settings.BASE_DIR / "templates" / "partials" / "_chart_scripts.html").read_text(encoding="utf-8")
    placeholder = re.search(r'<template id="([0-9a-f]{64})">', template).group(1)
    assert f'document.getElementById("{placeholder}")' in BUNDLE.read_text(encoding="utf-8")
