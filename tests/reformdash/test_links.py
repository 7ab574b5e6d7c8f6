"""path_maker gives the same paths reverse() gives, whatever a unit code holds."""

from urllib.parse import unquote

import pytest
from django.urls import resolve, reverse

from reformdash.lib.links import path_maker

CODES = ["A", "79-26734", "Tổ 1/2", "a b", "x%20y", "q?x=1#f", "ĐN-01", "&;=+", "~:@!"]


@pytest.mark.parametrize("code", CODES)
def test_the_path_is_what_reverse_gives(code):
    assert path_maker("unit_scorecard", "code")(code) == reverse("unit_scorecard", kwargs={"code": code})


def test_it_resolves_back_to_the_code():
    # As a request does: the path unquoted (by the WSGI handler), then resolved.
    for code in CODES:
        assert resolve(unquote(path_maker("unit_scorecard", "code")(code))).kwargs == {"code": code}
