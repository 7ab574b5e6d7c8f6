"""Charts of the rankings pages: pure functions, data in, a plotly Figure out (no ORM)."""

import plotly.graph_objects as go
from django.utils.formats import number_format
from django.utils.translation import gettext as _

BAR_COLOUR = "#a1141b"  # the brand colour of static/css/reformdash.css
MEAN_COLOUR = "#1d2733"
OTHER_COLOUR = "#c4cbd3"  # the other units of a group, unnamed, for a reader of part of it
ROW_HEIGHT = 26  # pixels per unit: a long group (the communes of a district) stays readable


def ranking_figure(*, bars, mean, value_label):
    """One horizontal bar per unit, the best placed at the top, and the group mean as a dashed
    vertical line across the plot.

    bars: [{"code", "name", "value"}] in rank order, values as Decimals (as
    indicators.selectors.ranking_chart_data gives them); mean: the whole group's mean
    (indicators.group_figures) or None; value_label:
    the axis title ("Value (%)"). Bars are keyed by unit code, labelled by name: two communes of
    the same name in different districts stay two bars."""
    value_label = str(value_label)
    codes = [bar["code"] for bar in bars]
    names = [bar["name"] for bar in bars]
    figure = go.Figure(
        go.Bar(
            x=[float(bar["value"]) for bar in bars],
            y=codes,
            customdata=names,
            orientation="h",
            marker={"color": BAR_COLOUR},
            name=value_label,
            hovertemplate="%{customdata}: %{x:.2f}<extra></extra>",
        )
    )
    if mean is not None:
        figure.add_vline(
            x=float(mean),
            line={"color": MEAN_COLOUR, "width": 2, "dash": "dash"},
            annotation_text=f"{_('Group mean')}: {number_format(mean, 2)}",
            annotation_position="top",
        )
    _layout(figure, count=len(bars), value_label=value_label, keys=codes, labels=names)
    return figure


def group_position_figure(*, values, mean, value_label):
    """The whole group as one horizontal bar per value, the best at the top, for a reader who sees
    part of it: his units in the brand colour and named, the others grey, unnamed and without a
    hover name; the group mean as a dashed line.

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
            marker={"color": [BAR_COLOUR if row["mine"] else OTHER_COLOUR for row in values]},
            name=value_label,
            hovertemplate="%{customdata}: %{x:.2f}<extra></extra>",
        )
    )
    if mean is not None:
        figure.add_vline(
            x=float(mean),
            line={"color": MEAN_COLOUR, "width": 2, "dash": "dash"},
            annotation_text=f"{_('Group mean')}: {number_format(mean, 2)}",
            annotation_position="top",
        )
    _layout(figure, count=len(values), value_label=value_label, keys=keys, labels=labels)
    return figure


def _layout(figure, *, count, value_label, keys, labels):
    figure.update_layout(
        height=max(240, 90 + ROW_HEIGHT * count),
        margin={"l": 16, "r": 16, "t": 32, "b": 40},
        xaxis={"title": {"text": value_label}, "rangemode": "tozero"},
        yaxis={"type": "category", "autorange": "reversed", "automargin": True, "tickvals": keys, "ticktext": labels},
        showlegend=False,
        plot_bgcolor="#fff",
        bargap=0.25,
    )
