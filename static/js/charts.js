// Draws every chart a page declares: <div data-figure="ID"> with the figure's JSON (Plotly's
// {data, layout}) in <script type="application/json" id="ID">, written by partials/_chart.html.
// The figures are built on the server (charts.py modules); this file only hands them to Plotly.
(function () {
  "use strict";
  function draw() {
    document.querySelectorAll("[data-figure]").forEach(function (element) {
      var source = document.getElementById(element.dataset.figure);
      if (!source || !window.Plotly) { return; }
      var figure = JSON.parse(source.textContent);
      window.Plotly.newPlot(element, figure.data, figure.layout || {}, {
        responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"]
      }).then(function () { element.dataset.drawn = "true"; });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
