// Draws every chart a page declares: <div data-figure="ID"> with the figure's JSON (Plotly's
// {data, layout}) in <script type="application/json" id="ID">, written by partials/_chart.html.
// The figures are built on the server (charts.py modules); this file only hands them to Plotly.
(function () {
  "use strict";
  // Plotly's own words (mode bar, hints) in the page's language: <html lang>, with the dictionary
  // partials/_chart_scripts.html writes (reformdash.lib.charts.plotly_locale, translated in
  // locale/vi). Registered over plotly-locale-vi.js, which brings the dates and month names; a
  // language Plotly knows nothing of falls back to its English.
  function locale() {
    var language = (document.documentElement.lang || "vi").toLowerCase().split("-")[0];
    var source = document.getElementById("plotly-locale");
    if (source && language !== "en") {
      var words = JSON.parse(source.textContent);
      window.Plotly.register({moduleType: "locale", name: language, dictionary: words.dictionary});
    }
    return language;
  }
  function plot(element, figure, language) {
    return window.Plotly.newPlot(element, figure.data, figure.layout || {}, {
      responsive: true, displaylogo: false, locale: language, modeBarButtonsToRemove: ["lasso2d", "select2d"]
    }).then(function () {
      element.dataset.drawn = "true";
      // A map's dots open the unit's scorecard (reformdash/lib/maps.py): the link is the point's
      // customdata field named by layout.meta.link_field, empty where the reader may not open it.
      var meta = figure.layout && figure.layout.meta;
      if (meta && typeof meta.link_field === "number") {
        element.on("plotly_click", function (event) {
          var point = event.points && event.points[0];
          var link = point && point.customdata && point.customdata[meta.link_field];
          if (typeof link === "string" && link.charAt(0) === "/" && link.charAt(1) !== "/") {
            window.location.assign(link);
          }
        });
      }
    });
  }
  // A large group's chart or map, drawn when the reader asks (partials/_figure_on_demand.html):
  // its JSON, {figure, label, note}, from the same page with ?part=, under the same access.
  function loadOnDemand(button, language) {
    var id = button.dataset.figureLoad;
    var element = document.getElementById(id);
    var status = document.querySelector('[data-figure-status="' + id + '"]');
    button.disabled = true;
    fetch(element.dataset.figureUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (answer) {
        element.hidden = false;
        document.querySelector('[data-figure-label="' + id + '"]').textContent = answer.label;
        status.textContent = answer.note || "";
        button.hidden = true;
        return plot(element, answer.figure, language);
      })
      .catch(function () {
        status.textContent = button.dataset.error;
        button.disabled = false;
      });
  }
  function draw() {
    if (!window.Plotly) { return; }
    var language = locale();
    document.querySelectorAll("[data-figure]").forEach(function (element) {
      var source = document.getElementById(element.dataset.figure);
      if (!source) { return; }
      plot(element, JSON.parse(source.textContent), language);
    });
    document.querySelectorAll("[data-figure-load]").forEach(function (button) {
      button.addEventListener("click", function () { loadOnDemand(button, language); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
