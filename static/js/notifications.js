// The header's bell: refresh the unread count now and then (the page works without it).
(function () {
  "use strict";
  var bell = document.querySelector("[data-notice-bell]");
  if (!bell || !window.fetch) { return; }
  var badge = bell.querySelector("[data-notice-count]");
  var every = 60000;

  function show(unread, capped) {
    var text = capped ? "99+" : String(unread);
    badge.textContent = text;
    badge.hidden = unread === 0;
    bell.setAttribute("aria-label", unread ? "Notifications, " + (capped ? "100+" : text) + " unread" : "Notifications");
  }

  function refresh() {
    if (document.hidden) { return; }
    fetch(bell.dataset.countUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { show(data.unread, data.capped); } })
      .catch(function () {});
  }

  window.setInterval(refresh, every);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); } });
})();
