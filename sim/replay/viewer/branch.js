// Branch panel of the corridor replay player: branches over N paired seeds (with progress while they run),
// named by their lever changes, compared with the original by mean difference and 95% interval (coloured good
// or bad by each outcome's better direction, never by sign), shown on the map and the feed in place of the
// original; and lever help (meaning, range, unit, unit cost) with the interdiction focus picked on the map.
// Loaded before app.js, which calls BranchPanel.start(api) once the recording is on screen and
// BranchPanel.refresh() whenever the set of branches shown changes. No frameworks, no network but our server.
(function () {
  "use strict";

  var api = null;      // what app.js lends: the payload, state, and the functions named in start()
  var R = null;        // the payload
  var focus = null;    // the interdiction focus lever: {lever, chosen: [ids], allowed: {id: true}, chips}
  var picking = false;
  var shown = null;    // the branch whose run the map and the feed show (null: the recording itself)
  var POLL_MS = 300;

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, text, parent) {
    var e = document.createElement(tag);
    if (attrs) { for (var k in attrs) { if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]); } }
    if (text !== null && text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  function words(s) { return String(s).replace(/_/g, " "); }

  // ------------------------------------------------------------------------------------------ names

  function shownValue(v) {
    if (v === true) return "on";
    if (v === false) return "off";
    if (Array.isArray(v)) return v.length ? v.map(words).join(", ") : "none";
    return words(v);
  }

  // A branch named by what it changes, as the server names it: "oversight 0.9, targeting kingpin from day 120".
  function name(day, levers) {
    var changes = Object.keys(levers || {}).map(function (k) {
      return words(k.replace(/^policy\./, "")) + " " + shownValue(levers[k]);
    });
    return (changes.join(", ") || "no lever changed") + " from day " + day;
  }

  // ------------------------------------------------------------------------------------------ start

  function start(viewerApi) {
    api = viewerApi;
    R = api.data;
    buildSeeds();
    buildLeverHelp();
    buildRunPicker();
    refresh();
  }

  function buildSeeds() {
    var actions = document.querySelector("#branch-form .branch-actions");
    if (!actions || $("branch-seeds")) return;
    var limits = R.ensemble_seeds || {default: 10, max: 100};
    var label = el("label", {"class": "seeds", title: "The branch and the original run on the same seeds, the " +
      "recording's own seed first; the comparison is over the pairs. 1: one run, no interval."}, null);
    el("span", null, "Seeds", label);
    var input = el("input", {id: "branch-seeds", type: "number", min: 1, max: limits.max, step: 1,
      value: limits.default, "aria-label": "Seeds"}, null, label);
    input.disabled = api.exported || isBranch();
    actions.insertBefore(label, actions.firstChild);
    var bar = el("progress", {id: "branch-progress", max: 1, value: 0, hidden: ""}, null);
    actions.appendChild(bar);
  }

  function isBranch() { return R.run && R.run.branch_day !== null && R.run.branch_day !== undefined; }

  // ------------------------------------------------------------------------------------------ lever help

  function costText(cost) {
    if (!cost) return "no cost of its own";
    return "unit cost " + cost.value + " " + cost.unit + " " + cost.how;
  }

  function buildLeverHelp() {
    var box = $("lever-inputs");
    if (!box || !api.levers) return;
    var note = el("p", {"class": "lever-units note"}, "Costs are in M, millions of currency units, from this " +
      "run's costs settings; the branch's policy cost is priced from its day on.", null);
    box.parentNode.insertBefore(note, box);
    api.levers.forEach(function (l) {
      var spec = l.spec, row = l.row;
      var old = row.querySelector(".lever-range");
      if (old) old.parentNode.removeChild(old);
      var name = row.querySelector(".lever-name");
      if (name && spec.label) name.textContent = spec.label;
      var help = el("span", {"class": "lever-help"}, null, row);
      if (spec.note) el("span", {"class": "lever-meaning"}, spec.note, help);
      el("span", {"class": "lever-range-text"}, "range " + (spec.range || "?"), help);
      el("span", {"class": "lever-cost", title: spec.cost ? "from the run's config: " + spec.cost.key : null},
        costText(spec.cost), help);
      help.setAttribute("data-lever", spec.key);
      if (spec.type === "list") buildFocusPicker(l);
    });
  }

  // ------------------------------------------------------------------------------------------ focus on the map

  function buildFocusPicker(l) {
    var allowed = {};
    (l.spec.nodes || []).forEach(function (id) { allowed[id] = true; });
    var value = R.levers[l.spec.key];
    focus = {lever: l, chosen: Array.isArray(value) ? value.slice() : [], allowed: allowed};
    l.input.hidden = true;  // still the form's value (app.js reads it): written here, never typed
    l.input.readOnly = true;
    var box = el("span", {"class": "focus-picker"}, null, l.row);
    focus.chips = el("span", {"class": "focus-chips", id: "focus-chips"}, null, box);
    var pick = el("button", {type: "button", id: "focus-pick", "class": "focus-pick",
      title: "Then click crossings and ports on the map to add or remove them"}, "Pick on the map", box);
    var clear = el("button", {type: "button", id: "focus-clear"}, "Clear", box);
    pick.disabled = clear.disabled = api.exported || isBranch();
    pick.addEventListener("click", function (ev) { ev.preventDefault(); setPicking(!picking); });
    clear.addEventListener("click", function (ev) { ev.preventDefault(); focus.chosen = []; writeFocus(); });
    var map = $("map");
    map.addEventListener("click", function (ev) {  // capture: a pick is not also a node inspection
      if (!picking) return;
      var g = ev.target && ev.target.closest ? ev.target.closest(".node") : null;
      if (!g) return;
      ev.stopPropagation();
      ev.preventDefault();
      toggleFocus(g.getAttribute("data-id"));
    }, true);
    $("branch-reset").addEventListener("click", function () {
      var v = R.levers[l.spec.key];
      focus.chosen = Array.isArray(v) ? v.slice() : [];
      writeFocus();
    });
    writeFocus(true);
  }

  function setPicking(on) {
    picking = on;
    var map = $("map"), panel = $("map-panel"), button = $("focus-pick");
    map.classList.toggle("picking", on);
    button.textContent = on ? "Done picking" : "Pick on the map";
    button.classList.toggle("active", on);
    var banner = $("focus-banner");
    if (on) {
      if (!banner) {
        banner = el("div", {id: "focus-banner", "class": "focus-banner", role: "status"}, null);
        panel.insertBefore(banner, map);
      }
      banner.textContent = "Picking the interdiction focus: click crossings and ports (outlined) to add or remove " +
        "them; press “Done picking” in the branch panel when finished.";
      banner.hidden = false;
      var nodes = map.querySelectorAll(".node");
      for (var i = 0; i < nodes.length; i++) {
        nodes[i].classList.toggle("focus-allowed", !!focus.allowed[nodes[i].getAttribute("data-id")]);
      }
      if (panel.scrollIntoView) panel.scrollIntoView({block: "nearest"});
    } else if (banner) {
      banner.hidden = true;
      var marked = map.querySelectorAll(".node.focus-allowed");
      for (var j = 0; j < marked.length; j++) marked[j].classList.remove("focus-allowed");
    }
  }

  function toggleFocus(id) {
    if (!focus.allowed[id]) {
      var banner = $("focus-banner");
      if (banner) banner.textContent = words(id) + " is not a crossing or port: only those can be focused.";
      return;
    }
    var at = focus.chosen.indexOf(id);
    if (at >= 0) focus.chosen.splice(at, 1); else focus.chosen.push(id);
    writeFocus();
  }

  function writeFocus(quiet) {
    var input = focus.lever.input;
    input.value = focus.chosen.join(", ");
    if (!quiet) input.dispatchEvent(new Event("input", {bubbles: true}));  // app.js marks the lever changed
    var chips = focus.chips;
    chips.textContent = "";
    if (!focus.chosen.length) el("span", {"class": "focus-none"}, "no focused post", chips);
    focus.chosen.forEach(function (id) { el("span", {"class": "focus-chip", "data-id": id}, words(id), chips); });
    var nodes = $("map").querySelectorAll(".node");
    for (var i = 0; i < nodes.length; i++) {
      var g = nodes[i], on = focus.chosen.indexOf(g.getAttribute("data-id")) >= 0;
      g.classList.toggle("focus-chosen", on);
      var ring = g.querySelector(".focus-ring");
      if (on && !ring) {
        ring = document.createElementNS("http://www.w3.org/2000/svg", "circle");
        ring.setAttribute("r", "19");
        ring.setAttribute("class", "focus-ring");
        g.insertBefore(ring, g.firstChild);
      } else if (!on && ring) {
        g.removeChild(ring);
      }
    }
  }

  // ------------------------------------------------------------------------------------------ running

  function collectLevers() {  // [levers that differ from the recording, first problem]
    var levers = {}, problem = null;
    api.levers.forEach(function (l) {
      var r = api.leverValue(l);
      if (r[1]) { problem = problem || r[1]; return; }
      if (!api.same(r[0], R.levers[l.spec.key])) levers[l.spec.key] = r[0];
    });
    return [levers, problem];
  }

  function refuse(status, message) {
    api.showError("Branch not run: " + message);
    status.className = "status failed";
    status.textContent = "not run";
  }

  function run() {
    if (api.exported) return;
    api.pause();
    if (picking) setPicking(false);
    var status = $("branch-status"), day = api.state.day, last = api.days - 1;
    if (day >= last) {
      refuse(status, "day " + day + " is the recording's last day: a one-day branch tells nothing; pick a day " +
        "before " + last);
      return;
    }
    var got = collectLevers(), levers = got[0];
    if (got[1]) { refuse(status, got[1]); return; }
    if (!Object.keys(levers).length) { refuse(status, "change at least one lever first"); return; }
    var limits = R.ensemble_seeds || {max: 100}, raw = $("branch-seeds").value.trim(), seeds = Number(raw);
    if (!/^[0-9]+$/.test(raw) || seeds < 1 || seeds > limits.max) {
      refuse(status, "seeds: enter a whole number from 1 to " + limits.max);
      return;
    }
    var started = Date.now(), button = $("branch-run"), bar = $("branch-progress");
    button.disabled = true;
    status.className = "status busy";
    var what = name(day, levers) + (seeds > 1 ? " over " + seeds + " seeds" : "");
    status.textContent = "Running " + what + "…";
    bar.max = 1 + 2 * (seeds - 1);
    bar.value = 0;
    bar.hidden = false;
    var polling = true;
    function poll() {
      if (!polling) return;
      fetch("api/branch/progress", {cache: "no-store"}).then(function (res) { return res.json(); }).then(function (p) {
        if (!polling || !p || !p.running || !p.total) return;
        bar.max = p.total;
        bar.value = p.done;
        status.textContent = "Running " + what + ": " + p.done + " of " + p.total + " runs done…";
      }).catch(function () { /* the answer to the branch itself says what went wrong */ }).then(function () {
        if (polling) setTimeout(poll, POLL_MS);
      });
    }
    setTimeout(poll, POLL_MS);
    fetch("api/branch", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({day: day, levers: levers, seeds: seeds})}).then(function (res) {
      return res.text().then(function (text) {
        try { return JSON.parse(text); } catch (err) { return {ok: false, error: "HTTP " + res.status + ": " + text.slice(0, 200)}; }
      });
    }).then(function (data) {
      if (!data.ok) throw new Error(data.error || "the branch failed");
      api.clearError();
      var entry = api.addBranch(data.branch, true);
      status.className = "status ok";
      status.textContent = "Branch ready (" + ((Date.now() - started) / 1000).toFixed(1) + " s): " +
        (entry ? entry.name : what) + (seeds > 1 ? ", " + seeds + " paired seeds" : ", one run");
    }).catch(function (err) {
      status.className = "status failed";
      status.textContent = "Branch failed (see the red box at the top)";
      api.showError("Branch failed: " + err.message);
    }).then(function () {
      polling = false;
      bar.hidden = true;
      button.disabled = false;
    });
  }

  // ------------------------------------------------------------------------------------------ the map shows

  function buildRunPicker() {
    var head = document.querySelector("#map-panel h2");
    if (!head || $("map-run")) return;
    var label = el("label", {"class": "map-run", title: "Which run the map, the events and the inspectors show"},
      null, head);
    el("span", null, "showing", label);
    var sel = el("select", {id: "map-run", "aria-label": "Run shown on the map and in the feed"}, null, label);
    sel.addEventListener("change", function () { showOnMap(sel.value === "original" ? null : sel.value); });
  }

  function fillRunPicker() {
    var sel = $("map-run");
    if (!sel) return;
    var want = shown ? shown.id : "original";
    sel.textContent = "";
    el("option", {value: "original"}, isBranch() ? "this recording" : "the original (recorded)", sel);
    api.branches().forEach(function (b) {
      if (b.view) el("option", {value: b.id}, b.name, sel);
    });
    sel.value = want;
    sel.parentNode.hidden = sel.options.length < 2;
    var b = shown;
    sel.style.borderColor = b ? b.colour : "";
    sel.parentNode.classList.toggle("branch-shown", !!b);
  }

  function viewProblem(view) {
    var f = view && view.frames;
    if (!f || !Array.isArray(f.edge_flow) || f.edge_flow.length !== api.days) return "its frames are not " + api.days + " days";
    if ((f.edge_flow[0] || []).length !== R.edges.length || (f.seizures[0] || []).length !== R.nodes.length) {
      return "it was recorded on another corridor";
    }
    if (!view.events || !Array.isArray(view.events.rows)) return "it has no events";
    return null;
  }

  function showOnMap(id) {
    var b = null;
    api.branches().forEach(function (x) { if (x.id === id) b = x; });
    if (id && !b) return;
    var problem = b ? viewProblem(b.view) : null;
    if (problem) { api.showError("This branch cannot be shown on the map: " + problem); fillRunPicker(); return; }
    shown = b;
    api.showRun(b ? b.view : null);
    fillRunPicker();
    if (focus) writeFocus(true);
  }

  // ------------------------------------------------------------------------------------------ comparison

  function places(a, info) {  // decimals: the outcome's, at least one (a mean of counts is not a count), and
    var d = Math.max(1, info.digits || 0);  // more while a small value would read as zero
    while (a > 0 && d < 4 && Number(a.toFixed(d)) === 0) d++;
    return d;
  }

  function fmtDiff(v, info) {  // a signed difference; shares shown as percentages differ in percentage points
    if (v === null || v === undefined) return "—";
    var a = Math.abs(v), text = info.percent ? (100 * a).toFixed(places(100 * a, {digits: 1})) + " pp" :
      a.toFixed(places(a, info));
    return (Number(text.replace(" pp", "")) === 0 ? "±" : v > 0 ? "+" : "−") + text;
  }

  function fmtMean(v, info) {
    var text = info.percent ? (100 * v).toFixed(Math.max(1, info.digits || 0)) + "%" :
      v.toFixed(places(Math.abs(v), info));
    return text.replace(/^-/, "−");
  }

  function valueCell(tr, cls, main, low, high, fmt, info, title) {  // a value, its interval below it
    var td = el("td", {"class": cls, title: title || null}, null, tr);
    el("span", {"class": "value"}, main, td);
    if (low !== null && low !== undefined && high !== null && high !== undefined) {
      el("span", {"class": "ci"}, "[" + fmt(low, info) + ", " + fmt(high, info) + "]", td);
    }
    return td;
  }

  function level(tr, m, info) {  // an arm's mean over the seeds and its interval
    if (!m || m.mean === null || m.mean === undefined) return el("td", {"class": "num"}, "—", tr);
    return valueCell(tr, "num", fmtMean(m.mean, info), m.low, m.high, fmtMean, info);
  }

  var VERDICT_TEXT = {better: "better", worse: "worse", unresolved: "not resolved", few: "too few seeds",
    same: "no difference in any pair", neutral: "no better side", missing: "no value"};

  function ensembleTable(b, box) {
    var e = b.ensemble, pairs = e.seeds.length;
    var section = el("section", {"class": "ensemble", "data-branch": b.id}, null, box);
    var h = el("h3", null, null, section);
    el("span", {"class": "swatch", style: "background:" + b.colour}, null, h);
    el("span", null, " " + b.name + " — " + pairs + " paired seeds", h);
    el("p", {"class": "note"}, "Branch minus original, run by run on the same seeds (the recording's seed " +
      e.seeds[0] + " and " + (pairs - 1) + " more), averaged over the " + pairs + " pairs, with its 95% interval. " +
      "Green: better for policy, red: worse, judged by which way the outcome should move, not by the sign; " +
      "grey: the interval includes no change. Each arm's mean has its own interval.", section);
    var table = el("table", {"class": "diff ensemble-table", "data-branch": b.id}, null, section);
    var head = el("tr", null, null, el("thead", null, null, table));
    ["Outcome", "Measured", "Original", "Branch", "Difference [95% interval]", "Verdict"].forEach(function (t, i) {
      el("th", i === 3 ? {style: "color:" + b.colour} : null, t, head);
    });
    var body = el("tbody", null, null, table), infos = R.outcomes || {};
    (R.branch_outcomes || Object.keys(e.outcomes)).forEach(function (k) {
      var row = e.outcomes[k];
      if (!row) return;
      var info = infos[k] || {label: words(k), unit: "", better: 0, digits: 2, percent: false};
      var d = row.difference || {};
      var tr = el("tr", {"data-key": k, "data-better": info.better, "data-verdict": row.verdict, "data-n": d.n,
        "data-mean": d.mean, "data-low": d.low, "data-high": d.high}, null, body);
      var cell = el("td", null, null, tr);
      el("span", null, info.label, cell);
      if (info.unit) el("span", {"class": "unit"}, " " + (info.percent ? "% of " + info.unit.replace(/^share of /, "") : info.unit), cell);
      el("td", {"class": "measured"}, row.measured || info.measured || "", tr);
      level(tr, row.original_mean, info);
      level(tr, row.branch_mean, info);
      var judged = row.verdict === "better" ? " good" : row.verdict === "worse" ? " bad" :
        row.verdict === "unresolved" || row.verdict === "few" ? " unresolved" : "";
      valueCell(tr, "num ens-diff" + judged, fmtDiff(d.mean, info), d.low, d.high, fmtDiff, info,
        VERDICT_TEXT[row.verdict] || "");
      el("td", {"class": "verdict" + judged}, VERDICT_TEXT[row.verdict] || row.verdict, tr);
    });
    var actions = el("div", {"class": "ensemble-actions"}, null, section);
    if (b.view) {
      var open = el("button", {type: "button", "class": "show-on-map", "data-branch": b.id},
        shown === b ? "Shown on the map and feed" : "Show this branch on the map and feed", actions);
      open.disabled = shown === b;
      open.addEventListener("click", function () {
        showOnMap(b.id);
        var map = $("map-panel");
        if (map.scrollIntoView) map.scrollIntoView({block: "start"});
      });
    }
  }

  function refresh() {  // after the set of branches shown changes (a new branch, a ticked legend box)
    if (!api) return;
    var box = $("ensemble-box");
    if (!box) {
      box = el("div", {id: "ensemble-box"}, null);
      var diff = $("branch-diff-box");
      diff.parentNode.insertBefore(box, diff);
    }
    box.textContent = "";
    api.visible().forEach(function (b) {
      if (b.ensemble && b.ensemble.outcomes && Array.isArray(b.ensemble.seeds)) ensembleTable(b, box);
      else if (b.ensembleError) el("p", {"class": "note ensemble-missing"}, b.name + ": its ensemble cannot be read (" +
        b.ensembleError + ")", box);
    });
    var single = $("branch-diff-box");
    if (single && single.firstChild && !single.querySelector(".single-note")) {  // app.js redraws it, heading first
      var note = el("p", {"class": "note single-note"}, "One run each, on the recording's seed: the story the map " +
        "tells, not the effect. The effect, with its uncertainty, is the comparison over paired seeds" +
        (box.firstChild ? " above" : ": run a branch with 10 seeds or more") + ".", null);
      single.insertBefore(note, single.children[1] || null);
    }
    fillRunPicker();
  }

  window.BranchPanel = {start: start, refresh: refresh, run: run, name: name, showOnMap: showOnMap};
})();
