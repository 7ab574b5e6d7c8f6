"""reformdash.lib.charts.cached_chart: a chart is built once per distinct data, builder, label and
language; changed data is a new chart at once; data JSON cannot spell out, and a cache that is
down, cost the building, never the page."""

from decimal import Decimal

import plotly.graph_objects as go
import pytest
from django.contrib.auth.models import User
from django.utils import translation

from reformdash.lib.charts import cached_chart

BUILT = []


def bars_figure(*, values, title):
    BUILT.append(values)
    return go.Figure(go.Bar(x=[float(v) for v in values]), layout={"title": {"text": title}})


def owner_figure(*, owner):
    BUILT.append(owner)
    return go.Figure(layout={"title": {"text": owner.username}})


@pytest.fixture(autouse=True)
def _count():
    BUILT.clear()


def test_the_same_data_is_built_once_and_gives_the_same_chart():
    first = cached_chart(bars_figure, values=[Decimal("78.44")], title="PAR", chart_id="c", label="L")
    second = cached_chart(bars_figure, values=[Decimal("78.44")], title="PAR", chart_id="c", label="L")
    assert second == first
    assert len(BUILT) == 1
    assert first.figure["data"][0]["x"] == [78.44]
    assert (first.id, first.data_id, first.label) == ("c", "c-data", "L")


def test_changed_data_is_a_new_chart_at_once():
    cached_chart(bars_figure, values=[Decimal("78.44")], title="PAR", chart_id="c", label="L")
    changed = cached_chart(bars_figure, values=[Decimal("80.10")], title="PAR", chart_id="c", label="L")
    assert changed.figure["data"][0]["x"] == [80.1]
    assert len(BUILT) == 2


def test_a_decimal_differing_in_the_sixth_place_is_other_data():
    cached_chart(bars_figure, values=[Decimal("78.440000")], title="PAR", chart_id="c", label="L")
    cached_chart(bars_figure, values=[Decimal("78.440001")], title="PAR", chart_id="c", label="L")
    assert len(BUILT) == 2


def test_each_language_has_its_own_chart_with_its_decimal_mark():
    with translation.override("vi"):
        vietnamese = cached_chart(bars_figure, values=[1], title="PAR", chart_id="c", label="L")
    with translation.override("en"):
        english = cached_chart(bars_figure, values=[1], title="PAR", chart_id="c", label="L")
    assert vietnamese.figure["layout"]["separators"] == ",."
    assert english.figure["layout"]["separators"] == ".,"


def test_label_and_chart_id_are_part_of_the_key():
    cached_chart(bars_figure, values=[1], title="PAR", chart_id="c", label="L")
    relabelled = cached_chart(bars_figure, values=[1], title="PAR", chart_id="c", label="M")
    renamed = cached_chart(bars_figure, values=[1], title="PAR", chart_id="d", label="L")
    assert (relabelled.label, renamed.id) == ("M", "d")
    assert len(BUILT) == 3


@pytest.mark.django_db
def test_data_json_cannot_spell_out_is_built_every_time():
    # A model instance's identity would hide what changed in it: no key is made from it.
    user = User.objects.create(username="u")
    for name in ("u", "v"):
        user.username = name  # the same instance, changed: a key made from it would not see it
        chart = cached_chart(owner_figure, owner=user, chart_id="c", label="L")
        assert chart.figure["layout"]["title"]["text"] == name
    assert len(BUILT) == 2


def test_a_cache_that_cannot_be_reached_costs_the_building_not_the_chart(settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        },
    }
    chart = cached_chart(bars_figure, values=[Decimal("78.44")], title="PAR", chart_id="c", label="L")
    assert chart.figure["data"][0]["x"] == [78.44]
    assert "cache unavailable" in caplog.text
