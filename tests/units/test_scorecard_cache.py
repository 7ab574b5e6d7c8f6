"""The scorecard's group figures come from the cache until the next recompute of their index and
year (indicators.cache): a recompute that finishes shows at once, whichever process cached the old
figures; the page says what its results are as of; a cache that is down costs time, not the page.
Data: tests/indicators/test_scorecard.py (district B's 2024 area 1: 94,33 %, group mean 89,78 %).
The group figures are read by staff: the head of B sees part of a group of three, which withholds
them (indicators.group_figures)."""

from decimal import Decimal as D

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from indicators.models import Result, Score
from indicators.recompute import results_recompute
from tests.units.test_scorecard_view import data, get, page  # noqa: F401 (fixture)


def scorecard(client, user):
    with CaptureQueriesContext(connection) as queries:
        response = get(client, user, "B", index="par", year=2024)
    assert response.status_code == 200
    return page(response), len(queries)


def lower_district_d(data):
    """District D's 1.1 of 2024 from 40 to 10, written as an import writes it, before the recompute."""
    Score.objects.filter(
        assessment__unit=data.district_d, assessment__methodology__year=2024, criterion__code="1.1"
    ).update(final_score=D(10))


def test_the_group_figures_are_cached_until_the_recompute_that_changes_them(client, staff, data):
    first, first_queries = scorecard(client, staff)
    assert "94,33 %" in first and "89,78 %" in first

    lower_district_d(data)
    cached, cached_queries = scorecard(client, staff)
    assert "89,78 %" in cached  # as of the last recompute, like the result itself
    assert cached_queries < first_queries

    results_recompute(index_id=data.par.pk, year=2024)
    after, _ = scorecard(client, staff)
    # D's area 1 is now 30 of 60: the mean of 94,33, 75 and 50.
    assert "73,11 %" in after and "89,78 %" not in after


def test_the_page_says_what_its_results_are_as_of(client, head_b, data):
    updated = Result.objects.filter(index=data.par, year=2024).latest("updated_at").updated_at
    text, _ = scorecard(client, head_b)
    assert f"Kết quả tính đến {timezone.localtime(updated):%d/%m/%Y %H:%M}." in text


def test_with_the_cache_down_the_page_is_computed(client, staff, data, settings):
    # Nothing listens on port 9 of this machine: every cache call fails to connect.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    }
    text, _ = scorecard(client, staff)
    assert "94,33 %" in text and "89,78 %" in text
    lower_district_d(data)
    results_recompute(index_id=data.par.pk, year=2024)
    text, _ = scorecard(client, staff)
    assert "73,11 %" in text
