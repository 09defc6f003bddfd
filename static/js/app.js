// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";

  // Ask before destructive actions: <form data-confirm="Really end this membership?">
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    // Disable submit buttons once, so a double click sends one request.
    if (!event.defaultPrevented && form.getAttribute("method") === "post") {
      var buttons = form.querySelectorAll("button[type=submit]");
      window.setTimeout(function () {
        buttons.forEach(function (b) { b.disabled = true; b.setAttribute("aria-disabled", "true"); });
      }, 0);
    }
  }, true);

  // Move focus to an error summary so screen-reader users hear it first.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
    // Auto-submit selects: <select data-autosubmit>
    document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
  });
})();
