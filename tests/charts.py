"""Figures built as plain data (reformdash.lib.charts.figure_data), checked with Plotly: the tests
of their builders read them through `as_plotly`, so each is validated as Plotly would build it."""

import json

import plotly.graph_objects as go


def as_plotly(figure):
    """`figure` (figure_data) built by plotly.graph_objects, which refuses a property or value it
    does not know; checked to be what Plotly writes of it, so the page gets what a Figure built
    with Plotly would give. Returned as the Figure, for the tests to read."""
    built = go.Figure(figure)
    assert json.loads(built.to_json()) == figure
    return built


def plotly_checked(builder):
    """`builder` whose figures go through as_plotly."""

    def build(**data):
        return as_plotly(builder(**data))

    return build
