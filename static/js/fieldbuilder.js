// The request-type field builder (templates/staff/admin/request_type.html) without page reloads:
// add, move and remove rows, the choices box shown only for choice fields, and a live preview
// that the server renders with the participant form's own partial. Without this file every
// button re-renders the page with what was typed kept; nothing is saved until "Save".
(function () {
  "use strict";

  var form = document.querySelector("form[data-fieldbuilder]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var list = form.querySelector("[data-fb-rows]");
  var template = document.getElementById("fb-row-template");
  var preview = document.querySelector("[data-fb-preview]");
  var status = form.querySelector("[data-fb-status]");
  var empty = form.querySelector("[data-fb-empty]");
  var previewUrl = form.getAttribute("data-preview-url");
  var ATTRIBUTES = ["name", "id", "for", "aria-describedby"];
  var timer = null;
  var sent = 0;

  function each(nodes, fn) { Array.prototype.forEach.call(nodes, fn); }

  function rows() {
    return Array.prototype.filter.call(list.children, function (el) { return el.hasAttribute("data-fb-row"); });
  }

  function announce(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function labelOf(row) {
    var input = row.querySelector("input[name$='-label']");
    return input && input.value.trim() ? " (" + input.value.trim() + ")" : "";
  }

  // The server reads rows in the order of their numbers: give them 0, 1, 2, ... as they stand.
  function renumber() {
    var all = rows();
    all.forEach(function (row, i) {
      each(row.querySelectorAll("[name], [id], [for], [aria-describedby]"), function (el) {
        ATTRIBUTES.forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(/specs-(\d+|__index__)-/g, "specs-" + i + "-")); }
        });
      });
      each(row.querySelectorAll("[data-fb-number]"), function (el) { el.textContent = String(i + 1); });
      each(row.querySelectorAll("button[data-fb-op]"), function (button) {
        var op = button.getAttribute("data-fb-op");
        button.value = op + "-" + i;
        if (op === "up") { button.disabled = i === 0; }
        if (op === "down") { button.disabled = i === all.length - 1; }
      });
    });
    empty.hidden = all.length > 0;
  }

  function showChoices(row) {
    var type = row.querySelector("select[data-fb-type]");
    var box = row.querySelector("[data-fb-choices]");
    if (type && box) { box.hidden = type.value !== "choice"; }
  }

  function refreshPreview() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var mine = ++sent;
      fetch(previewUrl, { method: "POST", body: new FormData(form), credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(function (html) {
          if (mine === sent) { preview.innerHTML = html; }
        })
        .catch(function () {
          if (mine === sent) { announce("The preview could not be updated; saving still works."); }
        });
    }, 250);
  }

  function add() {
    list.insertAdjacentHTML("beforeend", template.innerHTML);
    renumber();
    var row = rows()[rows().length - 1];
    showChoices(row);
    row.querySelector("input[name$='-label']").focus();
    announce("Field " + rows().length + " added.");
  }

  function move(row, step) {
    var all = rows();
    var at = all.indexOf(row);
    var other = all[at + step];
    if (!other) { return; }
    list.insertBefore(row, step < 0 ? other : other.nextSibling);
    renumber();
    var button = row.querySelector("button[data-fb-op='" + (step < 0 ? "up" : "down") + "']");
    (button.disabled ? row.querySelector("button[data-fb-op='" + (step < 0 ? "down" : "up") + "']") : button).focus();
    announce("Field" + labelOf(row) + " is now field " + (at + step + 1) + ".");
  }

  function remove(row) {
    var all = rows();
    var at = all.indexOf(row);
    var text = "Field " + (at + 1) + labelOf(row) + " removed; nothing is saved until you save the request type.";
    row.parentNode.removeChild(row);
    renumber();
    var next = rows()[Math.min(at, rows().length - 1)];
    (next ? next.querySelector("input[name$='-label']") : form.querySelector("button[data-fb-op='add']")).focus();
    announce(text);
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-fb-op]");
    if (!button || !form.contains(button)) { return; }
    event.preventDefault();
    var op = button.getAttribute("data-fb-op");
    var row = button.closest("[data-fb-row]");
    if (op === "add") { add(); }
    else if (op === "up") { move(row, -1); }
    else if (op === "down") { move(row, 1); }
    else if (op === "remove") { remove(row); }
    refreshPreview();
  });

  form.addEventListener("change", function (event) {
    if (event.target.matches("select[data-fb-type]")) { showChoices(event.target.closest("[data-fb-row]")); }
    refreshPreview();
  });
  form.addEventListener("input", refreshPreview);

  each(form.querySelectorAll("[data-fb-nojs]"), function (el) { el.hidden = true; });
  rows().forEach(showChoices);
})();
