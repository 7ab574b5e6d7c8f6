"""The Django admin is for administrators (superusers) only: appraisers carry is_staff but get no
further than its login page, and a password set there must pass the password validators."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

PAGES = [
    "admin:index",
    "admin:units_unit_changelist",
    "admin:indicators_score_changelist",
    "admin:auth_user_changelist",
]


@pytest.mark.parametrize("page", PAGES)
def test_an_administrator_gets_the_admin(client, admin_user, page):
    client.force_login(admin_user)
    assert client.get(reverse(page)).status_code == 200


@pytest.mark.parametrize("who", ["appraiser", "staff", "head_a"])
@pytest.mark.parametrize("page", PAGES)
def test_everyone_else_is_sent_to_the_admin_login(client, request, who, page):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_an_appraiser_cannot_log_in_to_the_admin(client, appraiser):
    response = client.post(
        reverse("admin:login"), {"username": "appraiser", "password": "correct horse battery staple", "next": "/admin/"}
    )
    assert response.status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302


def test_an_appraiser_cannot_change_a_user_even_with_the_permission(client, appraiser, staff):
    from django.contrib.auth.models import Permission

    appraiser.user_permissions.add(Permission.objects.get(codename="change_user"))
    client.force_login(appraiser)
    response = client.post(
        reverse("admin:auth_user_change", args=[staff.pk]), {"username": "staff", "is_superuser": "on"}
    )
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert not User.objects.get(pk=staff.pk).is_superuser


def test_the_header_links_to_the_admin_only_for_administrators(client, admin_user, appraiser, english):
    admin_url = reverse("admin:index")
    client.force_login(appraiser)
    assert f'href="{admin_url}"' not in client.get(reverse("home")).content.decode()
    client.force_login(admin_user)
    assert f'href="{admin_url}"' in client.get(reverse("home")).content.decode()


def test_a_user_added_in_the_admin_needs_a_password_the_validators_accept(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:auth_user_add")
    weak = client.post(
        url, {"username": "newcomer", "password1": "12345678", "password2": "12345678", "usable_password": "true"}
    )
    assert weak.status_code == 200
    assert not User.objects.filter(username="newcomer").exists()
    strong = "a long and unusual passphrase 47"
    response = client.post(
        url, {"username": "newcomer", "password1": strong, "password2": strong, "usable_password": "true"}
    )
    assert response.status_code == 302
    assert User.objects.get(username="newcomer").check_password(strong)
