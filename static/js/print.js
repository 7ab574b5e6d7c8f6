// The "Print / PDF" button (partials/_print_button.html): the browser's own print dialog, which
// also saves as PDF. A file, not an onclick attribute: our Content-Security-Policy runs no inline script.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
