"""Every address of the project, asked with hostile path segments and query values by every role,
never answers 500 (issue 21): huge and negative numbers that overflow the database's integers, a NUL
that PostgreSQL refuses in a string, a "/" inside a code, overlong text, other scripts, a
right-to-left override. A 400 or a 404 is an answer; a server error is a bug.

The walk is generated from django.urls.get_resolver(): a new view is walked the day it is added.
"""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.api.conftest import scored  # noqa: F401 (a fixture)
from units.models import Membership, MembershipRole

# In a path segment (percent-encoded as a browser would send it) and in a query value.
HOSTILE = [
    "9223372036854775807",  # the largest bigint: an OFFSET past it overflows
    "99999999999999999999",  # past every database integer
    "-1",
    "\x00",
    "a/b",
    "x" * 300,
    "وحدة",  # Arabic
    "🏛️\u202eA",  # an emoji and a right-to-left override
]
# Every query parameter a view or form of the project reads (grep of the forms and views), the
# admin's changelist ones, and the paging ones.
PARAMS = (
    "page p offset limit o q e all year month quarter period since until index kind unit_kind parent "
    "code unit criterion user action status show scope measure dossier_measure methodology export sort "
    "aggregation source batch widget next"
).split()
PAGING = ("page", "offset")
NUMBERS = HOSTILE[:3]
ROLES = ["anonymous", "commune_officer", "head_a", "appraiser", "staff", "admin_user"]


def _patterns(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


PATTERNS = sorted(set(_patterns(get_resolver().url_patterns)))
_PLACEHOLDER = re.compile(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def _fill(pattern, value):
    """The pattern's address with `value` in every placeholder, path() converter or re_path() group
    (the admin's), percent-encoded by the client."""
    path = _PLACEHOLDER.sub(lambda match: value, pattern)
    return "/" + path.lstrip("^").rstrip("$").replace("\\", "")


def _benign(pattern):
    """An address the pattern resolves that names things which exist (or may)."""
    return _fill(pattern, "1") if "<int:" in pattern else _fill(pattern, "A")


@pytest.fixture
def commune_officer(tree):
    user = User.objects.create_user(username="officer_b1", password="x")
    Membership.objects.create(user=user, unit=tree.commune_b1, role=MembershipRole.OFFICER)
    return user


def _client(request, role):
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


def _requests(pattern):
    """(path, query) pairs for one pattern: hostile segments in the path, hostile values in the query."""
    if "<" in pattern:
        for value in HOSTILE:
            yield _fill(pattern, value), {}
    path = _benign(pattern)
    # Every parameter at once: a form checks each of its fields whatever the others hold.
    for value in HOSTILE:
        yield path, {name: value for name in PARAMS}
    # A page number is read only once the filters are valid: alone, over the page's defaults.
    for name in PAGING:
        for value in NUMBERS:
            yield path, {name: value}


def _walk(client, patterns):
    errors = []
    for pattern in patterns:
        for path, query in _requests(pattern):
            response = client.get(path, query)
            if response.status_code >= 500:
                shown = {name: value[:24] for name, value in query.items()}
                errors.append(f"{response.status_code} {path[:80]!r} {shown!r}")
    return errors


@pytest.mark.parametrize("role", ROLES)
def test_no_page_answers_500(request, role, scored, commune_officer):
    errors = _walk(_client(request, role), [pattern for pattern in PATTERNS if not pattern.startswith("admin/")])
    assert not errors, "\n".join(errors[:40])


@pytest.mark.slow  # the admin's 150 addresses: a minute
def test_no_admin_page_answers_500(request, scored, admin_user):
    """As the one role the admin lets in; the others are turned away at its door
    (tests/security/test_access_matrix.py) before a parameter is read."""
    errors = _walk(_client(request, "admin_user"), [pattern for pattern in PATTERNS if pattern.startswith("admin/")])
    assert not errors, "\n".join(errors[:40])
