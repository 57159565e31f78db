// Corridor replay: a trainer's bookmarks and injects (window.ReplayTraining), saved with the recording.
// A note marks a day to stop and talk about; an inject is a lever change at a day: when play reaches it,
// the player stops and offers to branch there. The live viewer saves the list to the run folder
// (POST api/training, the whole list; the server checks it and writes training.json atomically); an
// exported file shows the list it was exported with and cannot change it.
(function () {
  "use strict";

  var ctx = null;     // what the player lends us: see init
  var items = [];     // [{day, kind: "note"|"inject", text, levers}]
  var saved = "[]";   // the list as last saved (to undo a refused save)
  var els = {};

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, text, parent) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) { if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]); }
    if (text !== null && text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  function pretty(key) { return String(key).replace(/^policy\./, "").replace(/_/g, " "); }

  function shown(v) {
    if (typeof v === "boolean") return v ? "on" : "off";
    if (Array.isArray(v)) return v.length ? v.map(pretty).join(", ") : "none";
    return pretty(v);
  }

  function leverText(levers) {
    return Object.keys(levers || {}).map(function (k) { return pretty(k) + " → " + shown(levers[k]); }).join(", ");
  }

  // ctx: {data, exported, day(), setDay(d), pause(), playing(), changed(), showError(text), clearError(),
  //       branchHere(day, levers)}
  function init(context) {
    ctx = context;
    var t = ctx.data.training || {};
    items = (t.items || []).map(function (it) { return {day: it.day, kind: it.kind, text: it.text || "", levers: it.levers}; });
    saved = JSON.stringify(items);
    if (t.error) ctx.showError(t.error);
    els.form = $("bookmark-form");
    els.text = $("bookmark-text");
    els.lever = $("inject-lever");
    els.valueBox = $("inject-value-box");
    els.add = $("bookmark-add");
    els.list = $("bookmark-list");
    els.status = $("bookmark-status");
    els.prompt = $("day-prompt");
    buildLeverChoice();
    els.form.addEventListener("submit", function (ev) { ev.preventDefault(); addHere(); });
    els.lever.addEventListener("change", buildValueInput);
    els.list.addEventListener("click", onListClick);
    if (ctx.exported) {
      els.status.textContent = "Saving bookmarks needs the live viewer (python -m sim.replay view RUN_DIR).";
      Array.prototype.forEach.call(els.form.elements, function (e) { e.disabled = true; });
    }
    render();
  }

  function buildLeverChoice() {
    els.lever.textContent = "";
    el("option", {value: ""}, "a note (no lever change)", els.lever);
    (ctx.data.lever_schema || []).forEach(function (spec) {
      el("option", {value: spec.key}, "inject: " + (spec.label || pretty(spec.key)), els.lever);
    });
    buildValueInput();
  }

  function spec(key) {
    var found = null;
    (ctx.data.lever_schema || []).forEach(function (s) { if (s.key === key) found = s; });
    return found;
  }

  function buildValueInput() {
    var box = els.valueBox, s = spec(els.lever.value), now = ctx.data.levers || {};
    box.textContent = "";
    els.value = null;
    if (!s) { box.hidden = true; return; }
    box.hidden = false;
    var input;
    if (s.type === "bool") {
      input = el("select", {id: "inject-value", "aria-label": "New value"}, null, box);
      el("option", {value: "true"}, "on", input);
      el("option", {value: "false"}, "off", input);
      input.value = now[s.key] ? "false" : "true";
    } else if (s.type === "choice") {
      input = el("select", {id: "inject-value", "aria-label": "New value"}, null, box);
      (s.options || []).forEach(function (o) { el("option", {value: o}, pretty(o), input); });
      input.value = String(now[s.key]);
    } else if (s.type === "list") {
      input = el("input", {id: "inject-value", type: "text", "aria-label": "New value",
        placeholder: "crossing ids, comma-separated"}, null, box);
      input.value = Array.isArray(now[s.key]) ? now[s.key].join(", ") : "";
    } else {
      input = el("input", {id: "inject-value", type: "number", "aria-label": "New value", step: s.step || 0.05,
        min: s.min, max: s.max}, null, box);
      input.value = String(now[s.key]);
      el("span", {"class": "inject-range"}, s.range || "", box);
    }
    els.value = input;
  }

  function valueOf(s, input) {  // [value, problem]
    var raw = input.value;
    if (s.type === "bool") return [raw === "true", null];
    if (s.type === "choice") return [raw, null];
    if (s.type === "list") return [raw.split(",").map(function (x) { return x.trim(); }).filter(Boolean), null];
    if (raw.trim() === "" || isNaN(Number(raw))) return [null, pretty(s.key) + ": enter a number"];
    return [Number(raw), null];
  }

  function addHere() {
    if (ctx.exported) return;
    var day = ctx.day(), text = els.text.value.trim(), key = els.lever.value, item = {day: day, kind: "note", text: text};
    if (key) {
      var s = spec(key), v = valueOf(s, els.value);
      if (v[1]) { ctx.showError("Inject not added: " + v[1]); return; }
      item.kind = "inject";
      item.levers = {};
      item.levers[key] = v[0];
    } else if (!text) {
      ctx.showError("Bookmark not added: write a note, or choose a lever to inject");
      return;
    }
    items.push(item);
    items.sort(function (a, b) { return a.day - b.day; });
    els.text.value = "";
    save();
  }

  function onListClick(ev) {
    var button = ev.target.closest ? ev.target.closest("button") : null;
    if (!button) return;
    var i = Number(button.getAttribute("data-i")), it = items[i];
    if (!it) return;
    var what = button.getAttribute("data-act");
    if (what === "go") { ctx.pause(); ctx.setDay(it.day, true); }
    else if (what === "branch") { ctx.pause(); ctx.setDay(it.day, true); ctx.branchHere(it.day, it.levers); }
    else if (what === "delete" && !ctx.exported) { items.splice(i, 1); save(); }
  }

  function save() {
    render();
    ctx.changed();
    els.status.className = "status busy";
    els.status.textContent = "Saving…";
    fetch("api/training", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({items: items})}).then(function (res) {
      return res.text().then(function (text) {
        try { return JSON.parse(text); } catch (err) { return {ok: false, error: "HTTP " + res.status + ": " + text.slice(0, 200)}; }
      });
    }).then(function (data) {
      if (!data.ok) throw new Error(data.error || "not saved");
      items = data.items;
      saved = JSON.stringify(items);
      ctx.clearError();
      els.status.className = "status ok";
      els.status.textContent = "Saved with the recording (training.json).";
    }).catch(function (err) {
      items = JSON.parse(saved);
      els.status.className = "status failed";
      els.status.textContent = "Not saved (see the red box at the top).";
      ctx.showError("Bookmarks not saved: " + err.message);
    }).then(function () { render(); ctx.changed(); });
  }

  function describe(it) {
    var head = it.kind === "inject" ? "Inject: " + leverText(it.levers) : "Note";
    return head + (it.text ? (it.kind === "inject" ? " — " : ": ") + it.text : "");
  }

  function render() {
    var list = els.list;
    list.textContent = "";
    if (!items.length) {
      el("li", {"class": "note"}, "No bookmarks yet. Pause on a day, write a note (or pick a lever to inject) and add it.", list);
    }
    items.forEach(function (it, i) {
      var li = el("li", {"class": "bookmark k-" + it.kind, "data-day": it.day, "data-kind": it.kind}, null, list);
      el("span", {"class": "ev-day"}, "day " + it.day, li);
      el("span", {"class": "bookmark-text"}, describe(it), li);
      var acts = el("span", {"class": "bookmark-actions"}, null, li);
      el("button", {type: "button", "data-act": "go", "data-i": i, title: "Go to day " + it.day}, "Go", acts);
      if (it.kind === "inject") {
        el("button", {type: "button", "data-act": "branch", "data-i": i, disabled: ctx.exported ? "" : null,
          title: "Run the branch this inject describes"}, "Branch", acts);
      }
      if (!ctx.exported) el("button", {type: "button", "data-act": "delete", "data-i": i, title: "Delete", "aria-label": "Delete"}, "×", acts);
    });
    var day = ctx.day();
    els.add.textContent = "Add at day " + day;
  }

  // The player moved from day `from` to `to`. Playing forward over a bookmark stops on its day; landing
  // on a day with bookmarks shows them (an inject with an offer to branch). Returns the day to stop at,
  // or null to carry on.
  function moved(from, to, playing) {
    if (els.add) els.add.textContent = "Add at day " + to;
    var stop = null;
    if (playing && to > from) {
      for (var i = 0; i < items.length; i++) {
        if (items[i].day > from && items[i].day <= to) { stop = items[i].day; break; }
      }
    }
    prompt(stop === null ? to : stop, stop !== null || !playing);
    return stop;
  }

  function prompt(day, show) {
    var box = els.prompt;
    if (!box) return;
    var here = items.filter(function (it) { return it.day === day; });
    if (!show || !here.length) { box.hidden = true; box.textContent = ""; return; }
    box.textContent = "";
    el("strong", null, "Day " + day, box);
    here.forEach(function (it) {
      var row = el("div", {"class": "prompt-row k-" + it.kind}, null, box);
      el("span", null, describe(it), row);
      if (it.kind === "inject") {
        var b = el("button", {type: "button", "class": "primary prompt-branch", disabled: ctx.exported ? "" : null,
          title: ctx.exported ? "Branching needs the live viewer" : "Branch from day " + day + " with this change"},
        "Branch here", row);
        b.addEventListener("click", function () { ctx.branchHere(day, it.levers); box.hidden = true; });
      }
    });
    var close = el("button", {type: "button", "class": "prompt-close", title: "Carry on (Esc)"}, "Carry on", box);
    close.addEventListener("click", function () { box.hidden = true; });
    box.hidden = false;
  }

  function dismiss() { if (els.prompt) els.prompt.hidden = true; }

  function nearest(day, direction) {  // the next (+1) or previous (-1) bookmarked day from `day`
    var days = items.map(function (it) { return it.day; });
    if (direction > 0) { days = days.filter(function (d) { return d > day; }); return days.length ? Math.min.apply(null, days) : null; }
    days = days.filter(function (d) { return d < day; });
    return days.length ? Math.max.apply(null, days) : null;
  }

  function focusNote() { if (els.text && !ctx.exported) { els.text.focus(); } }

  window.ReplayTraining = {init: init, moved: moved, dismiss: dismiss, nearest: nearest, focusNote: focusNote,
    items: function () { return items.slice(); }, describe: describe};
})();
