// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  function countWords(text) {
    var words = text.trim().split(/\s+/);
    return text.trim() ? words.length : 0;
  }

  // Live word counts beside fields that have a word limit.
  document.querySelectorAll("[data-word-limit]").forEach(function (field) {
    var limit = parseInt(field.getAttribute("data-word-limit"), 10);
    var counter = document.querySelector('.word-count[data-for="' + field.id + '"]');
    if (!counter) { return; }
    var label = counter.getAttribute("data-label") || "";
    function update() {
      var n = countWords(field.value);
      counter.textContent = n + " / " + limit + " " + label;
      counter.classList.toggle("over", n > limit);
    }
    field.addEventListener("input", update);
    update();
  });

  // A deadline in the reader's own time zone when it is not the edition's ("04:00 … (your time, America/Bogota)"),
  // and in its last 72 hours a countdown that turns into "The deadline has passed." at the deadline.
  var readerZone = "";
  try { readerZone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { readerZone = ""; }
  // The app's own formats: day month year and a 24-hour clock in English, as the server writes them.
  var language = document.documentElement.lang === "ko" ? "ko" : "en-GB";
  function two(n) { return (n < 10 ? "0" : "") + n; }
  // A moment in a zone written as the server writes it (i18n.DATETIME_PATTERNS "medium"): "30 Jan 2027, 18:00",
  // "2027년 1월 30일 18:00". The parts come from Intl; the pattern is ours, so both times on a line read alike.
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function inZone(moment, zone) {
    var parts = {};
    new Intl.DateTimeFormat("en-GB", {
      year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      timeZone: zone
    }).formatToParts(moment).forEach(function (part) { parts[part.type] = part.value; });
    var day = parseInt(parts.day, 10), month = parseInt(parts.month, 10), clock = parts.hour + ":" + parts.minute;
    return language === "ko" ? parts.year + "년 " + month + "월 " + day + "일 " + clock :
      day + " " + MONTHS[month - 1] + " " + parts.year + ", " + clock;
  }
  document.querySelectorAll("time[data-zone]").forEach(function (el) {
    var moment = new Date(el.getAttribute("datetime"));
    if (isNaN(moment.getTime())) { return; }
    if (readerZone && readerZone !== el.getAttribute("data-zone")) {
      var local = document.createElement("span");
      local.className = "reader-time text-nowrap";
      local.textContent = " · " + inZone(moment, readerZone) + " (" + el.getAttribute("data-your-time") + ", " +
        readerZone + ")";
      el.after(local);
    }
    if (!el.hasAttribute("data-countdown")) { return; }
    var days = new Intl.NumberFormat(language, {style: "unit", unit: "day", unitDisplay: "long"});
    var timer = document.createElement("span");
    timer.className = "countdown d-block fw-semibold";
    timer.setAttribute("role", "timer");
    var ticking = null;
    function tick() {
      var left = Math.floor((moment.getTime() - Date.now()) / 1000);
      if (left > 72 * 3600) { timer.hidden = true; return; }
      timer.hidden = false;
      if (left <= 0) {
        timer.textContent = el.getAttribute("data-passed");
        timer.classList.add("text-danger");
        if (ticking) { clearInterval(ticking); }
        return;
      }
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600);
      var m = Math.floor(left % 3600 / 60), s = left % 60;
      timer.textContent = el.getAttribute("data-countdown") + " " + (d ? days.format(d) + " " : "") +
        two(h) + ":" + two(m) + ":" + two(s);
    }
    (el.nextElementSibling && el.nextElementSibling.classList.contains("reader-time") ? el.nextElementSibling : el)
      .after(timer);
    tick();
    if (!timer.classList.contains("text-danger")) { ticking = setInterval(tick, 1000); }
  });

  // The browser's time zone goes with a submission or a withdrawal: the receipt gives the time in it too.
  if (readerZone) {
    document.querySelectorAll('input[type=hidden][name="reader_zone"]').forEach(function (input) {
      input.value = readerZone;
    });
  }

  // A refused submission: the first field with a problem has the focus (and is on the screen), and each link of
  // the summary at the top moves the focus to its field.
  var summary = document.getElementById("error-summary");
  if (summary) {
    var first = document.querySelector("#entry-form .is-invalid");
    if (first) { first.focus(); }
    summary.querySelectorAll("a[data-focus]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("data-focus"));
        if (target) { event.preventDefault(); target.focus(); }
      });
    });
  }

  // Warn before leaving a form with unsaved changes.
  var entry = document.getElementById("entry-form");
  if (entry) {
    var dirty = false;
    entry.addEventListener("input", function () { dirty = true; });
    entry.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = entry.getAttribute("data-unsaved-warning"); }
    });
  }

  // A new edition's short name ("sscp-2027") keeps to the year typed, until it is changed by hand.
  document.querySelectorAll("input[data-follows]").forEach(function (input) {
    var source = document.getElementById(input.getAttribute("data-follows"));
    if (!source || input.value.slice(-source.value.length) !== source.value) { return; }
    var prefix = input.value.slice(0, input.value.length - source.value.length);
    var following = true;
    input.addEventListener("input", function () { following = false; });
    source.addEventListener("input", function () {
      if (following && /^\d{4}$/.test(source.value)) { input.value = prefix + source.value; }
    });
  });

  // Refuse an oversized file before it is sent (the server checks again).
  document.querySelectorAll("form[data-max-bytes]").forEach(function (form) {
    var max = parseInt(form.getAttribute("data-max-bytes"), 10);
    form.addEventListener("submit", function (event) {
      var input = form.querySelector("input[type=file]");
      if (input && input.files.length && input.files[0].size > max) {
        event.preventDefault();
        input.setCustomValidity(form.getAttribute("data-too-large"));
        input.reportValidity();
        input.addEventListener("change", function () { input.setCustomValidity(""); }, { once: true });
      }
    });
  });

  // Sortable tables: click a header to sort by that column.
  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    var headers = table.querySelectorAll("thead th");
    headers.forEach(function (th, index) {
      th.tabIndex = 0;
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[index], y = b.cells[index];
          var p = (x && (x.getAttribute("data-sort") || x.textContent.trim())) || "";
          var q = (y && (y.getAttribute("data-sort") || y.textContent.trim())) || "";
          var c = p.localeCompare(q, undefined, { numeric: true, sensitivity: "base" });
          return ascending ? c : -c;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
  });

  // Tabs: a row of links to the parts of a page, one part shown at a time, switched without leaving the page (so a
  // form beside them keeps what was typed). The choice outlives a reload of the page; a link's #part chooses too.
  // Without this file every part shows, one after another, and the links jump to them.
  document.querySelectorAll("[data-tabs]").forEach(function (list) {
    var tabs = Array.prototype.slice.call(list.querySelectorAll("a[href^='#']"));
    var panels = tabs.map(function (tab) { return document.getElementById(tab.getAttribute("href").slice(1)); });
    if (!tabs.length || panels.indexOf(null) >= 0) { return; }
    var key = "tab:" + window.location.pathname + ":" + list.id;
    function remember(id) { try { window.sessionStorage.setItem(key, id); } catch (e) { /* storage off: no memory */ } }
    function remembered() { try { return window.sessionStorage.getItem(key); } catch (e) { return null; } }
    function select(index, focus) {
      tabs.forEach(function (tab, i) {
        var on = i === index;
        tab.setAttribute("aria-selected", on ? "true" : "false");
        tab.tabIndex = on ? 0 : -1;
        tab.classList.toggle("active", on);
        panels[i].hidden = !on;
      });
      if (focus) { tabs[index].focus(); }
      remember(tabs[index].id);
    }
    list.setAttribute("role", "tablist");
    tabs.forEach(function (tab, i) {
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", panels[i].id);
      panels[i].setAttribute("role", "tabpanel");
      panels[i].setAttribute("aria-labelledby", tab.id);
      tab.addEventListener("click", function (event) { event.preventDefault(); select(i, false); });
      tab.addEventListener("keydown", function (event) {
        var moves = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 };
        if (!(event.key in moves)) { return; }
        event.preventDefault();
        select((moves[event.key] + tabs.length) % tabs.length, true);
      });
    });
    var wanted = tabs.map(function (tab) { return tab.getAttribute("href"); }).indexOf(window.location.hash);
    if (wanted < 0) { wanted = tabs.map(function (tab) { return tab.id; }).indexOf(remembered()); }
    select(Math.max(wanted, 0), false);
  });

  // What cannot be undone is confirmed first. A submit button (or its form) with data-confirm opens the page's
  // dialog with that text; data-confirm-ok names the confirming button. Listening while the event goes down to the
  // form, this runs before the form's own handlers (the score sheet's among them), which see only confirmed posts.
  var dialog = document.getElementById("confirm-dialog");
  if (dialog && typeof dialog.showModal === "function") {
    var okButton = document.getElementById("confirm-ok");
    var pending = null;
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var submitter = event.submitter || null;
      var owner = submitter && submitter.hasAttribute("data-confirm") ? submitter : form;
      var text = owner && owner.getAttribute && owner.getAttribute("data-confirm");
      if (!text || form.method === "dialog") { return; }
      // Confirmed once: the post goes, even when the form's own handler holds it back and sends it again later
      // (the score sheet waits for an autosave on its way).
      if (form.getAttribute("data-confirmed") === "1") { return; }
      event.preventDefault();
      event.stopImmediatePropagation();
      pending = { form: form, submitter: submitter };
      document.getElementById("confirm-text").textContent = text;
      okButton.textContent = owner.getAttribute("data-confirm-ok") || okButton.getAttribute("data-default");
      dialog.returnValue = "";
      dialog.showModal();
      okButton.focus();
    }, true);
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) { return; }  // back to a page kept in memory: each post is asked again
      document.querySelectorAll("form[data-confirmed]").forEach(function (form) { form.removeAttribute("data-confirmed"); });
    });
    dialog.addEventListener("close", function () {
      var chosen = pending;
      pending = null;
      if (!chosen || dialog.returnValue !== "ok") {
        if (chosen && chosen.submitter) { chosen.submitter.focus(); }
        return;
      }
      chosen.form.setAttribute("data-confirmed", "1");
      if (chosen.form.requestSubmit) { chosen.form.requestSubmit(chosen.submitter || undefined); } else { chosen.form.submit(); }
    });
  }

  // A rubric being edited: each criterion's weight as its share of the total, as it is typed. A row without a name
  // is removed on saving, so it counts for nothing.
  document.querySelectorAll("form[data-rubric]").forEach(function (rubric) {
    var rows = Array.prototype.slice.call(rubric.querySelectorAll("[data-criterion-row]"));
    var update = function () {
      var weights = rows.map(function (row) {
        var named = Array.prototype.some.call(row.querySelectorAll("input[name$='-name_en'], input[name$='-name_ko']"),
          function (input) { return input.value.trim() !== ""; });
        var weight = parseFloat((row.querySelector("input[name$='-weight']") || {}).value);
        return named && isFinite(weight) && weight > 0 ? weight : 0;
      });
      var total = weights.reduce(function (sum, weight) { return sum + weight; }, 0);
      rows.forEach(function (row, index) {
        var output = row.querySelector("[data-share]");
        if (!output) { return; }
        output.textContent = total > 0 && weights[index] > 0
          ? output.getAttribute("data-template").replace("%(share)s", (100 * weights[index] / total).toFixed(1))
          : "";
      });
    };
    rubric.addEventListener("input", update);
    update();
  });

  // Follow a background fit of the uncertainty model; reload the page once it has finished.
  var fit = document.querySelector('[data-fit-working="true"]');
  if (fit && window.fetch) {
    var bar = fit.querySelector("[data-fit-progress]");
    var percent = fit.querySelector("[data-fit-percent]");
    var poll = function () {
      fetch(fit.getAttribute("data-fit-status"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (state) {
          if (!state) { return; }
          // A dossier waiting for its turn that has started (or the reverse): the page says something else now.
          var waiting = fit.getAttribute("data-fit-waiting");
          if (waiting !== null && state.waiting !== undefined && String(state.waiting) !== waiting) {
            window.location.reload();
            return;
          }
          if (state.status === "queued" || state.status === "running") {
            if (bar) { bar.value = state.progress; bar.textContent = state.progress + "%"; }
            if (percent) { percent.textContent = state.progress; }
            window.setTimeout(poll, 1500);
          } else {
            window.location.reload();
          }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    };
    window.setTimeout(poll, 1500);
  }

  // Choosing a judge's country proposes its time zone when it has only one (Sweden: Europe/Stockholm), unless a
  // zone was chosen by hand; without this file the server gives the country's zone to a zone left empty.
  document.querySelectorAll("select[data-country-zones]").forEach(function (country) {
    var zone = document.getElementById(country.getAttribute("data-zone-field"));
    if (!zone) { return; }
    var zones = JSON.parse(country.getAttribute("data-country-zones"));
    var proposed = zones[country.value] || "";
    zone.addEventListener("change", function () { proposed = null; });
    country.addEventListener("change", function () {
      if (proposed !== null && zone.value !== proposed) { return; }
      var next = zones[country.value] || "";
      if (next || zone.querySelector('option[value=""]')) {
        zone.value = next;
        proposed = next;
      }
    });
  });
})();
