// The score sheet, enhanced: a live weighted total, autosave as a draft, and nothing lost to a closed tab or a
// dropped connection (unsaved input waits in localStorage). Without this file the form still posts as plain HTML.
(function () {
  "use strict";

  var DEBOUNCE_MS = 1500;
  var RETRY_MS = 15000;
  var PREFIX = "awards:score-sheet:";

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  // A read-only sheet (submitted, or the round closed): whatever this browser kept for it is no longer needed.
  var done = document.querySelector("[data-scoring-done]");
  if (done && storage()) { storage().removeItem(PREFIX + done.getAttribute("data-scoring-done")); }

  var form = document.getElementById("score-sheet");
  if (!form) { return; }

  var key = PREFIX + form.getAttribute("data-assignment");
  var url = form.getAttribute("data-autosave-url");
  var status = document.getElementById("save-status");
  var totalEl = document.getElementById("total");
  var scoredEl = document.getElementById("scored");
  var versionInput = form.querySelector("input[name=version]");
  var csrfInput = form.querySelector("input[name=csrf_token]");
  var scoreInputs = Array.prototype.slice.call(form.querySelectorAll("[data-weight]"));

  var timer = null;
  var retryTimer = null;
  var inFlight = null;
  var again = false;    // a change arrived while a save was on its way
  var dirty = false;    // the form holds changes the server has not confirmed
  var changes = 0;      // counts changes, to know whether a save covered the latest one
  var stopped = false;  // the server refused for good (stale page, closed round): keep input, stop saving

  function message(name) { return form.getAttribute("data-msg-" + name) || ""; }

  function setStatus(text, tone) {
    status.textContent = text;
    status.className = "save-status" + (tone ? " text-" + tone : "");
  }

  function values() {
    var result = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.type !== "submit" && el.type !== "hidden") { result[el.name] = el.value; }
    });
    return result;
  }

  // total = 100 × Σ w × (s − min) / (max − min) / Σ w, criteria not yet scored adding nothing (as on the server).
  function updateTotal() {
    var weights = 0;
    var sum = 0;
    var scored = 0;
    scoreInputs.forEach(function (el) {
      var weight = parseFloat(el.getAttribute("data-weight"));
      var min = parseFloat(el.getAttribute("data-min"));
      var max = parseFloat(el.getAttribute("data-max"));
      var value = parseFloat(el.value);
      weights += weight;
      if (el.value === "" || isNaN(value) || max <= min) { return; }
      scored += 1;
      sum += weight * (value - min) / (max - min);
    });
    totalEl.textContent = (weights > 0 ? 100 * sum / weights : 0).toFixed(1);
    scoredEl.textContent = scoredEl.getAttribute("data-template")
      .replace("{n}", String(scored)).replace("{m}", String(scoreInputs.length));
  }

  function remember() {
    var store = storage();
    if (!store) { return; }
    try {
      store.setItem(key, JSON.stringify({ time: new Date().toISOString(), base: versionInput.value, values: values() }));
    } catch (e) { /* storage full or disabled: the server copy is all there is */ }
  }

  function forget() {
    var store = storage();
    if (store) { store.removeItem(key); }
  }

  // Put back what this browser kept but the server never confirmed: when it was typed on top of the version the
  // server still has, or after the server's last save.
  function restore() {
    var store = storage();
    var kept = null;
    try { kept = JSON.parse((store && store.getItem(key)) || "null"); } catch (e) { kept = null; }
    if (!kept || !kept.values) { return false; }
    var current = values();
    var differs = Object.keys(kept.values).some(function (name) {
      return Object.prototype.hasOwnProperty.call(current, name) && current[name] !== kept.values[name];
    });
    var serverTime = Date.parse(form.getAttribute("data-saved-at") || "") || 0;
    var sameBase = String(kept.base) === String(versionInput.value);
    var newer = (Date.parse(kept.time) || 0) > serverTime;
    if (!differs || !(sameBase || newer)) { forget(); return false; }
    Object.keys(kept.values).forEach(function (name) {
      var el = form.elements.namedItem(name);
      if (el && el.type !== "hidden") { el.value = kept.values[name]; }
    });
    return true;
  }

  function showErrors(errors) {
    scoreInputs.forEach(function (el) {
      var id = el.getAttribute("data-criterion");
      var text = (errors && errors[id]) || "";
      var box = document.getElementById("error-" + id);
      el.classList.toggle("is-invalid", Boolean(text));
      if (box) { box.textContent = text; }
    });
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(save, delay === undefined ? DEBOUNCE_MS : delay);
  }

  function retryLater(text) {
    setStatus(text, "warning");
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () { if (dirty) { save(); } }, RETRY_MS);
  }

  function handle(response, data, covered) {
    if (response.ok && data && data.saved) {
      versionInput.value = data.version;
      form.setAttribute("data-saved-at", data.saved_at);
      totalEl.textContent = Number(data.total).toFixed(1);  // the server's total is the one that counts
      showErrors(null);
      if (covered === changes) {
        dirty = false;
        forget();
        setStatus(data.status, "success");
      } else {
        remember();  // typed on top of the new version
        schedule();
      }
      return;
    }
    if (!data) {
      if (response.status === 400) { stopped = true; setStatus(message("expired"), "danger"); return; }
      retryLater(message("failed"));
      return;
    }
    if (response.status === 422) {
      showErrors(data.errors || {});
      setStatus(data.message, "danger");
      return;
    }
    if (response.status >= 500) { retryLater(message("failed")); return; }
    stopped = true;  // stale (409) or refused (403): saving again would not help
    setStatus(data.message, "danger");
  }

  function save(options) {
    clearTimeout(timer);
    timer = null;
    if (stopped || !dirty) { return inFlight || Promise.resolve(); }
    if (inFlight) { again = true; return inFlight; }
    var covered = changes;
    setStatus(message("saving"));
    inFlight = fetch(url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      keepalive: Boolean(options && options.keepalive),
      headers: { "X-CSRFToken": csrfInput ? csrfInput.value : "", "Accept": "application/json" }
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      return (json ? response.json() : Promise.resolve(null)).then(function (data) {
        handle(response, data, covered);
      });
    }).catch(function () {
      retryLater(navigator.onLine === false ? message("offline") : message("failed"));
    }).then(function () {
      inFlight = null;
      if (again) { again = false; schedule(0); }
    });
    return inFlight;
  }

  function changed() {
    changes += 1;
    dirty = true;
    remember();
    updateTotal();
    if (!stopped) {
      setStatus(message("unsaved"));
      schedule();
    }
  }

  form.addEventListener("input", changed);  // selects, text areas and inputs all report "input"

  // "Save draft" and "Submit scores" post the whole form: let an autosave on its way finish first, so that the
  // version the form carries is the newest one.
  form.addEventListener("submit", function (event) {
    clearTimeout(timer);
    if (inFlight) {
      event.preventDefault();
      var submitter = event.submitter;
      inFlight.then(function () {
        if (form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
      });
      return;
    }
    stopped = true;  // the post carries everything: no autosave may race it (the input stays in localStorage)
  });
  window.addEventListener("pageshow", function (event) { if (event.persisted) { stopped = false; } });

  window.addEventListener("online", function () { if (dirty && !stopped) { save(); } });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && dirty && !stopped) { save({ keepalive: true }); }
  });

  // The page came back with refusals: take the judge to the first one.
  var firstInvalid = form.querySelector(".is-invalid");
  if (firstInvalid) { firstInvalid.focus(); }

  updateTotal();
  if (restore()) {
    dirty = true;
    changes += 1;
    updateTotal();
    setStatus(message("restored"), "warning");
    schedule();
  }
})();
