"""The map of a group: each unit a dot at its centroid, coloured by band or by value.

A pure builder (data in, a plotly Figure out, no ORM), shared by the rankings and the dossier
pages. Drawn as a plain `scatter` on longitude/latitude axes, not as Plotly's `scattergeo`: a geo
base map makes plotly.js fetch its topojson from a CDN unless a file is served for it, and the
world topojson Plotly ships has no Vietnamese province or commune outline to gain from it. With
plain axes nothing is fetched at all; the y axis is tied to the x axis (scaleanchor) with the
ratio 1/cos(latitude), so that a degree of longitude is drawn as long as it is on the ground.
No outline is drawn: reformdash holds none (docs/user-guide.md, "The map").
"""

import math

import plotly.graph_objects as go
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from reformdash.lib.charts import (
    BAD_COLOUR,
    BAND_COLOURS,
    NO_BAND_COLOUR,
    band_colour,
    band_legend,
    direction_title,
    legend_entry,
)

NO_DATA_COLOUR = "#8a949e"
# From worst to best: a continuous scale for values when the index has no bands, in the colours
# of the worst and the best band.
VALUE_SCALE = [[0, BAD_COLOUR], [0.5, "#e8c547"], [1, BAND_COLOURS[0]]]
SIZE_MIN, SIZE_MAX, SIZE_PLAIN = 9, 30, 13
# What counts as far off (_framed): distances in degrees from the group's median place.
OUTLIER_FACTOR, OUTLIER_MIN_DEGREES, OUTLIER_MIN_POINTS = 6, 1.0, 5
# customdata's fields, and the one charts.js opens on a click (layout.meta.link_field).
NAME, VALUE, RANK, LINK = range(4)


def unit_map_figure(*, points, bands=(), value_label, higher_is_better=True):
    """One dot per unit of `points` (those with coordinates):

    points: [{"name", "latitude", "longitude", "value" (Decimal or None), "rank" (int or None),
    "group_size", "band" (a band name or None), "population", "area_km2", "link" ("" when the
    reader may not open the unit)}]. bands: the index's bands, best first ({"name", "min_value",
    "max_value"}); with bands, one legend entry per band (every band, dots or not) naming its
    range, in the colours of reformdash.lib.charts, otherwise the dots are coloured by value on a
    scale with its bar (worst to best in the index's direction, which its title states when lower
    is better). A unit without a value is a hollow grey ring of its own legend entry ("No data").
    Dots are sized by population where every dot has one, else by area where every dot has one,
    else all alike: sizes from two sources would not compare."""
    value_label = str(value_label)
    sizes = _sizes(points)
    scored = [(point, size) for point, size in zip(points, sizes, strict=True) if point["value"] is not None]
    unscored = [(point, size) for point, size in zip(points, sizes, strict=True) if point["value"] is None]
    figure = go.Figure()
    band_names = [band["name"] for band in bands]
    if band_names:
        for position, band in enumerate(bands):
            members = [entry for entry in scored if entry[0]["band"] == band["name"]]
            marker = {"color": band_colour(position), "line": {"color": "#fff", "width": 1}}
            _add(figure, members, name=band_legend(band), marker=marker, always=True)
        unbanded = [entry for entry in scored if entry[0]["band"] not in band_names]
        _add(
            figure, unbanded, name=_("No band"), marker={"color": NO_BAND_COLOUR, "line": {"color": "#fff", "width": 1}}
        )
    elif scored:
        values = [float(point["value"]) for point, _size in scored]
        scale = (
            VALUE_SCALE
            if higher_is_better
            else [[0, VALUE_SCALE[2][1]], [0.5, VALUE_SCALE[1][1]], [1, VALUE_SCALE[0][1]]]
        )
        _add(
            figure,
            scored,
            name=value_label,
            marker={
                "color": values,
                "colorscale": scale,
                "showscale": True,
                "colorbar": {
                    "title": {"text": value_label if higher_is_better else direction_title(value_label)},
                    "thickness": 12,
                    "ticksuffix": " %",
                },
                "line": {"color": "#fff", "width": 1},
            },
            showlegend=False,
        )
    _add(
        figure,
        unscored,
        name=_("No data"),
        # An open symbol is drawn in marker.color: a grey ring, unlike any band's filled dot.
        marker={"color": NO_DATA_COLOUR, "symbol": "circle-open", "line": {"width": 2.5}},
    )
    framed, outside = _framed(points)
    latitudes = [float(point["latitude"]) for point in framed]
    middle = (min(latitudes) + max(latitudes)) / 2 if latitudes else 0.0
    xaxis = {"visible": False, "constrain": "domain"}
    yaxis = {"visible": False}
    if outside:
        xaxis["range"], yaxis["range"] = _ranges(framed)
        names = ", ".join(point["name"] for point in outside)
        figure.add_annotation(
            text=_("Outside the frame: %(names)s (zoom out to see)") % {"names": names},
            xref="paper",
            yref="paper",
            x=1,
            y=0,
            xanchor="right",
            yanchor="bottom",
            showarrow=False,
            font={"size": 11, "color": "#555"},
        )
    figure.update_layout(
        height=520,
        margin={"l": 8, "r": 8, "t": 36, "b": 8},
        xaxis=xaxis,
        # A degree of latitude is 1/cos(latitude) times as long as one of longitude, where we are.
        yaxis={
            **yaxis,
            "scaleanchor": "x",
            "scaleratio": 1 / math.cos(math.radians(middle)),
            "constrain": "domain",
        },
        # Above the plot: below it, a narrow screen's square plot leaves the legend far from the dots.
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        plot_bgcolor="#f4f6f8",
        hovermode="closest",
        meta={"link_field": LINK},
    )
    return figure


