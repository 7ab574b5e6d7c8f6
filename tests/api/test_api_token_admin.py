"""API tokens in the admin: adding one issues it and shows it once; actions replace and revoke."""

import re

import pytest
from django.urls import reverse

from api.auth import token_hash
from api.models import ApiToken

pytestmark = pytest.mark.usefixtures("english")


def shown_token(response):
    messages = [str(message) for message in response.context["messages"]]
    [token] = [match.group(1) for message in messages if (match := re.search(r"not shown again: (\S+)", message))]
    return token


def test_adding_a_token_issues_it_and_shows_it_once(client, admin_user, head_b):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:api_apitoken_add"), {"user": head_b.pk, "name": "reports", "active": "on"}, follow=True
    )
    token = shown_token(response)
    assert ApiToken.objects.get().token_hash == token_hash(token)
    page = client.get(reverse("admin:api_apitoken_change", args=[ApiToken.objects.get().pk])).content.decode()
    assert token not in page and token_hash(token) not in page


def test_a_second_active_token_of_the_same_name_is_refused(client, admin_user, head_b, token_of):
    token_of(head_b, "reports")
    client.force_login(admin_user)
    response = client.post(reverse("admin:api_apitoken_add"), {"user": head_b.pk, "name": "reports", "active": "on"})
    assert response.status_code == 200
    assert "already has an active token with this name" in response.content.decode()
    assert ApiToken.objects.count() == 1


def test_the_replace_action_revokes_and_issues_a_new_token(client, admin_user, head_b, token_of):
    old = token_of(head_b, "reports")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "issue_replacement", "_selected_action": list(ApiToken.objects.values_list("pk", flat=True))},
        follow=True,
    )
    new = shown_token(response)
    assert ApiToken.objects.get(token_hash=token_hash(old)).active is False
    assert ApiToken.objects.get(token_hash=token_hash(new)).active is True


def test_the_revoke_action_revokes(client, admin_user, head_b, token_of):
    token_of(head_b, "one"), token_of(head_b, "two")
    client.force_login(admin_user)
    client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": list(ApiToken.objects.values_list("pk", flat=True))},
    )
    assert not ApiToken.objects.filter(active=True).exists()


def test_the_list_and_its_filters_load(client, admin_user, head_b, token_of):
    token_of(head_b)
    client.force_login(admin_user)
    url = reverse("admin:api_apitoken_changelist")
    for query in ({}, {"q": "head"}, {"active__exact": "0"}):
        assert client.get(url, query).status_code == 200


def test_unit_heads_cannot_reach_it(client, head_b):
    client.force_login(head_b)
    assert client.get(reverse("admin:api_apitoken_changelist")).status_code == 302
