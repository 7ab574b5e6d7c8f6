"""The scorecard's chart builders: data in, a figure as plain data out, no database; read through
Plotly (tests.charts.as_plotly), which validates each."""

from decimal import Decimal as D

from django.utils import translation

from reformdash.lib.charts import BAD_COLOUR, BAND_COLOURS, BEST_COLOUR, GROUP_MEAN_COLOUR, OWN_COLOUR, chart
from tests.charts import plotly_checked
from units import charts
from units.charts import month_label

areas_figure = plotly_checked(charts.areas_figure)
trend_figure = plotly_checked(charts.trend_figure)
dossier_months_figure = plotly_checked(charts.dossier_months_figure)

AREAS = [
    {
        "code": "PAR.1",
        "title": "Chỉ đạo, điều hành",
        "points": D("9"),
        "applicable_max": D("10"),
        "percent": D("90"),
        "group_mean": D("75.5"),
        "group_best": D("100"),
        "group_units": 3,
    },
    {
        "code": "PAR.2",
        "title": "Văn bản QPPL",
        "points": D("5"),
        "applicable_max": D("10"),
        "percent": None,
        "group_mean": D("60"),
        "group_best": D("80"),
        "group_units": 3,
    },
]


def _history(unit_id, name, year, value, predecessor=False, rank=1, group_size=3):
    return {
        "unit_id": unit_id,
        "name": name,
        "code": name,
        "year": year,
        "value": value,
        "rank": rank,
        "group_size": group_size,
        "predecessor": predecessor,
    }


def test_areas_are_bars_of_the_unit_the_group_mean_and_the_group_best():
    with translation.override("en"):
        figure = areas_figure(areas=AREAS, unit_name="Huyện B")
    assert [trace.name for trace in figure.data] == ["Huyện B", "Group mean", "Group best"]
    assert all(trace.orientation == "h" and list(trace.y) == ["PAR.1", "PAR.2"] for trace in figure.data)
    assert [list(trace.x) for trace in figure.data] == [[90.0, None], [75.5, 60.0], [100.0, 80.0]]
    assert figure.layout.barmode == "group" and tuple(figure.layout.xaxis.range) == (0, 100)
    assert figure.data[0].customdata[0] == "Chỉ đạo, điều hành"  # the title, for hovering


def test_the_areas_chart_grows_with_the_number_of_areas():
    small, big = (areas_figure(areas=areas, unit_name="B") for areas in (AREAS, AREAS * 5))
    assert big.layout.height > small.layout.height


def test_the_trend_draws_predecessors_dashed_and_named_as_such():
    history = [
        _history(7, "Huyện M", 2022, D("77.5"), predecessor=True),
        _history(5, "Huyện B", 2023, D("70")),
        _history(8, "Huyện N", 2023, D("80"), predecessor=True),
        _history(5, "Huyện B", 2024, None, rank=None),
    ]
    with translation.override("en"):
        figure = trend_figure(history=history, unit_id=5, value_label="PAR Index")
    by_name = {trace.name: trace for trace in figure.data}
    assert set(by_name) == {"Huyện B", "Huyện M (predecessor)", "Huyện N (predecessor)"}
    own = by_name["Huyện B"]
    assert own.line.dash is None and list(own.x) == ["2023", "2024"] and list(own.y) == [70.0, None]
    assert list(own.customdata) == ["1/3", "—"]
    assert by_name["Huyện M (predecessor)"].line.dash == "dash"
    assert figure.layout.xaxis.categoryorder == "category ascending"  # 2022 first although B is drawn first


def test_dossier_months_are_two_lines_with_gaps_for_empty_months():
    months = [
        {"month": 202403, "overdue_rate": D("25"), "online_rate": D("12.5")},
        {"month": 202404, "overdue_rate": None, "online_rate": None},
    ]
    with translation.override("en"):
        figure = dossier_months_figure(months=months)
    assert [trace.name for trace in figure.data] == ["Overdue rate", "Online submission rate"]
    assert list(figure.data[0].x) == ["03/2024", "04/2024"]
    assert list(figure.data[0].y) == [25.0, None] and list(figure.data[1].y) == [12.5, None]
    assert month_label(202412) == "12/2024"


def test_a_chart_in_vietnamese_has_a_decimal_comma():
    with translation.override("vi"):
        context = chart(areas_figure(areas=AREAS, unit_name="B"), chart_id="scorecard-areas", label="x")
    assert context.figure["layout"]["separators"] == ",."
    assert context.data_id == "scorecard-areas-data"


