"""The ranking chart builder: a pure function, tested without a database."""

from decimal import Decimal as D

from django.utils import translation

from indicators.charts import group_position_figure, ranking_figure, trend_against_mean_figure
from reformdash.lib.charts import (
    BAD_COLOUR,
    BAND_COLOURS,
    NO_BAND_COLOUR,
    OTHER_COLOUR,
    OWN_COLOUR,
    VALUE_COLOUR,
    chart,
)

BARS = [
    {"code": "A", "name": "Sở A", "value": D("84.600000")},
    {"code": "A2", "name": "Sở Hai", "value": D("84.600000")},
    {"code": "A3", "name": "Sở Ba", "value": D("60.000000")},
]


def test_each_unit_is_a_bar_keyed_by_code_and_labelled_by_name_in_rank_order():
    figure = ranking_figure(bars=BARS, mean=D("76.4"), value_label="Giá trị (%)")
    bar = figure.data[0]
    assert bar.type == "bar" and bar.orientation == "h"
    assert list(bar.y) == ["A", "A2", "A3"] and list(bar.x) == [84.6, 84.6, 60.0]
    assert list(figure.layout.yaxis.ticktext) == ["Sở A", "Sở Hai", "Sở Ba"]
    assert figure.layout.yaxis.autorange == "reversed"  # the first is drawn at the top
    assert figure.layout.xaxis.title.text == "Giá trị (%)"


def test_two_units_of_the_same_name_are_two_bars():
    twins = [{"code": "X1", "name": "Xã Bình An", "value": D(1)}, {"code": "X2", "name": "Xã Bình An", "value": D(2)}]
    assert list(ranking_figure(bars=twins, mean=None, value_label="%").data[0].y) == ["X1", "X2"]


def test_the_group_mean_is_a_dashed_line_labelled_in_the_page_language():
    with translation.override("vi"):
        figure = ranking_figure(bars=BARS, mean=D("76.4"), value_label="%")
        assert chart(figure, chart_id="c", label="l").figure["layout"]["separators"] == ",."
    line = figure.layout.shapes[0]
    assert (line.type, line.x0, line.x1, line.line.dash) == ("line", 76.4, 76.4, "dash")
    assert figure.layout.annotations[0].text.endswith("76,40")
    with translation.override("en"):
        assert (
            ranking_figure(bars=BARS, mean=D("76.4"), value_label="%").layout.annotations[0].text == "Group mean: 76.40"
        )


def test_without_a_mean_there_is_no_line():
    figure = ranking_figure(bars=BARS[:1], mean=None, value_label="%")
    assert figure.layout.shapes == () and figure.layout.annotations == ()


def test_a_long_group_gets_a_taller_chart():
    many = [{"code": f"X{i}", "name": f"Xã {i}", "value": D(i)} for i in range(60)]
    short = ranking_figure(bars=BARS, mean=None, value_label="%").layout.height
    assert ranking_figure(bars=many, mean=None, value_label="%").layout.height > short >= 240


def test_the_figure_is_plain_json_for_the_page():
    data = chart(ranking_figure(bars=BARS, mean=D("76.4"), value_label="%"), chart_id="ranking-chart", label="PAR")
    assert data.figure["data"][0]["x"] == [84.6, 84.6, 60.0]
    assert data.id == "ranking-chart" and data.data_id == "ranking-chart-data"


BANDS = [
    {"name": "Tốt", "min_value": D(80), "max_value": None},
    {"name": "Khá", "min_value": None, "max_value": D(80)},
]
BANDED = [{**bar, "band": band} for bar, band in zip(BARS, ("Tốt", "Tốt", "Khá"), strict=True)]


def test_bars_take_their_bands_palette_colour_and_the_legend_names_each_band_and_its_range():
    with translation.override("en"):
        figure = chart(
            ranking_figure(bars=BANDED, mean=D("76.4"), value_label="Value (%)", bands=BANDS), chart_id="c", label="l"
        ).figure
    traces = figure["data"]
    assert [(trace["name"], trace["marker"]["color"], trace["y"]) for trace in traces] == [
        ("Good (≥ 80)", BAND_COLOURS[0], ["A", "A2"]),
        ("Fair (< 80)", BAND_COLOURS[1], ["A3"]),
    ]
    assert figure["layout"]["showlegend"] is True
    # Whichever band names a unit first, the units stay in rank order, one full bar each.
    assert figure["layout"]["yaxis"]["categoryarray"] == ["A", "A2", "A3"]
    assert figure["layout"]["barmode"] == "overlay"


