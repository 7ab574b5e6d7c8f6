"""What every page's charts share: the figure as template data, and the number separators.

Chart builders (the `charts.py` module of each app) are pure functions: data in, a figure out, no
ORM inside. The figure is a plotly.graph_objects.Figure, or the same figure as plain data
(`figure_data`, its shapes and notes below) where Plotly's building of it costs a page too much.
A view passes the figure through `chart()` to the template, which includes
partials/_chart.html; static/js/charts.js draws it with Plotly, served from our own static files.
`cached_chart()` does the same, once per distinct data.
"""

import functools
import hashlib
import json
import re
from dataclasses import dataclass

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.template.defaultfilters import floatformat
from django.utils.html import format_html, json_script
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, gettext_noop

from reformdash.lib.cache import cached

# --- The palette: what a colour means is the same on every chart and map -----------------------
OWN_COLOUR = "#1f5fa8"  # the reader's own unit: a neutral highlight, neither good nor bad
OTHER_COLOUR = "#c4cbd3"  # the other units of a group, unnamed, for a reader of part of it
VALUE_COLOUR = "#5b6775"  # bars that judge nothing by their colour (an index without bands)
MEAN_COLOUR = "#1d2733"
GROUP_MEAN_COLOUR = "#8a96a3"  # the group's mean as bars beside the unit's own
BEST_COLOUR = "#11703a"  # the best of a group, and only that
BAD_COLOUR = "#b42318"  # what is bad in itself: overdue
TARGET_COLOUR = "#d6336c"  # a target line: set apart from bands, units and means
# One colour per band position, best first: green to red through yellow, none of them the own
# unit's blue. A sixth and later band reuses the last.
BAND_COLOURS = ("#1a7f37", "#76a83b", "#d4a017", "#e07b00", "#b42318")
NO_BAND_COLOUR = "#5b6570"

# Bands are data (indicators.models.Band.name, as the province's decision writes them). The
# standard Vietnamese classifications are named in English on the English pages; any other name
# (A, B, a province's own) is shown as written.
STANDARD_BAND_NAMES = {
    "Xuất sắc": gettext_noop("Excellent"),
    "Tốt": gettext_noop("Good"),
    "Khá": gettext_noop("Fair"),
    "Trung bình": gettext_noop("Average"),
    "Yếu": gettext_noop("Weak"),
}


def band_colour(position):
    """The colour of the band at `position` (0 = the best) among its index's bands."""
    return BAND_COLOURS[min(position, len(BAND_COLOURS) - 1)]


def band_name(name):
    """A band's name in the page's language: the standard classifications translated, others as stored."""
    return gettext(STANDARD_BAND_NAMES[name]) if name in STANDARD_BAND_NAMES else name


def band_legend(band):
    """A band's legend entry: its name and the value range it stands for, so that a bare "B" says
    what it means. band: {"name", "min_value", "max_value"} (either bound may be None)."""
    low, high = (None if band.get(key) is None else floatformat(band[key], -2) for key in ("min_value", "max_value"))
    if low is not None and high is not None:
        span = f"{low}–<{high}"
    elif low is not None:
        span = f"≥ {low}"
    elif high is not None:
        span = f"< {high}"
    else:
        return band_name(band["name"])
    return f"{band_name(band['name'])} ({span})"


def legend_entry(trace, *, name, marker):
    """A legend entry with nothing drawn: plotly.js leaves a trace without data out of the legend,
    but keeps one whose only point is null. `trace`: the figure's trace class (go.Bar, go.Scatter),
    so the entry's symbol is that of the others."""
    return trace(x=[None], y=[None], name=name, marker=marker, showlegend=True, hoverinfo="skip")


# --- Axes and notes every chart states the same way --------------------------------------------


def zero_axis(title, *, percent=True, lower_is_better=False, **options):
    """A value axis that starts at zero, for bars and trend lines alike: a bar or a line drawn
    from a cut axis makes 84 look like half of 92. Percentages carry their sign; an index where
    lower is better (an overdue rate) says so in the axis title, in the page's language."""
    text = str(title)
    if lower_is_better:
        text = direction_title(text)
    axis = {"title": {"text": text}, "rangemode": "tozero", **options}
    if percent:
        axis["ticksuffix"] = " %"
    return axis


