"""Charts of a unit's scorecard: pure functions, rows of indicators.scorecard in, a figure out as
plain data (reformdash.lib.charts.figure_data: a card not yet kept builds three, and Plotly's
validating build of them was a quarter of its CPU; no ORM). Numbers are floats for Plotly; the
decimal mark is set by reformdash.lib.charts."""

from django.utils.translation import gettext as _

from reformdash.lib.charts import (
    BAD_COLOUR,
    BEST_COLOUR,
    GROUP_MEAN_COLOUR,
    OWN_COLOUR,
    TARGET_COLOUR,
    VALUE_COLOUR,
    band_colour,
    band_legend,
    direction_title,
    figure_data,
    hrect,
    mark_month_to_date,
    trace,
    vrect,
    vrect_note,
    zero_axis,
)

COMPOSED_SHADE = "rgba(91, 103, 117, 0.12)"
PREDECESSOR_COLOURS = ("#5b6775", "#b07a12", "#6b4fa0", "#2a8a8a")
# Phones are narrow: the legend goes under the plot, not beside it.
LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.15, "xanchor": "left", "x": 0}


def _number(value):
    return None if value is None else float(value)


def month_label(month):
    """202407 → "07/2024", as months are written in Vietnamese decisions."""
    year, number = divmod(month, 100)
    return f"{number:02d}/{year}"


def areas_figure(*, areas, unit_name):
    """Horizontal grouped bars per area, the first area on top: the unit's %, its group's mean and
    its group's best. `areas`: rows of indicators.scorecard.area_comparison. The unit in the neutral
    highlight of its own, the best in green: colours that judge say only what they mean."""
    codes = [row["code"] for row in areas]
    titles = [row["title"] for row in areas]
    traces = (
        (unit_name, "percent", OWN_COLOUR),
        (_("Group mean"), "group_mean", GROUP_MEAN_COLOUR),
        (_("Group best"), "group_best", BEST_COLOUR),
    )
    return figure_data(
        [
            trace(
                "bar",
                y=codes,
                x=[_number(row[key]) for row in areas],
                name=str(name),
                orientation="h",
                marker={"color": colour},
                customdata=titles,
                hovertemplate="%{y} %{customdata}<br>%{x:.2f} %<extra>" + str(name) + "</extra>",
            )
            for name, key, colour in traces
            # The group's figures are withheld from a reader of part of a small group: no empty trace.
            if any(row[key] is not None for row in areas)
        ],
        barmode="group",
        height=max(320, 120 + 60 * len(areas)),
        margin={"l": 64, "r": 16, "t": 16, "b": 48},
        xaxis=zero_axis(_("Share of the applicable maximum"), range=[0, 100]),
        yaxis={"type": "category", "autorange": "reversed"},
        legend=LEGEND_BELOW,
        # Even alone (the group's figures withheld), the bars say whose they are.
        showlegend=True,
        plot_bgcolor="#fff",
    )


def trend_figure(*, history, unit_id, value_label, lower_is_better=False, percent=True, bands=(), targets=None):
    """One line per unit over the years: the unit's own values solid, each predecessor's dashed and
    named as such, since a predecessor's value is not directly comparable. `history`: rows of
    indicators.scorecard.lineage_history; a year without a value is a gap. The value axis starts
    at zero (reformdash.lib.charts.zero_axis): 84 then 88 is a small step, not a doubling.
    bands: the bands of the chosen year ({"name", "min_value", "max_value"}, best first), drawn as
    pale stripes behind the lines in their palette colours, each named with its range in the
    legend: where the unit's values fall among them is its band. targets: {year: the unit's target
    value}, drawn as a dotted line named "Mục tiêu" (the years without one are gaps)."""
    series = {}
    for row in history:
        series.setdefault(row["unit_id"], []).append(row)
    traces = []
    predecessor_number = 0
    for series_unit_id, rows in series.items():
        own = series_unit_id == unit_id
        if own:
            name, line = rows[0]["name"], {"color": OWN_COLOUR, "width": 3}
        else:
            colour = PREDECESSOR_COLOURS[predecessor_number % len(PREDECESSOR_COLOURS)]
            predecessor_number += 1
            name = _("%(name)s (predecessor)") % {"name": rows[0]["name"]}
            line = {"color": colour, "width": 2, "dash": "dash"}
        ranks = [f"{row['rank']}/{row['group_size']}" if row["rank"] else "—" for row in rows]
        traces.append(
            trace(
                "scatter",
                x=[str(row["year"]) for row in rows],
                y=[_number(row["value"]) for row in rows],
                customdata=ranks,
                name=name,
                mode="lines+markers",
                line=line,
                connectgaps=False,
                hovertemplate="%{x}: %{y:.2f}<br>" + _("rank") + " %{customdata}<extra>" + name + "</extra>",
            )
        )
    if targets:
        years = sorted({str(row["year"]) for row in history} | {str(year) for year in targets})
        traces.append(
            trace(
                "scatter",
                x=years,
                y=[_number(targets.get(int(year))) for year in years],
                name=_("Target"),
                mode="lines+markers",
                line={"color": TARGET_COLOUR, "width": 2, "dash": "dot"},
                marker={"symbol": "line-ew-open", "size": 12},
                connectgaps=False,
                hovertemplate="%{x}: %{y:.2f}<extra>" + _("Target") + "</extra>",
            )
        )
    stripes = _band_stripes(bands, history=history, percent=percent)
    return figure_data(
        traces,
        **({"shapes": stripes} if stripes else {}),
        margin={"l": 48, "r": 16, "t": 16, "b": 40},
        # Categories in year order, whichever series names a year first.
        xaxis={"type": "category", "categoryorder": "category ascending", "title": {"text": _("Year")}},
        yaxis=zero_axis(value_label, percent=percent, lower_is_better=lower_is_better),
        legend=LEGEND_BELOW,
        showlegend=True,
        hovermode="closest",
        plot_bgcolor="#fff",
    )


