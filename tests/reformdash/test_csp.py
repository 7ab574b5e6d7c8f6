"""Every response carries our Content-Security-Policy (evidence downloads keep their stricter
own), and the Plotly the pages load is a bundle, without eval, of the plotly.js the figures are built for.
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

BUNDLE = settings.BASE_DIR / "static" / "vendor" / "plotly" / "plotly-partial.min.js"
# How the bundle is built, at which versions (its README.md).
BUILD = settings.BASE_DIR / "vendor-src" / "plotly"


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


def test_chart_pages_load_our_plotly_bundle_and_its_stylesheet(client, staff, rankings):
    client.force_login(staff)
    page = client.get(reverse("rankings")).content.decode()
    assert '<script src="/static/vendor/plotly/plotly-partial.min.js">' in page
    assert (
        'id="plotly.js-style-global" class="no-inline-styles" rel="stylesheet" href="/static/vendor/plotly/plotly.css"'
        in page
    )
    assert "plotly.min.js" not in page


def test_the_vendored_bundle_is_the_plotly_js_of_the_installed_plotly_package():
    # The Python package builds figures for its own plotly.js: after an upgrade of `plotly`, the
    # bundle must be rebuilt from the same version (docs/development.md, "Dependencies").
    header = BUNDLE.read_text(encoding="utf-8")[:200]
    version = re.search(r"plotly\.js \(partial: [a-z, ]+ - minified\) v(\S+)", header).group(1)
    assert version == plotly.offline.get_plotlyjs_version()
    assert f"plotly.js {version}" in (BUNDLE.parent / "plotly.css").read_text(encoding="utf-8")[:200]
    assert f'"plotly.js": "{version}"' in (BUILD / "package.json").read_text(encoding="utf-8")


def _trace_types_drawn():
    """Every plotly trace type our code builds figures with (go.Scatter, go.Bar, …, and the plain
    data's trace("scatter", …) of reformdash.lib.charts), lower case."""
    names = set()
    for top in settings.BASE_DIR.iterdir():
        if top.is_dir() and top.name not in {".venv", ".git", "tests", "vendor-src", "static", "var"}:
            for source in top.glob("**/*.py"):
                text = source.read_text("utf-8")
                names |= {name.lower() for name in re.findall(r"\bgo\.([A-Z]\w*)\b", text)}
                names |= set(re.findall(r"\btrace\(\s*\"([a-z0-9]+)\"", text))
    return names - {"figure", "layout"}


def test_the_bundle_has_every_trace_type_the_charts_draw_and_no_other():
    # The partial bundle (vendor-src/plotly) registers only these: a figure with another trace
    # type would draw nothing, with only an error in the browser console.
    registered = set(re.findall(r'moduleType:"trace",name:"([a-z0-9]+)"', BUNDLE.read_text(encoding="utf-8")))
    assert registered == _trace_types_drawn() == {"scatter", "bar"}
    built_from = (BUILD / "index.js").read_text(encoding="utf-8")
    assert set(re.findall(r"require\('plotly\.js/lib/([a-z0-9]+)'\)", built_from)) - {"core"} == registered


def test_the_bundle_builds_no_code_from_strings():
    # What plotly.js's "strict" builds guarantee, and our policy requires (no 'unsafe-eval').
    text = BUNDLE.read_text(encoding="utf-8")
    assert "new Function" not in text and "eval(" not in text
