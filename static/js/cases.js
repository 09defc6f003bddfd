// Case forms: progressive enhancements only; every form works without this file.
(function () {
  "use strict";

  // Changing the request type re-renders the form with that type's fields.
  // When the case form is on the page, post it (with action=change_type) so
  // that nothing typed and no chosen file is lost; otherwise use the GET chooser.
  function onTypeChange(select) {
    var chooser = select.form;
    var caseForm = document.getElementById("new-case-form");
    if (!caseForm) { chooser.submit(); return; }
    caseForm.querySelector("input[name=request_type]").value = select.value;
    caseForm.querySelector("input[name=action]").value = "change_type";
    caseForm.submit();
  }

  // Refuse files over the limits before the upload starts, with a clear message.
  function checkFiles(input) {
    var maxFile = parseInt(input.getAttribute("data-max-bytes"), 10);
    var maxTotal = parseInt(input.getAttribute("data-max-total"), 10);
    var problems = [], total = 0;
    Array.prototype.forEach.call(input.files || [], function (file) {
      total += file.size;
      if (maxFile && file.size > maxFile) {
        problems.push("“" + file.name + "” is larger than " + input.getAttribute("data-max-label") + ".");
      }
    });
    if (maxTotal && total > maxTotal) { problems.push("Together the files are too large to send at once."); }
    var message = problems.length ? problems.join(" ") + " Nothing was attached: choose smaller files." : "";
    if (message) { input.value = ""; }
    var out = document.getElementById(input.id + "-client-error");
    if (out) { out.textContent = message; out.hidden = !message; }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var switchButton = document.getElementById("type-switch");
    document.querySelectorAll("select[data-type-chooser]").forEach(function (select) {
      if (switchButton) { switchButton.hidden = true; }
      select.addEventListener("change", function () { onTypeChange(select); });
    });
    document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
      input.addEventListener("change", function () { checkFiles(input); });
    });
  });
})();