def _band_stripes(bands, *, history, percent):
    """A stripe per band across the plot (shapes); an open band ends at zero below and, above, at
    100 % (or the highest value or bound of an index in points)."""
    if not bands:
        return []
    bounds = [float(band[key]) for band in bands for key in ("min_value", "max_value") if band[key] is not None]
    values = [float(row["value"]) for row in history if row["value"] is not None]
    top = 100 if percent else max(bounds + values)
    return [
        hrect(
            y0=0 if band["min_value"] is None else float(band["min_value"]),
            y1=top if band["max_value"] is None else float(band["max_value"]),
            fillcolor=band_colour(position),
            opacity=0.12,
            layer="below",
            name=band_legend(band),
            showlegend=True,
        )
        for position, band in enumerate(bands)
    ]


def dossier_months_figure(*, months, lower_is_better=(), current_month=None):
    """The overdue rate and the online submission rate per month, in %. `months`: rows of
    dossiers.selectors.monthly_rates or lineage_monthly_rates; a month with nothing to divide by is
    a gap, not a zero, and the months composed from predecessors' counts are shaded and named.
    lower_is_better: the keys of those measures (dossiers.measures, which this layer may not
    import) whose legend entry says lower is better; the overdue rate is red, the colour of bad.
    When the last row is `current_month` (yyyymm, the month in progress), its points are hollow
    and noted "month to date"."""
    labels = [month_label(row["month"]) for row in months]
    lines = (
        (_("Overdue rate"), "overdue_rate", BAD_COLOUR, "solid"),
        (_("Online submission rate"), "online_rate", VALUE_COLOUR, "dot"),
    )
    lines = [
        (direction_title(name) if key in lower_is_better else name, key, colour, dash)
        for name, key, colour, dash in lines
    ]
    # The months counted from the predecessors' dossiers (rows marked `composed`) are shaded and
    # named: the series continues, and the reader sees where the unit's own figures begin.
    composed = [i for i, row in enumerate(months) if row.get("composed")]
    shaded = {}
    if composed:
        x0 = composed[0] - 0.5
        shaded = {
            "shapes": [vrect(x0=x0, x1=composed[-1] + 0.5, fillcolor=COMPOSED_SHADE, layer="below")],
            "annotations": [vrect_note(x0=x0, text=_("composed from the figures of its predecessors"))],
        }
    figure = figure_data(
        [
            trace(
                "scatter",
                x=labels,
                y=[_number(row[key]) for row in months],
                name=str(name),
                mode="lines+markers",
                line={"color": colour, "width": 2, "dash": dash},
                connectgaps=False,
                hovertemplate="%{x}: %{y:.2f} %<extra>" + str(name) + "</extra>",
            )
            for name, key, colour, dash in lines
        ],
        **shaded,
        margin={"l": 48, "r": 16, "t": 16, "b": 40},
        xaxis={"type": "category", "title": {"text": _("Month")}},
        yaxis=zero_axis(_("Rate"), range=[0, 100]),
        legend=LEGEND_BELOW,
        hovermode="x",
        plot_bgcolor="#fff",
    )
    if months and months[-1]["month"] == current_month:
        mark_month_to_date(figure, x=labels[-1], points=len(months))
    return figure
