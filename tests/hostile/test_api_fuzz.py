"""The JSON API fuzzed against its own OpenAPI document (schemathesis): for every operation, requests
generated from the document, valid and not, as an anonymous caller, with a unit head's token and
with a staff member's — never a server error, and every response (status, content type, body) as
the document describes it."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api import openapi
from tests.api.conftest import scored, token_of  # noqa: F401 (fixtures)

# Generated cases by the dozen, each a request through Django: seconds per test.
pytestmark = pytest.mark.slow

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_app():
    """The project's WSGI application, called in this test's thread and so in its transaction: the
    signal that closes the connection after a request is held back, as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


# Random text rarely names an index or a unit that exists: half the cases are aimed at the data, so
# that full answers are generated and checked against the document too, not only the refusals.
KNOWN = {
    "index": st.sampled_from(["par", "par", "PAR", "sipas"]),
    "year": st.sampled_from([2022, 2023, 2024]),
    "code": st.sampled_from(["A", "A2", "B", "B1", "C", "P", "VN"]),
    "kind": st.sampled_from(["department", "district", "commune", "province"]),
    "parent": st.sampled_from([None, "P", "B", "VN"]),
}


def _aim(case, known):
    if case.path_parameters and "code" in case.path_parameters:
        case.path_parameters = {**case.path_parameters, "code": known["code"]}
    if case.query is not None and case.operation.method.upper() == "GET":
        names = {parameter.name for parameter in case.operation.query}
        query = {**case.query, **{name: known[name] for name in ("index", "year", "kind", "parent") if name in names}}
        case.query = {name: value for name, value in query.items() if value is not None}


def fuzz(app, headers):
    schema = schemathesis.openapi.from_dict(openapi.document())
    schema.app = app
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        # Valid requests and invalid ones (wrong types, values out of range, missing parameters).
        cases = st.one_of(*(operation.as_strategy(mode) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)))

        @given(case=cases, known=st.one_of(st.none(), st.fixed_dictionaries(KNOWN)))
        # How many examples per operation: the profile (tests/conftest.py).
        @hypothesis_settings(
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case, known):
            if known:
                _aim(case, known)
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except Exception as error:  # noqa: BLE001 (collect every operation's failure, then report them all)
            failures.append(f"{operation.label}: {error}")
    return failures


def test_anonymous_callers(db, scored, wsgi_app):
    assert fuzz(wsgi_app, {}) == []


def test_a_unit_head_with_a_token(scored, head_b, token_of, wsgi_app):
    assert fuzz(wsgi_app, {"Authorization": f"Token {token_of(head_b)}"}) == []


def test_staff_who_see_every_unit(scored, staff, token_of, wsgi_app):
    assert fuzz(wsgi_app, {"Authorization": f"Token {token_of(staff)}"}) == []
