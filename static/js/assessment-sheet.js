// The assessment page (templates/assessments/assessment.html): the error summary takes the focus
// and its links the input they name; the running total and the completeness meter follow the
// scores as they are typed; a file over the limit is said beside its input before it is sent.
// The page works without this script: the server computes the same total and checks everything.
(function () {
  "use strict";
  var form = document.getElementById("sheet-form");
  if (!form) return;

  var summary = document.getElementById("page-errors");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var input = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!input) return;
      event.preventDefault();
      input.scrollIntoView({ block: "center" });
      input.focus();
    });
  }

  var lang = document.documentElement.lang || "vi";
  function shown(value, decimals) {
    // No grouping, as the server's floatformat writes them (62,50).
    return value.toLocaleString(lang, { minimumFractionDigits: decimals, maximumFractionDigits: 2, useGrouping: false });
  }

  // As assessments.forms.ScoreField reads a score: 35,5 or 35.5, spaces ignored; null otherwise.
  function parse(text) {
    text = (text || "").replace(/\s/g, "");
    if (!/^\+?(\d+([.,]\d*)?|[.,]\d+)$/.test(text)) return null;
    return Number(text.replace(",", "."));
  }

  var total = document.getElementById("sheet-total");
  var meter = document.getElementById("sheet-meter");
  // The score inputs of the page: a unit's self scores or an appraiser's final ones.
  var scores = form.querySelectorAll("input[name^='score-'], input[name^='final-']");

  function redraw() {
    var scored = 0, sum = 0, max = 0;
    scores.forEach(function (input) {
      var id = input.name.split("-")[1];
      var na = form.querySelector("input[name='na-" + id + "']");
      var top = Number(input.getAttribute("max"));
      var value = parse(input.value);
      max += top;
      if (na && na.checked) {
        scored += 1;
      } else if (value !== null && value <= top) {
        scored += 1;
        sum += value;
      }
    });
    if (meter) meter.value = scored;
    if (total) {
      var values = { scored: scored, count: scores.length, total: shown(sum, 2), max: shown(max, max % 1 ? 2 : 0) };
      total.textContent = total.dataset.template.replace(/%\((\w+)\)s/g, function (_, name) {
        return values[name];
      });
    }
  }
  form.addEventListener("input", redraw);
  form.addEventListener("change", redraw);

  var limit = Number(form.dataset.fileLimit || 0);
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (!limit || input.type !== "file") return;
    var file = input.files && input.files[0];
    input.setCustomValidity(file && file.size > limit ? form.dataset.fileTooBig : "");
    input.reportValidity();
  });
})();
