"""Charts of the rankings pages: pure functions, data in, a plotly Figure out (no ORM).
Colours, the zero-based value axis and the band names come from reformdash.lib.charts."""

import plotly.graph_objects as go
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from reformdash.lib.charts import (
    GROUP_MEAN_COLOUR,
    MEAN_COLOUR,
    NO_BAND_COLOUR,
    OTHER_COLOUR,
    OWN_COLOUR,
    TARGET_COLOUR,
    VALUE_COLOUR,
    band_colour,
    band_legend,
    legend_entry,
    zero_axis,
)
from units.charts import PREDECESSOR_COLOURS

ROW_HEIGHT = 26  # pixels per unit: a long group (the communes of a district) stays readable
LEGEND_ROW = 20  # pixels per legend entry
# The band legend at the top of the chart, above the mean's label (a phone's width has no room
# beside the plot; below it, a long group's legend would be a screen away from the best bars).
LEGEND_ABOVE = {"orientation": "h", "yref": "container", "yanchor": "top", "y": 1.0, "xanchor": "left", "x": 0}


def ranking_figure(*, bars, mean, value_label, bands=(), lower_is_better=False, percent=True, target=None):
    """One horizontal bar per unit, the best placed at the top, coloured by its band with a legend
    naming every band of the index and its range, the empty ones too (one colour, no legend, for an
    index without bands), and the
    group mean as a dashed vertical line across the plot. The value axis starts at zero and says
    when lower is better.

    bars: [{"code", "name", "value", "band" (its name or None)}] in rank order, values as
    Decimals (as indicators.selectors.ranking_chart_data gives them); mean: the whole group's mean
    (indicators.group_figures) or None; value_label: the axis title ("Value (%)"); bands: the
    index's bands for the group, best first ({"name", "min_value", "max_value"}, as
    indicators.selectors.ranking_bands gives them). Bars are keyed by unit code, labelled by name:
    two communes of the same name in different districts stay two bars."""
    value_label = str(value_label)
    codes = [bar["code"] for bar in bars]
    names = [bar["name"] for bar in bars]
    figure = go.Figure()
    if bands:
        band_names = [band["name"] for band in bands]
        for position, band in enumerate(bands):
            members = [bar for bar in bars if bar["band"] == band["name"]]
            _add_bars(figure, members, band_legend(band), band_colour(position), always=True)
        _add_bars(figure, [bar for bar in bars if bar["band"] not in band_names], _("No band"), NO_BAND_COLOUR)
    else:
        _add_bars(figure, bars, value_label, VALUE_COLOUR)
    axis = zero_axis(value_label, percent=percent, lower_is_better=lower_is_better)
    _layout(figure, mean=mean, target=target, xaxis=axis, keys=codes, labels=names, legend=bool(bands))
    return figure


def _add_bars(figure, bars, name, colour, *, always=False):
    """One trace of `bars` under `name`. Without a bar, none, unless `always`: a band nobody is in
    still has its legend entry, for the legend is the key to the whole scale."""
    if not bars:
        if always:
            figure.add_trace(legend_entry(go.Bar, name=name, marker={"color": colour}))
        return
    figure.add_trace(
        go.Bar(
            x=[float(bar["value"]) for bar in bars],
            y=[bar["code"] for bar in bars],
            customdata=[bar["name"] for bar in bars],
            orientation="h",
            marker={"color": colour},
            name=name,
            hovertemplate="%{customdata}: %{x:.2f}<extra>" + name + "</extra>",
        )
    )


def group_position_figure(*, values, mean, value_label, lower_is_better=False, percent=True, target=None):
    """The whole group as one horizontal bar per value, the best at the top, for a reader who sees
    part of it: his units highlighted (a neutral blue: his own, not a judgement) and named, the
    others grey, unnamed and without a hover name; the group mean as a dashed line.

    values: indicators.group_figures.GroupFigures.distribution (best first; "name", "code" and
    "rank" only where "mine"). Bars are keyed by their place (1, 2, …), which says nothing the
    order of the values does not."""
    value_label = str(value_label)
    keys = [str(place) for place in range(1, len(values) + 1)]
    labels = [row["name"] if row["mine"] else "" for row in values]
    figure = go.Figure(
        go.Bar(
            x=[float(row["value"]) for row in values],
            y=keys,
            customdata=[
                f"{row['name']} ({row['rank']}/{row['of']})" if row["mine"] else _("Another unit") for row in values
            ],
            orientation="h",
            marker={"color": [OWN_COLOUR if row["mine"] else OTHER_COLOUR for row in values]},
            name=value_label,
            hovertemplate="%{customdata}: %{x:.2f}<extra></extra>",
        )
    )
    axis = zero_axis(value_label, percent=percent, lower_is_better=lower_is_better)
    _layout(figure, mean=mean, target=target, xaxis=axis, keys=keys, labels=labels, legend=False)
    return figure