def direction_title(text):
    """`text` with the note that lower is better, for a title or a legend entry."""
    return f"{text} ({gettext('Lower is better').lower()})"


def mark_month_to_date(figure, *, x, points):
    """Mark the last of `points` per line of `figure` (figure_data), at category `x`, as the month
    in progress: a hollow, larger marker and the note "month to date" above it. Its counts are a
    few days' or weeks', not a month's, and its pending dossiers are judged today: drawn like the
    others it reads as a finished month. The caller says whether the last point is the month in
    progress."""
    symbols = ["circle"] * (points - 1) + ["circle-open"]
    sizes = [6] * (points - 1) + [10]
    marker = {"symbol": symbols, "size": sizes, "line": {"width": 2}}
    for line in figure["data"]:
        if line["type"] == "scatter":
            line["marker"] = _merged(line.get("marker", {}), marker)
    layout = figure["layout"]
    layout.setdefault("annotations", []).append(
        {
            "font": {"size": 11},
            "showarrow": False,
            "text": gettext("month to date"),
            "x": x,
            "y": 1,
            "yanchor": "bottom",
            "yref": "paper",
        }
    )
    layout["margin"] = _merged(layout.get("margin", {}), {"t": 28})
    return figure


# --- A figure as plain data ----------------------------------------------------------------------
# What plotly.graph_objects.Figure(…).to_json() writes, built as dicts: Plotly validates every
# property of every trace as it builds a figure, which was a quarter of the CPU of a scorecard
# not yet kept (three figures, ~30 ms). The tests build each such figure with Plotly from this
# data, which validates it, and check that Plotly writes back the same (tests/charts.py).


@functools.cache
def _plotly_template():
    # The default template every Figure's JSON carries (its fonts, grid and colours), read once.
    import plotly.graph_objects as go

    return json.loads(go.Figure().to_json())["layout"]["template"]


def trace(kind, **properties):
    """One trace of figure_data: `kind` is its Plotly type, as go.Scatter or go.Bar would write it
    ("scatter", "bar"; each one the bundle of plotly.js we serve draws, tests/reformdash/test_csp.py)."""
    return {"type": kind, **properties}


def figure_data(traces, **layout):
    """The figure of `traces` (trace) and `layout`, as Figure(traces,
    layout=layout).to_json() writes it: Plotly's default template included, so it looks the same."""
    return {"data": list(traces), "layout": {"template": _plotly_template(), **layout}}


def hrect(*, y0, y1, **style):
    """A stripe across the plot from y0 to y1, as Figure.add_hrect draws it (style: fillcolor,
    opacity, layer, name, showlegend; no outline)."""
    return {
        "type": "rect",
        "line": {"width": 0},
        "xref": "x domain",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": y0,
        "y1": y1,
        **style,
    }


def vrect(*, x0, x1, **style):
    """A band down the plot from x0 to x1, as Figure.add_vrect draws it (no outline)."""
    return {
        "type": "rect",
        "line": {"width": 0},
        "xref": "x",
        "x0": x0,
        "x1": x1,
        "yref": "y domain",
        "y0": 0,
        "y1": 1,
        **style,
    }


def vrect_note(*, x0, text):
    """The note of a vrect at its top left, as add_vrect(annotation_position="top left") puts it."""
    return {
        "showarrow": False,
        "text": text,
        "x": x0,
        "xanchor": "left",
        "xref": "x",
        "y": 1,
        "yanchor": "top",
        "yref": "y domain",
    }


