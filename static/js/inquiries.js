// Inquiry form: show only the extra fields of the chosen kind of request.
// Without this file every set of extra fields is shown, each with its legend.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("request_type");
    if (!select) { return; }
    var sets = document.querySelectorAll("[data-for-request-type]");
    function update() {
      sets.forEach(function (set) {
        var shown = set.getAttribute("data-for-request-type") === select.value;
        set.hidden = !shown;
        set.disabled = !shown;
      });
    }
    select.addEventListener("change", update);
    update();
  });
})();