def _framed(points):
    """(the points the map frames, the far-off ones it leaves out of the frame). A dot farther from
    the group's median place than OUTLIER_FACTOR times the median dot's distance, and than
    OUTLIER_MIN_DEGREES, is far off: an island such as Đặc khu Hoàng Sa, 400 km out at sea, would
    otherwise shrink the 93 other communes of Đà Nẵng into one corner. Too few dots to tell: none."""
    if len(points) < OUTLIER_MIN_POINTS:
        return points, []
    longitudes = sorted(float(point["longitude"]) for point in points)
    latitudes = sorted(float(point["latitude"]) for point in points)
    centre = (longitudes[len(points) // 2], latitudes[len(points) // 2])

    def distance(point):
        return math.hypot(float(point["longitude"]) - centre[0], float(point["latitude"]) - centre[1])

    distances = sorted(distance(point) for point in points)
    limit = max(OUTLIER_FACTOR * distances[len(points) // 2], OUTLIER_MIN_DEGREES)
    framed = [point for point in points if distance(point) <= limit]
    return framed, [point for point in points if distance(point) > limit]


def _ranges(points):
    """The x and y ranges around `points`, with a margin so the edge dots are drawn whole."""
    longitudes = [float(point["longitude"]) for point in points]
    latitudes = [float(point["latitude"]) for point in points]
    margin = max(max(longitudes) - min(longitudes), max(latitudes) - min(latitudes), 0.1) * 0.08
    return (
        [min(longitudes) - margin, max(longitudes) + margin],
        [min(latitudes) - margin, max(latitudes) + margin],
    )


def _add(figure, entries, *, name, marker, showlegend=True, always=False):
    """One trace of `entries` ((point, size) pairs); a trace with no dot is left out, so the
    legend names only what the map shows, except a band's (`always`): every band of the index is
    in the legend, the key to the scale, whether or not a dot is in it."""
    if not entries:
        if always:
            figure.add_trace(legend_entry(go.Scatter, name=name, marker={**marker, "size": SIZE_PLAIN}))
        return
    points = [point for point, _size in entries]
    figure.add_trace(
        go.Scatter(
            x=[float(point["longitude"]) for point in points],
            y=[float(point["latitude"]) for point in points],
            mode="markers",
            name=name,
            showlegend=showlegend,
            marker={**marker, "size": [size for _point, size in entries], "opacity": 0.9},
            customdata=[[point["name"], _value_text(point), _rank_text(point), point["link"]] for point in points],
            # No <b>: plotly.js writes it as a style attribute, which our Content-Security-Policy refuses.
            hovertemplate=f"%{{customdata[{NAME}]}}<br>%{{customdata[{VALUE}]}}<br>%{{customdata[{RANK}]}}<extra></extra>",
        )
    )


def _value_text(point):
    if point["value"] is None:
        return str(_("No data"))
    return f"{number_format(point['value'], 2)} %"


def _rank_text(point):
    if point["rank"] is None:
        return str(_("Not ranked"))
    if point.get("group_size"):
        return _("Rank %(rank)d/%(size)d") % {"rank": point["rank"], "size": point["group_size"]}
    return _("Rank %(rank)d") % {"rank": point["rank"]}


def _sizes(points):
    """Dot diameters in pixels: by the square root of population or area (the dot's area then
    grows with it), spread between SIZE_MIN and SIZE_MAX; all SIZE_PLAIN without a measure for
    every dot."""
    for field in ("population", "area_km2"):
        measures = [point.get(field) for point in points]
        if points and all(measure for measure in measures):
            roots = [math.sqrt(float(measure)) for measure in measures]
            low, high = min(roots), max(roots)
            if high == low:
                return [SIZE_PLAIN for _root in roots]
            return [SIZE_MIN + (root - low) / (high - low) * (SIZE_MAX - SIZE_MIN) for root in roots]
    return [SIZE_PLAIN for _point in points]