def test_the_months_composed_from_predecessors_are_shaded_and_named():
    months = [
        {"month": 202505, "overdue_rate": D("25"), "online_rate": D("25"), "composed": True},
        {"month": 202506, "overdue_rate": D("100"), "online_rate": D("0"), "composed": True},
        {"month": 202507, "overdue_rate": D("0"), "online_rate": D("100"), "composed": False},
    ]
    with translation.override("vi"):
        figure = dossier_months_figure(months=months)
    (shade,) = figure.layout.shapes
    assert (shade.x0, shade.x1) == (-0.5, 1.5)
    assert figure.layout.annotations[0].text == "ghép từ số liệu của các đơn vị tiền thân"
    assert not dossier_months_figure(months=months[2:]).layout.shapes


def test_the_unit_is_its_own_neutral_blue_not_red_and_green_is_only_the_best():
    figure = areas_figure(areas=AREAS, unit_name="Huyện B")
    assert [trace.marker.color for trace in figure.data] == [OWN_COLOUR, GROUP_MEAN_COLOUR, BEST_COLOUR]
    assert OWN_COLOUR != BAD_COLOUR
    assert figure.layout.xaxis.rangemode == "tozero" and tuple(figure.layout.xaxis.range) == (0, 100)


def test_the_trend_axis_starts_at_zero_whatever_the_values():
    history = [_history(5, "Huyện B", 2023, D("84")), _history(5, "Huyện B", 2024, D("92"))]
    figure = trend_figure(history=history, unit_id=5, value_label="PAR Index")
    assert figure.layout.yaxis.rangemode == "tozero" and figure.layout.yaxis.ticksuffix == " %"
    assert figure.data[0].line.color == OWN_COLOUR
    with translation.override("en"):
        lower = trend_figure(history=history, unit_id=5, value_label="766 overdue", lower_is_better=True)
    assert lower.layout.yaxis.title.text == "766 overdue (lower is better)"


def test_the_trend_shows_the_years_bands_as_stripes_named_in_the_legend():
    bands = [
        {"name": "Xuất sắc", "min_value": D(90), "max_value": None},
        {"name": "Tốt", "min_value": D(80), "max_value": D(90)},
        {"name": "Yếu", "min_value": None, "max_value": D(80)},
    ]
    history = [_history(5, "Huyện B", 2024, D("84"))]
    with translation.override("en"):
        figure = chart(
            trend_figure(history=history, unit_id=5, value_label="PAR Index", bands=bands), chart_id="t", label="l"
        ).figure
    stripes = figure["layout"]["shapes"]
    assert [(s["name"], s["y0"], s["y1"], s["fillcolor"], s["showlegend"]) for s in stripes] == [
        ("Excellent (≥ 90)", 90, 100, BAND_COLOURS[0], True),
        ("Good (80–<90)", 80, 90, BAND_COLOURS[1], True),
        ("Weak (< 80)", 0, 80, BAND_COLOURS[2], True),
    ]
    assert all(s["layer"] == "below" for s in stripes)
    assert not trend_figure(history=history, unit_id=5, value_label="PAR Index").layout.shapes


def test_the_overdue_rate_is_red_and_says_lower_is_better_on_an_axis_from_zero():
    months = [{"month": 202403, "overdue_rate": D("25"), "online_rate": D("12.5")}]
    with translation.override("vi"):
        figure = dossier_months_figure(months=months, lower_is_better=["overdue_rate"])
    overdue, online = figure.data
    assert (overdue.name, overdue.line.color) == ("Tỷ lệ trễ hạn (càng thấp càng tốt)", BAD_COLOUR)
    assert online.name == "Tỷ lệ nộp trực tuyến" and online.line.color != BAD_COLOUR
    assert figure.layout.yaxis.rangemode == "tozero" and tuple(figure.layout.yaxis.range) == (0, 100)


def test_the_month_in_progress_is_hollow_on_both_lines_and_noted():
    months = [
        {"month": 202611, "overdue_rate": D("5"), "online_rate": D("50")},
        {"month": 202612, "overdue_rate": D("1"), "online_rate": D("40")},
    ]
    with translation.override("en"):
        figure = dossier_months_figure(months=months, current_month=202612)
    assert [list(trace.marker.symbol) for trace in figure.data] == [["circle", "circle-open"]] * 2
    assert [(note.x, note.text) for note in figure.layout.annotations] == [("12/2026", "month to date")]
    assert not dossier_months_figure(months=months[:1], current_month=202612).layout.annotations
