"""`manage.py issue_api_token USERNAME --name NAME`: prints a token once, stores only its hash."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from api.auth import token_hash
from api.models import ApiToken


def issue(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_it_prints_the_token_alone_and_stores_its_hash(scored, client, head_b):
    token, note = issue("head_b", "--name", "báo cáo tháng")
    api_token = ApiToken.objects.get()
    assert (api_token.user, api_token.name, api_token.active) == (head_b, "báo cáo tháng", True)
    assert api_token.token_hash == token_hash(token) and len(token) >= 40
    assert "not shown again" in note and token not in note
    response = client.get("/api/units/", headers={"Authorization": f"Token {token}"})
    assert [unit["code"] for unit in response.json()["results"]] == ["B", "B1"]


def test_a_second_token_of_the_same_name_needs_replace_which_revokes_the_first(scored, client, head_b):
    first, _ = issue("head_b", "--name", "reports")
    with pytest.raises(CommandError, match="--replace"):
        issue("head_b", "--name", "reports")
    second, _ = issue("head_b", "--name", "reports", "--replace")
    assert client.get("/api/indices/", headers={"Authorization": f"Token {first}"}).status_code == 401
    assert client.get("/api/indices/", headers={"Authorization": f"Token {second}"}).status_code == 200
    assert list(ApiToken.objects.order_by("pk").values_list("active", flat=True)) == [False, True]
    issue("head_b", "--name", "another")  # other names are other tokens
    assert ApiToken.objects.filter(active=True).count() == 2


def test_an_unknown_or_inactive_user_gets_no_token(head_b):
    with pytest.raises(CommandError, match="unknown user 'nobody'"):
        issue("nobody", "--name", "x")
    head_b.is_active = False
    head_b.save()
    with pytest.raises(CommandError, match="inactive"):
        issue("head_b", "--name", "x")
    assert not ApiToken.objects.exists()


def test_a_blank_name_is_refused(head_b):
    with pytest.raises(CommandError, match="blank"):
        issue("head_b", "--name", "  ")
