"""Django's admin pages name our icon as our own pages do (templates/admin/base_site.html): a page
that names none makes the browser ask for /favicon.ico, a 404 in the console of every admin page."""

import pytest
from django.templatetags.static import static
from django.urls import reverse

ICON = f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">'


def test_the_admin_login_page_links_the_icon(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    assert ICON in response.content.decode()


@pytest.mark.parametrize(
    "page",
    [
        lambda user: reverse("admin:index"),
        lambda user: reverse("admin:auth_user_changelist"),
        lambda user: reverse("admin:auth_user_add"),
        lambda user: reverse("admin:auth_user_change", args=[user.pk]),
        lambda user: reverse("admin:auth_user_delete", args=[user.pk]),
    ],
    ids=["index", "changelist", "add", "change", "delete"],
)
def test_every_admin_page_links_the_icon_once(client, admin_user, page):
    client.force_login(admin_user)
    response = client.get(page(admin_user))
    assert response.status_code == 200
    # Once: the pages that fill the head's extrahead keep ours through block.super.
    assert response.content.decode().count(ICON) == 1
