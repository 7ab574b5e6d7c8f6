// The progress of an import (templates/imports/run.html): poll /imports/<id>/progress.json every
// second and move the <progress> bar; when no job is working on the run any more (its check or its
// write is over), put the page's result (summary, Confirm button, or problems) in place without
// reloading. Only a run being checked, queued or running is followed.
(function () {
  "use strict";
  var root = document.getElementById("import-run");
  if (!root || root.dataset.follow !== "true") return;
  var url = root.dataset.progressUrl;

  function text(id, value) {
    var element = document.getElementById(id);
    if (element) element.textContent = value;
  }

  function showResult() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        ["import-status", "import-result"].forEach(function (id) {
          var now = document.getElementById(id), then = fresh.getElementById(id);
          if (now && then) now.replaceWith(then);
        });
        root.dataset.follow = "false";
      });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (progress) {
        var bar = document.getElementById("import-progress");
        if (bar) {
          bar.max = Math.max(progress.total, 1);
          bar.value = progress.finished && progress.status === "done" ? bar.max : progress.done;
          bar.textContent = progress.done + "/" + progress.total;
        }
        text("import-phase", progress.phase_label);
        text("import-status-label", progress.status_label);
        if (!progress.in_progress) showResult();
        else window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 1000); });
  }

  window.setTimeout(poll, 1000);
})();
