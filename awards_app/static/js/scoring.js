// The score sheet, enhanced: a live count (and the weighted total once every criterion is scored), digits that
// choose a score, autosave as a draft, and nothing lost to a closed tab, a dropped connection or a second device
// (unsaved input waits in localStorage with the version of the sheet it was typed on). Without this file the form
// still posts as plain HTML.
(function () {
  "use strict";

  var DEBOUNCE_MS = 1500;
  var RETRY_MS = 15000;
  var PREFIX = "awards:score-sheet:";
  var TYPING_MS = 800;  // digits typed closer together than this make one score ("1" then "0" is 10)

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
  var totalBox = document.getElementById("total-box");
  var badgeEl = document.getElementById("assignment-status");
  var conflictEl = document.getElementById("sheet-conflict");
  var savedStatus = status.textContent;  // as the server wrote it: when the sheet was last saved
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
  var choosing = false; // the judge is still to choose between this browser's copy and the server's

  function message(name) { return form.getAttribute("data-msg-" + name) || ""; }

  function setStatus(text, tone) {
    status.textContent = text;
    status.className = "save-status" + (tone ? " text-" + tone : "");
  }

  // What the form would post, by name (a score's radios as one value, "" when "not scored"; a "share" tick as its
  // value when ticked, "" when not).
  function values() {
    var result = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "submit" || el.type === "hidden") { return; }
      if (el.type === "checkbox") {
        result[el.name] = el.checked ? el.value : "";
        return;
      }
      if (el.type === "radio") {
        if (el.checked || !Object.prototype.hasOwnProperty.call(result, el.name)) {
          result[el.name] = el.checked ? el.value : "";
        }
        return;
      }
      result[el.name] = el.value;
    });
    return result;
  }

  function setValue(name, value) {
    var el = form.elements.namedItem(name);
    if (!el || el.type === "hidden" || el.type === "submit") { return; }
    if (el.type === "checkbox") { el.checked = value !== ""; return; }
    el.value = value;  // a score's radios are a RadioNodeList: this checks the one of that value
  }

  function scoreOf(group) {
    var checked = group.querySelector("input[type=radio]:checked");
    return checked ? checked.value : "";
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
      var text = scoreOf(el);
      var value = parseFloat(text);
      weights += weight;
      if (text === "" || isNaN(value) || max <= min) { return; }
      scored += 1;
      sum += weight * (value - min) / (max - min);
    });
    totalEl.textContent = (weights > 0 ? 100 * sum / weights : 0).toFixed(1);
    totalBox.hidden = scored !== scoreInputs.length;  // no partial total: it reads like a low mark
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

  function kept() {
    var store = storage();
    try { return JSON.parse((store && store.getItem(key)) || "null"); } catch (e) { return null; }
  }

  // What this browser kept but the server never confirmed. Typed on top of the version the server still has: put
  // back silently. Typed on an older version (the sheet was saved since from another window or device): show both
  // and let the judge choose, changing nothing until then. Returns "restored", "choosing" or "".
  function restore() {
    var staleBase = form.getAttribute("data-stale-base");
    if (staleBase !== null) {
      // The server refused this post as typed on an older version and shows it back, saved nowhere: keep it in
      // this browser against that version, so that a reload offers the choice instead of dropping it.
      var store = storage();
      try {
        if (store) {
          store.setItem(key, JSON.stringify({ time: new Date().toISOString(), base: staleBase, values: values() }));
        }
      } catch (e) { /* storage full or disabled: the page itself is all there is */ }
      return "";
    }
    var copy = kept();
    if (!copy || !copy.values) { return ""; }
    var current = values();
    // The server keeps a comment trimmed: a space or a new line at either end is the same comment, not another
    // version to choose from.
    var differing = Object.keys(copy.values).filter(function (name) {
      return Object.prototype.hasOwnProperty.call(current, name) &&
        String(current[name]).trim() !== String(copy.values[name]).trim();
    });
    if (!differing.length) { forget(); return ""; }
    if (copy.base !== undefined && String(copy.base) === String(versionInput.value)) {
      differing.forEach(function (name) { setValue(name, copy.values[name]); });
      return "restored";
    }
    askWhichToKeep(copy.values, current, differing);
    return "choosing";
  }

  // --- two versions of the sheet: the judge chooses ---------------------------------------------------------

  // A line per criterion (its score, comment and "share" tick together) and one for the overall comment and its
  // tick.
  function lines(names) {
    var result = [];
    var seen = {};
    names.forEach(function (name) {
      var match = /^(?:score|comment|share)_(\d+)$/.exec(name);
      var overall = name === "overall_comment" || name === "share_overall";
      var id = match ? match[1] : (overall ? "overall" : name);
      if (seen[id]) { return; }
      seen[id] = true;
      if (match) {
        var fieldset = document.getElementById("criterion-" + id);
        var legend = fieldset && fieldset.querySelector("legend");
        result.push({
          id: id, label: legend ? legend.textContent : id, names: ["score_" + id, "comment_" + id, "share_" + id]
        });
      } else if (overall) {
        var overallLabel = form.querySelector("label[for='overall_comment']");
        result.push({
          id: id, label: overallLabel ? overallLabel.textContent : name, names: ["overall_comment", "share_overall"]
        });
      } else {
        var label = form.querySelector("label[for='" + name + "']");
        result.push({ id: id, label: label ? label.textContent : name, names: [name] });
      }
    });
    return result;
  }

  function describe(line, side) {
    var parts = document.createElement("span");
    line.names.forEach(function (name) {
      var value = side[name] || "";
      var part = document.createElement(name.indexOf("score_") === 0 ? "strong" : "span");
      if (name.indexOf("score_") === 0) {
        part.textContent = value === "" ? message("not-scored") : value;
      } else if (name.indexOf("share_") === 0) {
        part.textContent = value === "" ? message("not-shared") : message("shared");
        part.className = "d-block small text-muted";
      } else {
        part.textContent = value === "" ? message("no-comment") : value;
        part.className = value === "" ? "d-block text-muted" : "d-block answer-text";
      }
      parts.appendChild(part);
    });
    return parts;
  }

  function setEditable(editable) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.type !== "hidden") { el.disabled = !editable; }
    });
  }

  function askWhichToKeep(local, server, names) {
    var body = conflictEl.querySelector("tbody");
    var problem = document.getElementById("sheet-conflict-problem");
    var found = lines(names);
    body.textContent = "";
    found.forEach(function (line) {
      var row = document.createElement("tr");
      var head = document.createElement("th");
      head.scope = "row";
      head.textContent = line.label;
      row.appendChild(head);
      [["local", local], ["server", server]].forEach(function (pair) {
        var cell = document.createElement("td");
        var label = document.createElement("label");
        var radio = document.createElement("input");
        radio.type = "radio";
        radio.name = "keep-" + line.id;
        radio.value = pair[0];
        radio.className = "form-check-input me-1";
        label.appendChild(radio);
        label.appendChild(describe(line, pair[1]));
        cell.appendChild(label);
        row.appendChild(cell);
      });
      body.appendChild(row);
    });

    function decide(choice) {
      var keep = {};
      var missing = false;
      found.forEach(function (line) {
        var side = choice;
        if (choice === "chosen") {
          var picked = conflictEl.querySelector("input[name='keep-" + line.id + "']:checked");
          side = picked ? picked.value : "";
          missing = missing || !side;
        }
        keep[line.id] = side;
      });
      if (missing) { problem.hidden = false; return; }
      var takeLocal = false;
      found.forEach(function (line) {
        if (keep[line.id] !== "local") { return; }
        line.names.forEach(function (name) {
          if (Object.prototype.hasOwnProperty.call(local, name)) { setValue(name, local[name]); takeLocal = true; }
        });
      });
      choosing = false;
      conflictEl.hidden = true;
      setEditable(true);
      updateTotal();
      if (takeLocal) {
        changed();  // saved on top of the server's version, which this page carries
      } else {
        forget();
        setStatus(savedStatus);
      }
      (form.querySelector(".score-scale input:checked") || form.querySelector("textarea")).focus();
    }

    Array.prototype.forEach.call(conflictEl.querySelectorAll("[data-keep]"), function (button) {
      button.addEventListener("click", function () { decide(button.getAttribute("data-keep")); });
    });
    choosing = true;
    setEditable(false);
    conflictEl.hidden = false;
    conflictEl.focus();
  }

  function showErrors(errors) {
    scoreInputs.forEach(function (el) {
      var id = el.getAttribute("data-criterion");
      var text = (errors && errors[id]) || "";
      var box = document.getElementById("error-" + id);
      el.classList.toggle("is-invalid", Boolean(text));
      if (text) { el.setAttribute("aria-invalid", "true"); } else { el.removeAttribute("aria-invalid"); }
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
      if (data.badge && badgeEl) { badgeEl.innerHTML = data.badge; }  // markup of the server's own status macro
      if (data.scored === data.criteria) {
        totalEl.textContent = Number(data.total).toFixed(1);  // the server's total is the one that counts
      }
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
    if (stopped || choosing || !dirty) { return inFlight || Promise.resolve(); }
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
    if (choosing) { setStatus(message("choose"), "warning"); return; }  // keep the copy as it is until then
    changes += 1;
    dirty = true;
    remember();
    updateTotal();
    if (!stopped) {
      setStatus(message("unsaved"));
      schedule();
    }
  }

  form.addEventListener("input", changed);  // radios, text areas and inputs all report "input"

  // Digits choose a score while its group has the focus: "7" is 7, "1" then "0" typed quickly is 10, and "0" alone
  // is 10 where the scale has no 0; "2", "." then "5" is 2.5 on a scale of halves. Delete means "not scored". The
  // arrow keys are the browser's own.
  var typed = "";
  var typedAt = 0;
  var typedIn = null;

  function radioOf(group, text) {
    var number = parseFloat(text);
    if (text === "" || isNaN(number)) { return text === "" ? group.querySelector("input[value='']") : null; }
    var radios = Array.prototype.slice.call(group.querySelectorAll("input[type=radio]"));
    var found = radios.filter(function (r) { return r.value !== "" && parseFloat(r.value) === number; })[0];
    if (!found && text === "0") {
      found = radios.filter(function (r) { return r.value !== "" && parseFloat(r.value) === 10; })[0];
    }
    return found || null;
  }

  function choose(radio) {
    radio.focus();
    if (radio.checked) { return; }
    radio.checked = true;
    radio.dispatchEvent(new Event("input", { bubbles: true }));
    radio.dispatchEvent(new Event("change", { bubbles: true }));
  }

  form.addEventListener("keydown", function (event) {
    var el = event.target;
    var group = el.type === "radio" && el.closest(".score-scale");
    if (!group || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var radio = null;
    if (event.key === "Delete" || event.key === "Backspace") {
      typed = "";
      radio = radioOf(group, "");
    } else if (/^[0-9.,]$/.test(event.key)) {
      var now = Date.now();
      if (typedIn !== group || now - typedAt > TYPING_MS) { typed = ""; }
      typedIn = group;
      typedAt = now;
      typed += event.key === "," ? "." : event.key;
      radio = radioOf(group, typed);
      if (!radio && typed.length > 1 && /[0-9]/.test(event.key)) {
        typed = event.key;  // no such score: start again from this digit
        radio = radioOf(group, typed);
      }
      if (!radio && /\.$/.test(typed)) { event.preventDefault(); return; }  // half way to "2.5"
    } else {
      return;
    }
    event.preventDefault();
    if (radio) { choose(radio); }
  });
  document.getElementById("score-keys").hidden = false;

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
  if (firstInvalid && firstInvalid.classList.contains("score-scale")) {
    firstInvalid = firstInvalid.querySelector("input:checked") || firstInvalid.querySelector("input");
  }
  if (firstInvalid) { firstInvalid.focus(); }

  updateTotal();
  var restored = restore();
  // Shown again after a post that saved nothing (a refused submission, a comment too long): what it holds is
  // unsaved input, kept in this browser and saved as a draft with the next change or when the page is left (not
  // at once, which would clear the marks the server put on the refused criteria).
  if (restored === "" && form.hasAttribute("data-unsaved")) { restored = "unsaved"; }
  if (restored === "unsaved") {
    dirty = true;
    changes += 1;
    remember();
    setStatus(message("unsaved"));
  } else if (restored === "restored") {
    dirty = true;
    changes += 1;
    updateTotal();
    setStatus(message("restored"), "warning");
    schedule();
  } else if (restored === "choosing") {
    setStatus(message("choose"), "warning");
  } else if (typedBeforeThisScript()) {
    changed();  // a score chosen (or text typed) while the page was still loading: saved like any other change
  }

  // Whether the form holds something other than what the page came with: chosen or typed before this (deferred)
  // script could listen.
  function typedBeforeThisScript() {
    return Array.prototype.some.call(form.elements, function (el) {
      if (!el.name || el.type === "submit" || el.type === "hidden") { return false; }
      if (el.type === "radio" || el.type === "checkbox") { return el.checked !== el.defaultChecked; }
      return el.value !== el.defaultValue;
    });
  }
})();
