// Staff keyboard shortcuts and select-all; every page works without this file.
//   j / k   next / previous case in a list (moves focus to its link)
//   o       open the current case (Enter on the focused link does too)
//   r       reply: on a list, open the current case at its reply box; on a case, go to the reply box
//   x       select or unselect the current case (lists with bulk actions)
//   ?       list these shortcuts; Escape closes the list
(function () {
  "use strict";

  var SHORTCUTS = [
    ["j", "Next case in the list"],
    ["k", "Previous case in the list"],
    ["o", "Open the current case"],
    ["r", "Reply (opens the case at its reply box)"],
    ["x", "Select or unselect the current case"],
    ["?", "Show these shortcuts"],
    ["Esc", "Close this list"]
  ];

  var NOT_TYPED = { checkbox: true, radio: true, button: true, submit: true, reset: true };

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    if (tag === "input") { return !NOT_TYPED[(target.type || "").toLowerCase()]; }
    return tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-case-list] [data-case-row]"));
  }

  function currentIndex(list) {
    var active = document.activeElement;
    for (var i = 0; i < list.length; i++) {
      if (list[i].contains(active) || list[i].classList.contains("is-current")) { return i; }
    }
    return -1;
  }

  function moveTo(list, index) {
    if (!list.length) { return; }
    index = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (row) { row.classList.remove("is-current"); });
    var row = list[index];
    row.classList.add("is-current");
    var link = row.querySelector("[data-case-link]");
    if (link) { link.focus(); }
    if (row.scrollIntoView) { row.scrollIntoView({ block: "nearest" }); }
  }

  function currentLink(list) {
    var index = currentIndex(list);
    return index < 0 ? null : list[index].querySelector("[data-case-link]");
  }

  function replyBox() {
    return document.querySelector("form[action$='/reply'] textarea, [data-reply-box] textarea, textarea[name$='body']");
  }

  function focusReply() {
    var box = replyBox();
    if (!box) { return false; }
    box.focus();
    if (box.scrollIntoView) { box.scrollIntoView({ block: "center" }); }
    return true;
  }

  // ------------------------------------------------------------ the help dialog
  var dialog = null;

  function helpDialog() {
    if (dialog) { return dialog; }
    dialog = document.createElement("dialog");
    dialog.className = "shortcuts-dialog";
    dialog.setAttribute("aria-labelledby", "shortcuts-title");
    var html = '<h2 id="shortcuts-title">Keyboard shortcuts</h2><dl class="shortcut-list">';
    SHORTCUTS.forEach(function (pair) {
      html += "<dt><kbd>" + pair[0] + "</kbd></dt><dd>" + pair[1] + "</dd>";
    });
    html += '</dl><p class="muted">Shortcuts are off while you type in a field.</p>' +
      '<form method="dialog"><button class="btn" type="submit">Close</button></form>';
    dialog.innerHTML = html;
    document.body.appendChild(dialog);
    return dialog;
  }

  function showHelp() {
    var d = helpDialog();
    if (!d.open) { d.showModal(); }
  }

  // ------------------------------------------------------------ keys
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    if (dialog && dialog.open) { return; } // the dialog handles Escape itself
    var list = rows();
    var key = event.key;
    if (key === "?") {
      event.preventDefault();
      showHelp();
    } else if ((key === "j" || key === "k") && list.length) {
      event.preventDefault();
      var index = currentIndex(list);
      moveTo(list, key === "j" ? index + 1 : (index < 0 ? 0 : index - 1));
    } else if (key === "o" && list.length) {
      var link = currentLink(list);
      if (link) { event.preventDefault(); window.location.assign(link.href); }
    } else if (key === "r") {
      if (list.length) {
        var target = currentLink(list);
        if (target) { event.preventDefault(); window.location.assign(target.href + "#reply"); }
      } else if (focusReply()) {
        event.preventDefault();
      }
    } else if (key === "x" && list.length) {
      var i = currentIndex(list);
      var box = i < 0 ? null : list[i].querySelector("input[type=checkbox][name=selected]");
      if (box) { event.preventDefault(); box.click(); }
    }
  });

  // ------------------------------------------------------------ select all
  function updateSelection() {
    var all = document.querySelector("[data-select-all]");
    var boxes = document.querySelectorAll("input[type=checkbox][name=selected]");
    var checked = 0;
    Array.prototype.forEach.call(boxes, function (box) { if (box.checked) { checked++; } });
    if (all) {
      all.checked = boxes.length > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
    var count = document.querySelector("[data-selection-count]");
    if (count) { count.textContent = checked ? checked + (checked === 1 ? " case selected" : " cases selected") : ""; }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-select-all]")) {
      Array.prototype.forEach.call(document.querySelectorAll("input[type=checkbox][name=selected]"), function (box) {
        box.checked = target.checked;
      });
    }
    if (target.matches && (target.matches("[data-select-all]") || target.matches("input[name=selected]"))) {
      updateSelection();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-shortcuts-help]");
    if (button) { showHelp(); }
  });

  function ready() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-select-all], [data-shortcuts-help]"), function (el) {
      el.hidden = false;
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-select-all-fallback]"), function (el) {
      el.remove();
    });
    updateSelection();
    if (window.location.hash === "#reply") { focusReply(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
