"""What every page's charts share: the figure as template data, and the number separators.

Chart builders (the `charts.py` module of each app) are pure functions: data in, a
plotly.graph_objects.Figure out, no ORM inside. A view passes the figure through `chart()` to the
template, which includes partials/_chart.html; static/js/charts.js draws it with Plotly, served
from our own static files.
"""

import json

from django.utils.translation import get_language


def separators():
    """Plotly's layout.separators (decimal mark, then thousands): 78,44 in Vietnamese, 78.44 in English."""
    return ".," if (get_language() or "vi").startswith("en") else ",."


def chart(figure, *, chart_id, label):
    """The template context of one chart: ids for its element and its JSON, a label for screen
    readers and the caption, and the figure as plain JSON data (json_script escapes it)."""
    figure.update_layout(separators=separators())
    return {
        "id": chart_id,
        "data_id": f"{chart_id}-data",
        "label": label,
        "figure": json.loads(figure.to_json()),
    }
