"""What every page's charts share: the figure as template data, and the number separators.

Chart builders (the `charts.py` module of each app) are pure functions: data in, a
plotly.graph_objects.Figure out, no ORM inside. A view passes the figure through `chart()` to the
template, which includes partials/_chart.html; static/js/charts.js draws it with Plotly, served
from our own static files. `cached_chart()` does the same, once per distinct data.
"""

import hashlib
import json
import re
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import json_script
from django.utils.translation import get_language

from reformdash.lib.cache import cached


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
    """The Chart of a Plotly figure, in the page's number separators."""
    figure.update_layout(separators=separators())
    data_id = f"{chart_id}-data"
    script = json_script(json.loads(figure.to_json()), data_id)
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
