// Progressive enhancements only: every form works without this file.
(function () {
  "use strict";
  // A double click sends one request: disable submit buttons once their form is on its way.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.method.toLowerCase() === "dialog") { return; }
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

  // Unsaved changes: once text is typed into a form, leaving the page asks first (tab links with
  // a clear in-app question, anything else with the browser's own beforeunload prompt).
  var LEAVE = "You have unsaved changes in this form. Leave without saving them?";
  var dirty = null;
  function guarded(form) {
    return form && form.method.toLowerCase() === "post" && !form.hasAttribute("data-no-guard");
  }
  document.addEventListener("input", function (e) {
    var field = e.target;
    var typed = field.tagName === "TEXTAREA" ||
      (field.tagName === "INPUT" && !/^(checkbox|radio|hidden|submit|button|file)$/.test(field.type));
    if (typed && guarded(field.form)) { dirty = field.form; }
  });
  document.addEventListener("submit", function (e) { if (e.target === dirty) { dirty = null; } });
  window.addEventListener("beforeunload", function (e) {
    if (!dirty) { return; }
    e.preventDefault();
    e.returnValue = LEAVE;
  });
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[href]");
    if (!dirty || !link || link.target || e.defaultPrevented) { return; }
    if (link.origin !== window.location.origin || link.getAttribute("href").charAt(0) === "#") { return; }
    if (window.confirm(LEAVE)) { dirty = null; } else { e.preventDefault(); }
  });

  // Keyboard shortcuts (listed on the "?" overlay): n new incident, u post an update (on an
  // incident), Ctrl/Cmd+Enter save the form being typed in, ? this list, Esc closes it.
  var help = document.getElementById("shortcuts");
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function showHelp() {
    if (help && !help.open) { help.showModal(); }
  }
  document.querySelectorAll("[data-show-shortcuts]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", showHelp);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      var form = e.target.form || (document.activeElement && document.activeElement.form);
      if (form && form.method.toLowerCase() === "post") {
        e.preventDefault();
        var save = form.querySelector("[data-save], button[type=submit]:not([name=preview])");
        if (form.requestSubmit) { form.requestSubmit(save || undefined); } else { form.submit(); }
      }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || (help && help.open)) { return; }
    if (e.key === "?") {
      e.preventDefault();
      showHelp();
    } else if (e.key === "n") {
      e.preventDefault();
      window.location.assign("/manage/incidents/new/");
    } else if (e.key === "u") {
      var message = document.querySelector("#post-update ~ form textarea[name=message]");
      if (message) {
        e.preventDefault();
        message.scrollIntoView({ block: "center" });
        message.focus();
      }
    }
  });

  // Components tab: drag a row above another (or below the last) to place it; the server
  // decides what that means and says where it went. The ↑ ↓ buttons are the keyboard way.
  var rows = document.querySelectorAll("tr[data-drag-id]");
  // Decided from the drop itself (the pointer against the row), not from an earlier dragover.
  function lowerHalf(row, e) {
    var box = row.getBoundingClientRect();
    return e.clientY - box.top > box.height / 2;
  }
  var dragged = null;
  rows.forEach(function (row) {
    row.draggable = true;
    row.addEventListener("dragstart", function (e) {
      dragged = row;
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", row.dataset.dragId);
      row.classList.add("dragging");
    });
    row.addEventListener("dragend", function () {
      row.classList.remove("dragging");
      rows.forEach(function (r) { r.classList.remove("drop-before", "drop-after"); });
    });
    row.addEventListener("dragover", function (e) {
      if (!dragged || dragged === row) { return; }
      e.preventDefault();
      var after = lowerHalf(row, e);
      row.classList.toggle("drop-after", after);
      row.classList.toggle("drop-before", !after);
    });
    row.addEventListener("dragleave", function () { row.classList.remove("drop-before", "drop-after"); });
    row.addEventListener("drop", function (e) {
      if (!dragged || dragged === row) { return; }
      e.preventDefault();
      var before = row;
      if (lowerHalf(row, e)) {
        before = row.nextElementSibling;
        while (before && !before.dataset.dragId) { before = before.nextElementSibling; }
      }
      var source = document.querySelector("form[action$='/components/reorder/']");
      if (!source) { return; }
      var form = document.createElement("form");
      form.method = "post";
      form.action = source.action;
      var fields = {
        csrfmiddlewaretoken: source.querySelector("[name=csrfmiddlewaretoken]").value,
        kind: dragged.dataset.dragKind,
        id: dragged.dataset.dragId,
        before: before ? before.dataset.dragId : ""
      };
      Object.keys(fields).forEach(function (name) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = fields[name];
        form.appendChild(input);
      });
      document.body.appendChild(form);
      form.submit();
    });
  });
})();
