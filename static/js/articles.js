// Help articles: suggestions while a subject is typed, "This answered my question", and
// linking an article into a reply. Progressive enhancement only: every form works without it.
(function () {
  "use strict";
  if (window.askisoArticles) { return; }  // included by more than one partial on a page
  window.askisoArticles = true;

  var DELAY = 300;

  function item(tag, text, href) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = href; a.textContent = text; a.target = "_blank"; a.rel = "noopener";
    li.appendChild(a);
    if (tag) { li.appendChild(document.createTextNode(" ")); li.appendChild(tag); }
    return li;
  }

  function answered(box, slug) {
    var body = new URLSearchParams();
    body.set("csrf_token", box.getAttribute("data-csrf"));
    body.set("source", box.getAttribute("data-source"));
    var url = box.getAttribute("data-answered-url").replace("__slug__", encodeURIComponent(slug));
    return fetch(url, {method: "POST", body: body, credentials: "same-origin",
                       headers: {"Accept": "application/json"}}).then(function (r) {
      if (!r.ok) { throw new Error("not recorded"); }
      box.querySelector(".suggestion-panel").hidden = true;
      box.querySelector(".suggestion-thanks").hidden = false;
    });
  }

  function show(box, data) {
    var panel = box.querySelector(".suggestion-panel");
    var list = box.querySelector(".suggested-articles");
    var cases = box.querySelector(".suggested-cases");
    list.textContent = ""; cases.textContent = "";
    (data.articles || []).forEach(function (a) {
      var button = document.createElement("button");
      button.type = "button"; button.className = "btn btn-small";
      button.textContent = "This answered my question";
      button.setAttribute("aria-label", "“" + a.title + "” answered my question");
      button.addEventListener("click", function () { answered(box, a.slug).catch(function () {}); });
      var li = item(button, a.title, a.url);
      if (a.summary) {
        var p = document.createElement("p"); p.className = "muted"; p.textContent = a.summary; li.appendChild(p);
      }
      list.appendChild(li);
    });
    (data.cases || []).forEach(function (c) { cases.appendChild(item(null, c.number + " — " + c.subject, c.url)); });
    box.querySelector(".suggested-cases-block").hidden = !(data.cases || []).length;
    panel.hidden = !((data.articles || []).length || (data.cases || []).length);
    box.querySelector(".suggestion-thanks").hidden = true;
  }

  function watch(box) {
    var input = document.getElementById(box.getAttribute("data-article-suggest-for"));
    if (!input) { return; }
    var timer = null, last = null, seq = 0;
    function ask() {
      var q = input.value.trim();
      if (q === last) { return; }
      last = q;
      var mine = ++seq;
      var url = box.getAttribute("data-endpoint") + "?q=" + encodeURIComponent(q);
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {articles: [], cases: []}; })
        .then(function (data) { if (mine === seq) { show(box, data); } })
        .catch(function () {});
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, DELAY); });
    if (input.value.trim()) { ask(); }
  }

  function insertAt(textarea, text) {
    var start = textarea.selectionStart || 0, end = textarea.selectionEnd || 0;
    var before = textarea.value.slice(0, start), after = textarea.value.slice(end);
    textarea.value = before + text + after;
    textarea.selectionStart = textarea.selectionEnd = start + text.length;
    textarea.focus();
  }

  function linker(box) {
    var textarea = document.getElementById(box.getAttribute("data-article-insert-target"));
    var select = box.querySelector("select");
    var button = box.querySelector("[data-article-insert]");
    if (!textarea || !select || !button) { return; }
    var loaded = null;
    function load() {  // the list is read when the agent first opens it
      if (loaded) { return loaded; }
      loaded = fetch(box.getAttribute("data-choices-url"), {credentials: "same-origin",
                                                           headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {articles: []}; })
        .then(function (data) {
          (data.articles || []).forEach(function (a) {
            var option = document.createElement("option");
            option.value = a.slug;
            option.textContent = a.title;
            option.setAttribute("data-title", a.title);
            select.appendChild(option);
          });
        })
        .catch(function () { loaded = null; });
      return loaded;
    }
    ["focus", "pointerdown", "keydown"].forEach(function (name) { select.addEventListener(name, load); });
    box.hidden = false;
    button.addEventListener("click", function () {
      var option = select.options[select.selectedIndex];
      if (!option || !option.value) { return; }
      var url = box.getAttribute("data-base-url").replace("__slug__", encodeURIComponent(option.value));
      var title = option.getAttribute("data-title").replace(/([\[\]])/g, "\\$1");
      insertAt(textarea, "[" + title + "](" + url + ")");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-article-suggest-for]").forEach(watch);
    document.querySelectorAll("[data-article-insert-target]").forEach(linker);
  });
})();
