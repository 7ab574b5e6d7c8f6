"""The ranking chart builder: a pure function, tested without a database."""

from decimal import Decimal as D

from django.utils import translation

from indicators.charts import ranking_figure
from reformdash.lib.charts import chart

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
