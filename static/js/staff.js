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

  // ---- The composer: the Public reply / Internal note switch (CSS :has() styles it; the class is
  // for browsers without :has()).
  function setupSwitch(composer) {
    var note = composer.querySelector("#kind-note");
    var reply = composer.querySelector("#kind-reply");
    function show() { composer.classList.toggle("is-note", !!(note && note.checked)); }
    composer.addEventListener("change", function (event) {
      if (event.target.name === "kind") { show(); }
    });
    // A page restored from the back/forward cache starts again as a public reply, unless it holds text.
    window.addEventListener("pageshow", function (event) {
      var body = composer.querySelector("textarea");
      if (event.persisted && reply && body && !body.value.trim()) { reply.checked = true; }
      show();
    });
    show();
  }

  // ---- Files by drag and drop onto the file field (the field itself still works alone).
  function setupDropzone(zone) {
    var input = zone.querySelector("input[type=file]");
    if (!input || typeof DataTransfer === "undefined") { return; }
    var hint = zone.querySelector(".dropzone-hint");
    if (hint) { hint.hidden = false; }
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("is-dragover"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("is-dragover"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      var all = new DataTransfer();
      Array.prototype.forEach.call(input.files, function (f) { all.items.add(f); });
      Array.prototype.forEach.call(event.dataTransfer.files, function (f) { all.items.add(f); });
      input.files = all.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  // ---- Upload progress: a submit with files goes through XHR so the bar can move; the answer (a
  // redirect to the case, or the page with a message) then replaces this page as a normal submit would.
  // A new page load even when only the #fragment differs from this page's address.
  function goTo(url) {
    var target = new URL(url, window.location.href);
    if (target.pathname + target.search === window.location.pathname + window.location.search) {
      window.history.replaceState(null, "", target.href);
      window.location.reload();
    } else {
      window.location.assign(target.href);
    }
  }

  function setupProgress(composer) {
    var input = composer.querySelector("input[type=file]");
    var bar = composer.querySelector(".upload-progress");
    if (!input || !bar || !window.FormData) { return; }
    composer.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (!input.files.length || (submitter && submitter.getAttribute("formmethod") === "get")) { return; }
      event.preventDefault();
      var data = new FormData(composer);
      if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
      var xhr = new XMLHttpRequest();
      // getAttribute: the buttons named "action" shadow the form's .action property.
      xhr.open("POST", composer.getAttribute("action"));
      bar.hidden = false;
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { bar.value = Math.round((e.loaded / e.total) * 100); }
      });
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.addEventListener("load", function () {
        var type = xhr.getResponseHeader("Content-Type") || "";
        if (xhr.status === 200 && type.indexOf("application/json") === 0) {
          goTo(JSON.parse(xhr.responseText).location);  // done: the case page, with its message
          return;
        }
        // Refused or a collision: the page with the message, the text kept (files must be chosen again).
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", function () { bar.hidden = true; composer.submit(); });
      xhr.send(data);
    });
  }

  // ---- Presence: report every few seconds while the page is visible; show who else is here.
  function setupPresence(out, composer) {
    var url = out.getAttribute("data-presence-url");
    var token = composer && composer.querySelector("input[name$=csrf_token]");
    var body = composer && composer.querySelector("textarea");
    var lastKey = 0, timer = null, every = 5000;
    if (body) { body.addEventListener("input", function () { lastKey = Date.now(); }); }
    function headers() {
      return { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" };
    }
    function show(others) {
      var words = others.map(function (o) { return o.name + (o.typing ? " is typing a reply" : " is viewing"); });
      out.textContent = words.length ? words.join("; ") + "." : "";
      out.hidden = !words.length;
    }
    function tick() {
      timer = null;
      if (document.hidden) { return; }
      fetch(url, { method: "POST", headers: headers(), credentials: "same-origin",
                   body: JSON.stringify({ typing: Date.now() - lastKey < 6000 }) })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (answer) {
          if (answer) { show(answer.others || []); every = (answer.every || 5) * 1000; }
        })
        .catch(function () {})
        .then(function () { if (!timer && !document.hidden) { timer = setTimeout(tick, every); } });
    }
    document.addEventListener("visibilitychange", function () { if (!document.hidden && !timer) { tick(); } });
    window.addEventListener("pagehide", function () {
      fetch(url, { method: "POST", headers: headers(), credentials: "same-origin", keepalive: true,
                   body: JSON.stringify({ leaving: true }) }).catch(function () {});
    });
    tick();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var composer = document.querySelector("form[data-composer]");
    if (composer) { setupSwitch(composer); setupProgress(composer); }
    document.querySelectorAll("[data-dropzone]").forEach(setupDropzone);
    var presence = document.getElementById("presence");
    if (presence && window.fetch) { setupPresence(presence, composer); }
  });
})();