def _merged(base, update):
    # As Plotly's update_* merge: nested dicts key by key, anything else replaced.
    merged = dict(base)
    for key, value in update.items():
        merged[key] = (
            _merged(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
        )
    return merged


def separators():
    """Plotly's layout.separators (decimal mark, then thousands): 78,44 in Vietnamese, 78.44 in English."""
    return ".," if (get_language() or "vi").startswith("en") else ",."


@dataclass(frozen=True)
class Chart:
    """One chart for partials/_chart.html: ids for its element and its JSON, a label for screen
    readers and the caption, and the figure, already written as the page's
    <script type="application/json"> (json_script). Written once, so that a cached chart is not
    serialised again for every page: a national group's 3,321 bars are 635 KB of JSON, 20 ms."""

    id: str
    data_id: str
    label: str
    script: str

    @property
    def figure(self):
        """The figure as data (for tests and the curious): the script's JSON read back."""
        return json.loads(re.fullmatch(r"<script[^>]*>(.*)</script>", self.script, re.S).group(1))


def chart(figure, *, chart_id, label):
    """The Chart of a figure (a Plotly Figure or figure_data), in the page's number separators."""
    if isinstance(figure, dict):
        data = {**figure, "layout": {**figure["layout"], "separators": separators()}}
    else:
        figure.update_layout(separators=separators())
        data = json.loads(figure.to_json())
    data_id = f"{chart_id}-data"
    script = json_script(data, data_id)
    return Chart(id=chart_id, data_id=data_id, label=label, script=script)


def cached_chart(build, *, chart_id, label, **data):
    """chart(build(**data), …), kept in the cache under a digest of everything the chart is made
    of: the builder, its data, the label and the language.

    Builders are pure functions of their data, so the same data gives the same chart, and nothing
    has to be invalidated: changed data is another key. What is saved is Plotly's building of the
    figure, which validates every property (15–35 ms of a rankings or scorecard page, for the
    same chart every reader of a group gets). The data is still read from the database on every
    request, so who may see what is decided as before. Data that JSON cannot spell out exactly
    (a model instance, whose repr would not show what changed) is not cached at all."""
    try:
        material = json.dumps(
            [build.__module__, build.__qualname__, chart_id, str(label), get_language(), data],
            cls=DjangoJSONEncoder,
            sort_keys=True,
        )
    except TypeError:
        return chart(build(**data), chart_id=chart_id, label=label)
    # "chart2": a Chart, where "chart:" keys still in Redis from before hold the older dict.
    key = "chart2:" + hashlib.sha256(material.encode()).hexdigest()
    return cached(key, lambda: chart(build(**data), chart_id=chart_id, label=label))


# --- Plotly's own words (mode bar, hints) in the page's language -------------------------------
# The strings plotly.js 3.7 shows on our 2-D charts (its src/components/modebar/buttons.js and
# the hints on double-click). Plotly's `vi` locale has an empty dictionary; ours is translated in
# locale/vi like every other text of the UI.
PLOTLY_PHRASES = (
    gettext_noop("Download plot as a PNG"),
    gettext_noop("Download plot"),
    gettext_noop("Taking snapshot - this may take a few seconds"),
    gettext_noop("Snapshot succeeded"),
    gettext_noop("Sorry, there was a problem downloading your snapshot!"),
    gettext_noop("Zoom"),
    gettext_noop("Pan"),
    gettext_noop("Box Select"),
    gettext_noop("Lasso Select"),
    gettext_noop("Zoom in"),
    gettext_noop("Zoom out"),
    gettext_noop("Autoscale"),
    gettext_noop("Reset axes"),
    gettext_noop("Reset"),
    gettext_noop("Reset view"),
    gettext_noop("Reset views"),
    gettext_noop("Toggle Spike Lines"),
    gettext_noop("Show closest data on hover"),
    gettext_noop("Compare data on hover"),
    gettext_noop("Toggle show closest data on hover"),
    gettext_noop("Double-click to zoom back out"),
    gettext_noop("Double-click on legend to isolate one trace"),
)

# What json_script escapes, so that no text can close the <script> element.
JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}

register = template.Library()
# {{ band.name|band_name }}: a band in the page's language wherever a page names it.
register.filter("band_name", band_name)


@register.simple_tag
def plotly_locale():
    """Plotly's words in the page's language, as <script type="application/json"
    id="plotly-locale"> for static/js/charts.js to register under the page's <html lang> (no
    inline script: CSP)."""
    # As json_script writes it, but in UTF-8 rather than \u escapes: a third of the bytes.
    text = json.dumps({"dictionary": {phrase: gettext(phrase) for phrase in PLOTLY_PHRASES}}, ensure_ascii=False)
    return format_html(
        '<script id="plotly-locale" type="application/json">{}</script>', mark_safe(text.translate(JSON_ESCAPES))
    )
