// Staff workspace enhancements; every page works without this file.
(function () {
  "use strict";

  // "Insert" a canned response into the reply box without reloading the page.
  // Without JS the Insert button re-renders the page with the text filled in.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-canned-insert]");
    if (!button) { return; }
    var select = button.form.querySelector("select[data-canned-target]");
    var option = select && select.options[select.selectedIndex];
    var text = option && option.getAttribute("data-text");
    if (!text) { return; }
    var box = document.getElementById(select.getAttribute("data-canned-target"));
    if (!box) { return; }
    event.preventDefault();
    var start = box.selectionStart || box.value.length;
    var before = box.value.slice(0, start);
    var after = box.value.slice(box.selectionEnd || start);
    var glue = before && !/\n$/.test(before) ? "\n\n" : "";
    box.value = before + glue + text + after;
    box.focus();
    select.selectedIndex = 0;
  });
})();
