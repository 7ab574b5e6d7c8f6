"""reformdash.lib.maps.unit_map_figure: a pure builder, tested without a database."""

from decimal import Decimal as D

from django.utils import translation

from reformdash.lib.charts import BAND_COLOURS
from reformdash.lib.maps import SIZE_MAX, SIZE_MIN, SIZE_PLAIN, unit_map_figure


def point(name, value, *, band=None, population=None, area=None, latitude="15.5", rank=1):
    return {
        "name": name,
        "latitude": D(latitude),
        "longitude": D("108.4"),
        "value": value,
        "rank": rank if value is not None else None,
        "group_size": 3,
        "band": band,
        "population": population,
        "area_km2": area,
        "link": f"/units/{name}/",
    }


BANDS = [{"name": "A", "min_value": D(90), "max_value": None}, {"name": "B", "min_value": D(80), "max_value": D(90)}]


def test_one_legend_entry_per_band_shown_naming_its_range_and_a_ring_for_no_data():
    with translation.override("en"):
        figure = unit_map_figure(
            points=[point("X", D("91"), band="A"), point("Y", None)], bands=BANDS, value_label="Value (%)"
        )
    assert [(trace.name, trace.marker.symbol) for trace in figure.data] == [
        ("A (≥ 90)", None),
        ("B (80–<90)", None),  # no dot, but the legend is the key to every band
        ("No data", "circle-open"),
    ]
    assert list(figure.data[1].x) == [None] and figure.data[1].marker.color == BAND_COLOURS[1]
    assert figure.data[0].marker.color == BAND_COLOURS[0]
    assert list(figure.data[2].customdata[0]) == ["Y", "No data", "Not ranked", "/units/Y/"]
    assert figure.layout.meta == {"link_field": 3}


def test_values_are_written_the_vietnamese_way():
    with translation.override("vi"):
        figure = unit_map_figure(points=[point("X", D("78.4412"))], value_label="Giá trị (%)")
    assert list(figure.data[0].customdata[0])[1:3] == ["78,44 %", "Hạng 1/3"]


def test_dots_are_sized_by_population_only_when_every_unit_has_one():
    sized = unit_map_figure(
        points=[point("X", D(1), population=100), point("Y", D(2), population=400)], value_label="v"
    )
    assert list(sized.data[0].marker.size) == [SIZE_MIN, SIZE_MAX]
    by_area = unit_map_figure(
        points=[point("X", D(1), population=100, area=D(4)), point("Y", D(2), area=D(16))], value_label="v"
    )
    assert list(by_area.data[0].marker.size) == [SIZE_MIN, SIZE_MAX]
    plain = unit_map_figure(points=[point("X", D(1), population=100), point("Y", D(2))], value_label="v")
    assert list(plain.data[0].marker.size) == [SIZE_PLAIN, SIZE_PLAIN]


def test_lower_is_better_turns_the_scale_around_and_says_so():
    with translation.override("vi"):
        figure = unit_map_figure(points=[point("X", D(1))], value_label="Tỷ lệ (%)", higher_is_better=False)
    assert figure.data[0].marker.colorscale[0][1] == BAND_COLOURS[0]
    assert figure.data[0].marker.colorbar.title.text == "Tỷ lệ (%) (càng thấp càng tốt)"


def test_the_standard_band_names_are_translated_and_every_band_has_its_palette_colour():
    bands = [
        {"name": name, "min_value": D(low), "max_value": None if high is None else D(high)}
        for name, low, high in (("Xuất sắc", 90, None), ("Tốt", 80, 90), ("Khá", 70, 80), ("Trung bình", 50, 70))
    ] + [{"name": "Yếu", "min_value": None, "max_value": D("50.5")}]
    points = [point(band["name"], D(95 - 10 * i), band=band["name"]) for i, band in enumerate(bands)]
    with translation.override("en"):
        figure = unit_map_figure(points=points, bands=bands, value_label="v")
    assert [trace.name for trace in figure.data] == [
        "Excellent (≥ 90)",
        "Good (80–<90)",
        "Fair (70–<80)",
        "Average (50–<70)",
        "Weak (< 50.50)",
    ]
    assert [trace.marker.color for trace in figure.data] == list(BAND_COLOURS)
    with translation.override("vi"):
        figure = unit_map_figure(points=points, bands=bands, value_label="v")
    assert [trace.name for trace in figure.data][3:] == ["Trung bình (50–<70)", "Yếu (< 50,50)"]


def placed(name, latitude, longitude):
    return {**point(name, D(80)), "latitude": D(latitude), "longitude": D(longitude)}


def test_a_far_off_unit_is_left_out_of_the_frame_and_named_so_the_rest_is_not_shrunk():
    # Đà Nẵng's communes lie within about a degree; Đặc khu Hoàng Sa is 4 degrees out at sea.
    coast = [placed(f"Xã {i}", f"{15.5 + i * 0.1:.1f}", f"{108.0 + i * 0.05:.2f}") for i in range(8)]
    figure = unit_map_figure(points=[*coast, placed("Đặc khu Hoàng Sa", "16.568", "112.135")], value_label="PAR")
    x_range, y_range = figure.layout.xaxis.range, figure.layout.yaxis.range
    assert x_range[0] < 108.0 and 108.35 < x_range[1] < 109 and y_range[0] < 15.5 and 16.2 < y_range[1] < 16.5
    with translation.override("en"):
        figure = unit_map_figure(points=[*coast, placed("Đặc khu Hoàng Sa", "16.568", "112.135")], value_label="PAR")
    assert [note.text for note in figure.layout.annotations] == [
        "Outside the frame: Đặc khu Hoàng Sa (zoom out to see)"
    ]
    # Still drawn: zooming out shows it.
    assert "Đặc khu Hoàng Sa" in [entry[0] for trace in figure.data for entry in trace.customdata]


def test_a_group_without_a_far_off_unit_lets_plotly_frame_every_dot():
    coast = [placed(f"Xã {i}", f"{15.5 + i * 0.1:.1f}", f"{108.0 + i * 0.05:.2f}") for i in range(8)]
    figure = unit_map_figure(points=coast, value_label="PAR")
    assert figure.layout.xaxis.range is None and not figure.layout.annotations