def test_a_unit_outside_every_band_is_named_so_and_a_band_nobody_is_in_is_still_in_the_legend():
    bars = [{**BARS[0], "band": "Tốt"}, {**BARS[2], "band": None}]
    bands = [*BANDS, {"name": "Yếu", "min_value": None, "max_value": D(50)}]
    with translation.override("vi"):
        figure = ranking_figure(bars=bars, mean=None, value_label="%", bands=bands)
    assert [(trace.name, trace.marker.color, trace.showlegend) for trace in figure.data] == [
        ("Tốt (≥ 80)", BAND_COLOURS[0], None),
        ("Khá (< 80)", BAND_COLOURS[1], True),
        ("Yếu (< 50)", BAND_COLOURS[2], True),
        ("Chưa xếp loại", NO_BAND_COLOUR, None),
    ]
    # An empty band is a legend entry whose only point is null: plotly.js leaves an empty trace out.
    assert list(figure.data[1].x) == [None] and list(figure.data[1].y) == [None]
    # Every legend entry gets a row's height on a phone, on top of the bars'.
    assert figure.layout.height == max(240, 90 + 26 * 2) + 20 * 4


def test_without_bands_the_bars_are_one_neutral_colour_without_a_legend():
    figure = ranking_figure(bars=BARS, mean=None, value_label="%")
    assert figure.data[0].marker.color == VALUE_COLOUR != BAD_COLOUR
    assert figure.layout.showlegend is False


def test_the_value_axis_starts_at_zero_and_says_when_lower_is_better():
    figure = ranking_figure(bars=BARS, mean=None, value_label="Tỷ lệ trễ hạn (%)")
    assert figure.layout.xaxis.rangemode == "tozero" and figure.layout.xaxis.ticksuffix == " %"
    assert figure.layout.xaxis.title.text == "Tỷ lệ trễ hạn (%)"
    with translation.override("vi"):
        lower = ranking_figure(bars=BARS, mean=None, value_label="Tỷ lệ trễ hạn (%)", lower_is_better=True)
    assert lower.layout.xaxis.title.text == "Tỷ lệ trễ hạn (%) (càng thấp càng tốt)"
    with translation.override("en"):
        lower = ranking_figure(bars=BARS, mean=None, value_label="Overdue rate (%)", lower_is_better=True)
    assert lower.layout.xaxis.title.text == "Overdue rate (%) (lower is better)"
    points = ranking_figure(bars=BARS, mean=None, value_label="Points", percent=False)
    assert points.layout.xaxis.rangemode == "tozero" and points.layout.xaxis.ticksuffix is None


def test_a_readers_own_units_are_a_neutral_highlight_among_the_grey_group():
    values = [
        {"value": D(90), "mine": False},
        {"value": D(80), "mine": True, "name": "Sở A", "code": "A", "rank": 2, "of": 3},
        {"value": D(70), "mine": False},
    ]
    with translation.override("vi"):
        figure = group_position_figure(values=values, mean=D(80), value_label="%", lower_is_better=True)
    assert list(figure.data[0].marker.color) == [OTHER_COLOUR, OWN_COLOUR, OTHER_COLOUR]
    assert OWN_COLOUR not in (BAD_COLOUR, *BAND_COLOURS)
    assert figure.layout.xaxis.rangemode == "tozero"
    assert figure.layout.xaxis.title.text.endswith("(càng thấp càng tốt)")
    assert figure.layout.annotations[0].text == "Trung bình nhóm: 80,00"


def test_the_trend_draws_provisional_figures_hollow_predecessors_dashed_and_the_mean_dotted(english):
    figure = trend_against_mean_figure(
        series=[
            {
                "name": "Tỉnh Mới",
                "code": "N",
                "predecessor": False,
                "points": [
                    {"year": 2025, "value": D("80.5"), "rank": 3, "of": 34, "provisional": True},
                ],
            },
            {
                "name": "Tỉnh Cũ",
                "code": "O",
                "predecessor": True,
                "points": [
                    {"year": 2023, "value": D("84.6"), "rank": 56, "of": 63, "provisional": False},
                    {"year": 2024, "value": None, "rank": None, "of": None, "provisional": False},
                ],
            },
        ],
        means=[
            {"own": True, "unit_code": "N", "points": [{"year": 2025, "value": D("78"), "provisional": True}]},
            {"own": False, "unit_code": "O", "points": [{"year": 2023, "value": D("81.25"), "provisional": False}]},
        ],
        value_label="Value",
        mean_label="National mean",
    ).to_plotly_json()
    own, old, mean, old_mean, legend = figure["data"]
    assert (own["name"], own["y"], own["marker"]["symbol"], own["line"]["width"]) == (
        "Tỉnh Mới",
        [80.5],
        ["circle-open"],
        3,
    )
    assert old["name"] == "Tỉnh Cũ (O, predecessor)" and old["line"]["dash"] == "dash"
    assert old["y"] == [84.6, None] and old["connectgaps"] is False  # a year without a value is a gap
    assert (mean["name"], mean["line"]["dash"], mean["y"]) == ("National mean", "dot", [78.0])
    assert old_mean["name"] == "Mean of the group of O"
    assert legend["name"] == "Provisional (hollow marker)"
    assert figure["layout"]["yaxis"]["rangemode"] == "tozero" and figure["layout"]["yaxis"]["ticksuffix"] == " %"
