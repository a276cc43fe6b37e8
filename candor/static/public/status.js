// Candor public page: refresh every 60 s without a reload, and reveal the operator's link.
(function () {
  "use strict";
  var body = document.body;
  var seconds = parseInt(body.getAttribute("data-refresh") || "0", 10);
  if (seconds > 0 && window.fetch && window.DOMParser) {
    var etag = null;
    var refresh = function () {
      if (document.hidden) return;
      var headers = etag ? { "If-None-Match": etag } : {};
      fetch(location.pathname, { headers: headers, credentials: "omit", cache: "no-cache" })
        .then(function (response) {
          if (response.status !== 200) return null;
          etag = response.headers.get("ETag");
          return response.text();
        })
        .then(function (html) {
          if (!html) return;
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
          var main = document.getElementById("main");
          if (fresh && main && fresh.innerHTML !== main.innerHTML) main.innerHTML = fresh.innerHTML;
        })
        .catch(function () {});
    };
    window.setInterval(refresh, seconds * 1000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  }
  // Links for signed-in operators (the Incidents tab, this incident's management view): the
  // document is the same for everyone, so the browser asks whether to reveal them.
  var links = document.querySelectorAll("[data-operator-link]");
  if (links.length && window.fetch) {
    fetch("/whoami", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (who) {
        if (!who || !who.operator) return;
        for (var i = 0; i < links.length; i++) links[i].hidden = false;
      })
      .catch(function () {});
  }
})();
