"""GET /api/docs/: the OpenAPI document rendered for a person with the vendored Swagger UI, linked
from every page's footer (tests/browser/test_api_docs_page.py draws it in Chromium)."""

import pytest
from django.urls import reverse

URL = "/api/docs/"


def test_the_url_is_named():
    assert reverse("api_docs") == URL


def test_it_loads_swagger_ui_from_our_files_and_points_it_at_the_schema(client, head_b):
    client.force_login(head_b)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-schema-url="/api/schema/"' in page
    assert '<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>' in page
    assert '<script src="/static/js/api-docs.js"></script>' in page
    assert 'href="/static/vendor/swagger-ui/swagger-ui.css"' in page
    assert '<a href="/api/">' in page
    # The CSP stays self-only on this page too.
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_the_footer_links_it_and_the_help_page(client, head_b):
    client.force_login(head_b)
    footer = client.get("/rankings/").content.decode().split('<footer class="site-footer')[1]
    assert '<a href="/api/docs/">Tài liệu API</a>' in footer
    assert '<a href="/help/">' in footer


@pytest.mark.django_db
def test_it_needs_a_session(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/api/docs/"
