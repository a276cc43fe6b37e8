// Progressive enhancements only: every form works without this file.
(function () {
  "use strict";
  // A double click sends one request: disable submit buttons once their form is on its way.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitted) { event.preventDefault(); return; }
    form.dataset.submitted = "1";
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });

  // Coming back with the Back button shows the page as it was left: make it usable again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitted]").forEach(function (form) {
      delete form.dataset.submitted;
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
    });
  });

  // "Notify subscribers" follows the Status until the operator touches it; Resolved shows the
  // retroactive times.
  function syncResolved(form) {
    var status = form.querySelector("[name=status]:checked, select[name=status]");
    if (!status) { return; }
    var resolved = status.value === "resolved";
    form.querySelectorAll("[data-show-when-resolved]").forEach(function (el) { el.hidden = !resolved; });
    var notify = form.querySelector("[name=notify][data-follow-status]");
    if (notify && !notify.dataset.touched) { notify.checked = !resolved; }
  }
  document.querySelectorAll("form[data-incident-form]").forEach(function (form) {
    var notify = form.querySelector("[name=notify]");
    if (notify) { notify.addEventListener("change", function () { notify.dataset.touched = "1"; }); }
    form.addEventListener("change", function (e) {
      if (e.target.name === "status") { syncResolved(form); }
      if (e.target.name === "impact") { syncImpact(form); }
    });
    syncResolved(form);
  });

  // "Set by impact" names the status the chosen impact gives each component.
  function syncImpact(form) {
    var impact = form.querySelector("[name=impact]:checked, select[name=impact]");
    var box = form.querySelector("[data-impact-map]");
    if (!impact || !box) { return; }
    var map = JSON.parse(box.dataset.impactMap || "{}");
    var text = impact.value === "none" ? "Set by impact (no change)" : "Set by impact (" + map[impact.value] + ")";
    box.querySelectorAll("select option[value='']").forEach(function (opt) { opt.textContent = text; });
  }
  document.querySelectorAll("form[data-incident-form]").forEach(syncImpact);

  // Live Markdown preview, rendered and sanitised by the server (the button works without this).
  document.querySelectorAll("textarea[data-preview]").forEach(function (area) {
    var form = area.form;
    var box = form && form.querySelector("[data-preview-box]");
    var token = form && form.querySelector("[name=csrfmiddlewaretoken]");
    if (!box || !token || !window.fetch) { return; }
    var timer = null;
    area.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var body = new URLSearchParams({ text: area.value, csrfmiddlewaretoken: token.value });
        fetch("/manage/incidents/preview/", { method: "POST", body: body, credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : Promise.reject(r); })
          .then(function (html) {
            box.querySelector(".preview").innerHTML = html;
            box.hidden = html === "";
          })
          .catch(function () {});
      }, 300);
    });
  });

  // Postmortem timeline: move and remove entries without a round trip.
  document.querySelectorAll("[data-entries]").forEach(function (list) {
    list.addEventListener("click", function (e) {
      var button = e.target.closest("button[data-move]");
      if (!button) { return; }
      e.preventDefault();
      var row = button.closest(".entry");
      var how = button.dataset.move;
      if (how === "up" && row.previousElementSibling) {
        row.parentNode.insertBefore(row, row.previousElementSibling);
      } else if (how === "down" && row.nextElementSibling) {
        row.parentNode.insertBefore(row.nextElementSibling, row);
      }
      renumber(list);
      button.focus();
    });
  });
  function renumber(list) {
    list.querySelectorAll(".entry").forEach(function (row, i) {
      var order = row.querySelector("input[name$=-ORDER]");
      if (order) { order.value = i + 1; }
    });
  }
})();
