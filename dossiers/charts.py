"""Charts of the dossier pages: pure functions, data in, a figure out as plain data
(reformdash.lib.charts.figure_data; no ORM)."""

from django.utils.translation import gettext as _

from reformdash.lib.charts import BAD_COLOUR, VALUE_COLOUR, figure_data, mark_month_to_date, trace, vrect, zero_axis

PERIOD_SHADE = "rgba(91, 103, 117, 0.12)"


def month_label(month):
    """202407 → "07/2024", as months are written in Vietnamese decisions."""
    year, number = divmod(month, 100)
    return f"{number:02d}/{year}"


def monthly_trend_figure(*, rows, measure, measure_label, highlight=(), lower_is_better=False, current_month=None):
    """A line of `measure` (in %) per month: rows as dossiers.selectors.monthly_rates gives them.
    When the last row is `current_month` (the month in progress, yyyymm) its point is hollow and
    noted "month to date" (reformdash.lib.charts.mark_month_to_date).
    A month without a rate (nothing to divide by) is a gap in the line, not a zero; the months of
    `highlight` (the period the page ranks) are shaded. The axis starts at zero; a measure where
    lower is better (the overdue rate) says so in its title and is drawn red, the colour of bad."""
    measure_label = str(measure_label)
    labels = [month_label(row["month"]) for row in rows]
    values = [None if row[measure] is None else float(row[measure]) for row in rows]
    received = [row["received"] for row in rows]
    positions = [i for i, row in enumerate(rows) if row["month"] in set(highlight)]
    shaded = {}
    if positions and len(positions) < len(rows):
        shaded["shapes"] = [vrect(x0=positions[0] - 0.5, x1=positions[-1] + 0.5, fillcolor=PERIOD_SHADE, layer="below")]
    figure = figure_data(
        [
            trace(
                "scatter",
                x=labels,
                y=values,
                customdata=received,
                mode="lines+markers",
                name=measure_label,
                line={"color": BAD_COLOUR if lower_is_better else VALUE_COLOUR, "width": 2},
                connectgaps=False,
                hovertemplate="%{x}: %{y:.2f} %<br>" + _("received") + ": %{customdata}<extra></extra>",
            )
        ],
        **shaded,
        margin={"l": 48, "r": 16, "t": 16, "b": 40},
        xaxis={"type": "category", "title": {"text": _("Month")}},
        yaxis=zero_axis(f"{measure_label} (%)", lower_is_better=lower_is_better),
        showlegend=False,
        hovermode="x",
        plot_bgcolor="#fff",
    )
    if rows and rows[-1]["month"] == current_month:
        mark_month_to_date(figure, x=labels[-1], points=len(rows))
    return figure
