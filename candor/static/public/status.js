// Candor public page: refresh every 60 s without a reload, and reveal the operator's link.
(function () {
  "use strict";
  var body = document.body;
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  // Uptime bars: each day's details in a popover, by hover, tap, or keyboard (the bar is one
  // tab stop; Left/Right/Home/End move between the days shown, Escape closes).
  var initBars = function (root) {
    each(root.querySelectorAll("[data-bars]"), function (bar) {
      var list = bar.querySelector("ol");
      if (!list || list.hasAttribute("tabindex")) return;
      var pop = document.createElement("p");
      pop.className = "bar-pop";
      pop.setAttribute("role", "status");
      pop.hidden = true;
      bar.appendChild(pop);
      list.tabIndex = 0;
      list.setAttribute("aria-label", bar.getAttribute("aria-label") +
        ". Use the arrow keys for each day's details.");
      var shown = function () {
        return Array.prototype.filter.call(list.children, function (d) { return d.offsetParent !== null; });
      };
      var hide = function () {
        each(list.children, function (d) { d.classList.remove("on"); });
        pop.hidden = true;
      };
      var show = function (day) {
        each(list.children, function (d) { d.classList.remove("on"); });
        day.classList.add("on");
        pop.textContent = day.getAttribute("data-d");
        pop.hidden = false;
        var box = day.getBoundingClientRect();
        var left = box.left - bar.getBoundingClientRect().left + box.width / 2 - pop.offsetWidth / 2;
        pop.style.left = Math.max(0, Math.min(left, bar.clientWidth - pop.offsetWidth)) + "px";
      };
      list.addEventListener("click", function (event) {
        if (event.target.tagName === "LI") show(event.target);
      });
      list.addEventListener("mouseover", function (event) {
        if (event.target.tagName === "LI") show(event.target);
      });
      list.addEventListener("mouseleave", function () { if (document.activeElement !== list) hide(); });
      list.addEventListener("focus", function () {
        var days = shown();
        if (days.length) show(days[days.length - 1]);
      });
      list.addEventListener("blur", hide);
      list.addEventListener("keydown", function (event) {
        var days = shown();
        var at = days.indexOf(list.querySelector(".on"));
        var to = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: days.length - 1 }[event.key];
        if (event.key === "Escape") { hide(); return; }
        if (to === undefined) return;
        event.preventDefault();
        show(days[Math.max(0, Math.min(to, days.length - 1))]);
      });
    });
  };
  initBars(document);
  document.addEventListener("click", function (event) {
    if (!event.target.closest || event.target.closest("[data-bars]")) return;
    each(document.querySelectorAll(".bars .on"), function (d) { d.classList.remove("on"); });
    each(document.querySelectorAll(".bar-pop"), function (p) { p.hidden = true; });
  });
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
          // Not under a reader exploring a bar's days: the next refresh comes soon enough.
          if (main && main.querySelector(".bars .on")) return;
          if (fresh && main && fresh.innerHTML !== main.innerHTML) {
            main.innerHTML = fresh.innerHTML;
            initBars(main);
          }
        })
        .catch(function () {});
    };
    window.setInterval(refresh, seconds * 1000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  }
  // "Updated 3 min ago": when the documents were rendered (/updated.json). On a published copy
  // that Candor no longer updates (its host is down), this is how readers see its age.
  var updated = document.getElementById("updated");
  var showUpdated = function () {
    if (!updated || !window.fetch) return;
    fetch("/updated.json", { credentials: "omit", cache: "no-cache" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        var at = data && Date.parse(data.updated_at);
        if (!at) return;
        var minutes = Math.max(0, Math.round((Date.now() - at) / 60000));
        var ago = minutes < 1 ? "just now" : minutes < 120 ? minutes + " min ago"
          : minutes < 2880 ? Math.round(minutes / 60) + " h ago"
          : Math.round(minutes / 1440) + " days ago";
        updated.textContent = "Updated " + ago + ".";
        updated.title = new Date(at).toString();
        updated.hidden = false;
      })
      .catch(function () {});
  };
  showUpdated();
  window.setInterval(function () { if (!document.hidden) showUpdated(); }, 60000);
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
  // The subscription forms' "whole group" boxes: ticking one ticks its components, and a group
  // is ticked exactly when all of its components are (the server expands a ticked group too).
  var groups = document.querySelectorAll("[data-pick-group]");
  Array.prototype.forEach.call(groups, function (group) {
    var all = group.querySelector("[data-pick-all]");
    var ones = group.querySelectorAll("[data-pick-one]");
    var sync = function () {
      var ticked = Array.prototype.filter.call(ones, function (box) { return box.checked; }).length;
      all.checked = ticked === ones.length;
      all.indeterminate = ticked > 0 && ticked < ones.length;
    };
    all.addEventListener("change", function () {
      Array.prototype.forEach.call(ones, function (box) { box.checked = all.checked; });
      all.indeterminate = false;
    });
    Array.prototype.forEach.call(ones, function (box) { box.addEventListener("change", sync); });
    sync();
  });
})();
