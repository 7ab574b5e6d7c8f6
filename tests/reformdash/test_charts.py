"""What every chart shares (reformdash.lib.charts): the palette's bands and their names, the
zero-based value axis, and Plotly's own words in the page's language, served with a locale file
of the same plotly.js as the bundle."""

import json
import re
from decimal import Decimal as D

import plotly.offline
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from reformdash.lib.charts import (
    BAND_COLOURS,
    PLOTLY_PHRASES,
    band_colour,
    band_legend,
    band_name,
    plotly_locale,
    zero_axis,
)

PLOTLY = settings.BASE_DIR / "static" / "vendor" / "plotly"


def test_each_band_position_has_one_colour_and_later_bands_reuse_the_last():
    assert [band_colour(position) for position in range(7)] == [*BAND_COLOURS, BAND_COLOURS[-1], BAND_COLOURS[-1]]
    assert len(set(BAND_COLOURS)) == len(BAND_COLOURS)


def test_the_standard_band_names_are_translated_and_other_names_kept_as_stored():
    with translation.override("en"):
        assert [band_name(name) for name in ("Xuất sắc", "Tốt", "Khá", "Trung bình", "Yếu", "A", "B")] == [
            "Excellent",
            "Good",
            "Fair",
            "Average",
            "Weak",
            "A",
            "B",
        ]
        assert band_legend({"name": "B", "min_value": D("80.000000"), "max_value": D("90.000000")}) == "B (80–<90)"
        assert band_legend({"name": "Yếu", "min_value": None, "max_value": D("50")}) == "Weak (< 50)"
    with translation.override("vi"):
        assert band_name("Tốt") == "Tốt"
        assert band_legend({"name": "A", "min_value": D("92.5"), "max_value": None}) == "A (≥ 92,50)"


def test_the_band_name_filter_translates_in_templates():
    template = Template('{% load charts %}{{ name|band_name|default:"—" }}')
    with translation.override("en"):
        assert template.render(Context({"name": "Xuất sắc"})) == "Excellent"
        assert template.render(Context({"name": None})) == "—"


def test_a_value_axis_starts_at_zero_and_a_lower_is_better_one_says_so():
    assert zero_axis("Value (%)") == {"title": {"text": "Value (%)"}, "rangemode": "tozero", "ticksuffix": " %"}
    assert "ticksuffix" not in zero_axis("Points", percent=False)
    with translation.override("vi"):
        assert zero_axis("Tỷ lệ", lower_is_better=True)["title"]["text"] == "Tỷ lệ (càng thấp càng tốt)"


def _dictionary():
    script = plotly_locale()
    assert script.startswith('<script id="plotly-locale" type="application/json">')
    return json.loads(re.fullmatch(r"<script[^>]*>(.*)</script>", script, re.S).group(1))["dictionary"]


def test_plotlys_words_are_written_in_the_pages_language_every_one_translated():
    with translation.override("vi"):
        dictionary = _dictionary()
    assert dictionary["Zoom in"] == "Phóng to" and dictionary["Download plot as a PNG"] == "Tải biểu đồ xuống dạng PNG"
    assert set(dictionary) == set(PLOTLY_PHRASES)
    assert all(english != vietnamese for english, vietnamese in dictionary.items())
    with translation.override("en"):
        assert _dictionary()["Zoom in"] == "Zoom in"


def test_the_vendored_vi_locale_is_of_the_bundles_plotly_js_and_registers_itself():
    # Plotly's `vi` (dates, month names) comes from the plotly.js of the installed `plotly`; after an
    # upgrade, take dist/plotly-locale-vi.js of the same version (docs/development.md).
    text = (PLOTLY / "plotly-locale-vi.js").read_text(encoding="utf-8")
    version = re.match(r"/\* plotly\.js v(\S+) locale vi", text).group(1)
    assert version == plotly.offline.get_plotlyjs_version()
    assert 'name:"vi"' in text and "Plotly.register(locale)" in text


def test_chart_pages_load_the_locale_after_the_bundle_and_before_our_script():
    html = Template('{% include "partials/_chart_scripts.html" %}').render(Context())
    positions = [
        html.index(part)
        for part in ('id="plotly-locale"', "plotly-partial.min.js", "plotly-locale-vi.js", "js/charts.js")
    ]
    assert positions == sorted(positions)