def _layout(figure, *, mean, xaxis, keys, labels, legend, target=None):
    """The group mean as a labelled dashed line, the group's target value (indicators.targets.
    group_target) as a labelled dotted one, the value axis, and one row per key in rank order."""
    if target is not None:
        figure.add_vline(
            x=float(target),
            line={"color": TARGET_COLOUR, "width": 2, "dash": "dot"},
            annotation_text=f"{_('Target')}: {number_format(target, 2)}",
            # Inside the plot, left of the line, just above the value axis: clear of the mean's label at
            # the top, and not right of the line, where Plotly would widen the axis to fit it.
            annotation_position="bottom left",
            annotation={"yshift": 14, "bgcolor": "rgba(255, 255, 255, 0.85)", "font": {"color": TARGET_COLOUR}},
        )
    if mean is not None:
        figure.add_vline(
            x=float(mean),
            line={"color": MEAN_COLOUR, "width": 2, "dash": "dash"},
            annotation_text=f"{_('Group mean')}: {number_format(mean, 2)}",
            annotation_position="top",
        )
    figure.update_layout(
        # A phone's width puts each legend entry on a row of its own, which plotly.js takes from
        # the plot's height: that much more, so the bars keep theirs (on a wide screen, taller bars).
        height=max(240, 90 + ROW_HEIGHT * len(keys)) + (LEGEND_ROW * len(figure.data) if legend else 0),
        margin={"l": 16, "r": 16, "t": 72 if legend else 32, "b": 40},
        xaxis=xaxis,
        # The categories in rank order whichever band's trace names them first.
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": keys,
            "autorange": "reversed",
            "automargin": True,
            "tickvals": keys,
            "ticktext": labels,
        },
        # One bar per category: the bands' traces share the bar's full height instead of side by side.
        barmode="overlay",
        showlegend=legend,
        legend=LEGEND_ABOVE,
        plot_bgcolor="#fff",
        bargap=0.25,
    )


# The overview's trend: a line per unit and the group's mean, a hollow marker where a figure is provisional.
OFFICIAL_MARKER, PROVISIONAL_MARKER = "circle", "circle-open"


def trend_against_mean_figure(*, series, means, value_label, mean_label, lower_is_better=False, percent=True):
    """The unit's value year by year (solid, its own colour), each predecessor's (dashed, named as
    not comparable) and its group's mean (dotted, dark), for the overview. A year without a value
    is a gap; a provisional figure (not yet official) has a hollow marker, named in the legend. The
    value axis starts at zero (reformdash.lib.charts.zero_axis).

    series, means: as indicators.selectors.overview_trend gives them; mean_label: the name of the
    unit's own group's mean ("National mean"), a predecessor's group being "Predecessors' group mean"."""
    value_label = str(value_label)
    figure = go.Figure()
    predecessor_number = 0
    for line in series:
        if line["predecessor"]:
            colour = PREDECESSOR_COLOURS[predecessor_number % len(PREDECESSOR_COLOURS)]
            predecessor_number += 1
            # With its code: the predecessors of a merger of two provinces often share a name (Sở Tư
            # pháp). "Not comparable" is said above the charts: here it would not fit a phone's legend.
            name = _("%(name)s (%(code)s, predecessor)") % {"name": line["name"], "code": line["code"]}
            style = {"color": colour, "width": 2, "dash": "dash"}
        else:
            name, style = line["name"], {"color": OWN_COLOUR, "width": 3}
        _add_trend(figure, line["points"], name=name, line=style, ranks=True)
    for line in means:
        if line["own"]:
            name, colour = str(mean_label), MEAN_COLOUR
        else:
            name, colour = _("Mean of the group of %(code)s") % {"code": line["unit_code"]}, GROUP_MEAN_COLOUR
        _add_trend(figure, line["points"], name=name, line={"color": colour, "width": 2, "dash": "dot"})
    if any(point["provisional"] for line in [*series, *means] for point in line["points"]):
        figure.add_trace(
            legend_entry(
                go.Scatter,
                name=_("Provisional (hollow marker)"),
                marker={"color": MEAN_COLOUR, "symbol": PROVISIONAL_MARKER, "size": 9},
            )
        )
    figure.update_layout(
        # Room for the plot and for the legend under it, one row per line on a phone.
        height=220 + LEGEND_ROW * len(figure.data),
        margin={"l": 48, "r": 16, "t": 16, "b": 40},
        # Categories in year order, whichever line names a year first.
        # No axis title: the ticks are years, and the legend under them needs the room.
        xaxis={"type": "category", "categoryorder": "category ascending"},
        yaxis=zero_axis(value_label, percent=percent, lower_is_better=lower_is_better),
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "xanchor": "left", "x": 0},
        showlegend=True,
        hovermode="closest",
        plot_bgcolor="#fff",
    )
    return figure


def _add_trend(figure, points, *, name, line, ranks=False):
    states = [_("provisional") if point["provisional"] else _("official") for point in points]
    if ranks:
        states = [
            f"{state}, {_('rank')} {point['rank']}/{point['of']}" if point.get("rank") else state
            for state, point in zip(states, points, strict=True)
        ]
    figure.add_trace(
        go.Scatter(
            x=[str(point["year"]) for point in points],
            y=[None if point["value"] is None else float(point["value"]) for point in points],
            customdata=states,
            name=name,
            mode="lines+markers",
            line=line,
            marker={
                "size": 9,
                "color": line["color"],
                "symbol": [PROVISIONAL_MARKER if point["provisional"] else OFFICIAL_MARKER for point in points],
            },
            connectgaps=False,
            hovertemplate="%{x}: %{y:.2f} (%{customdata})<extra>" + name + "</extra>",
        )
    )
