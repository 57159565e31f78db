// Corridor replay player: one static page fed one JSON payload (format sim-replay/1).
// Served by `python -m sim.replay view RUN_DIR` (fetches /api/recording, can POST /api/branch), or exported
// by `python -m sim.replay export RUN_DIR --html FILE` (payload inlined as window.RECORDING, no network).
// No frameworks, no network beyond our own server. Everything per day is precomputed once; a frame only
// updates attributes and a capped event list.
(function () {
  "use strict";

  var SVGNS = "http://www.w3.org/2000/svg";
  var PAYLOAD_FORMAT = "sim-replay/1";
  var EXPORTED = typeof window.RECORDING !== "undefined";
  var FEED_CAP = 200;
  var ORIGINAL_COLOUR = "#1f4e99";
  var BRANCH_COLOURS = ["#e8590c", "#2b8a3e", "#c2255c", "#7048e8", "#0b7285", "#a0522d"];
  var KEY_KINDS = ["seizure", "arrest", "officer_corrupted", "corruption_case", "conviction", "acquittal",
    "asset_freeze", "victim_identified", "victim_protected", "cell_dismantled", "policy_change", "operation"];
  var KINDS = {  // how each node kind is drawn: shape, fill, size (map units are pixels of a 1000-wide map)
    origin: {shape: "triangle", fill: "#8d5524", label: "origin"},
    market: {shape: "square", fill: "#a61e4d", label: "market"},
    crossing: {shape: "diamond", fill: "#1c7ed6", label: "official crossing"},
    informal_crossing: {shape: "diamond", fill: "#ffffff", stroke: "#0b7285", dash: true, label: "informal crossing"},
    town: {shape: "circle", fill: "#868e96", label: "town"},
    hub: {shape: "hexagon", fill: "#343a40", label: "hub"},
    airport: {shape: "star", fill: "#7048e8", label: "airport"},
    port: {shape: "pentagon", fill: "#0b7285", label: "port"}
  };
  var MODES = {land: {colour: "#e8590c", dash: null}, sea: {colour: "#1971c2", dash: "10 6"},
    air: {colour: "#7048e8", dash: "3 6"}};
  var COUNTRY_FILLS = ["#fff4e6", "#e7f5ff", "#ebfbee", "#f8f0fc", "#fff9db", "#e6fcf5"];
  // Which series are charted, and each outcome's label, unit, format and better direction, come with the
  // payload (R.charts, R.outcomes) from the outcome registry (sim/outcomes.py): nothing is hard-coded here.

  var R = null;   // the payload
  var D = null;   // derived, precomputed tables
  var state = {day: 0, playing: false, speed: 5, node: null, org: 0, filter: "all", showAll: false,
    branches: [], rendered: {feedDay: -1, feedFilter: null}};
  var els = {};   // element handles, filled by build*
  var timer = {last: null, acc: 0, raf: 0};

  // ------------------------------------------------------------------------------------------ helpers

  function $(id) { return document.getElementById(id); }

  function svg(tag, attrs, parent) {
    var el = document.createElementNS(SVGNS, tag);
    if (attrs) { for (var k in attrs) { if (attrs[k] !== null && attrs[k] !== undefined) el.setAttribute(k, attrs[k]); } }
    if (parent) parent.appendChild(el);
    return el;
  }

  function html(tag, attrs, text, parent) {
    var el = document.createElement(tag);
    if (attrs) { for (var k in attrs) { if (attrs[k] !== null && attrs[k] !== undefined) el.setAttribute(k, attrs[k]); } }
    if (text !== null && text !== undefined) el.textContent = text;
    if (parent) parent.appendChild(el);
    return el;
  }

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
    });
  }

  function pretty(id) { return String(id).replace(/_/g, " "); }

  function fmt(v) {  // a number of no known outcome: as many digits as its size needs
    if (v === null || v === undefined || (typeof v === "number" && isNaN(v))) return "—";
    if (typeof v !== "number") return String(v);
    if (Number.isInteger(v)) return v.toLocaleString("en");
    var a = Math.abs(v);
    return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
  }

  function fmtOutcome(v, info) {  // a value as the registry formats it (info: {percent, digits})
    if (!info || v === null || v === undefined || typeof v !== "number" || isNaN(v)) return fmt(v);
    if (info.percent) return (100 * v).toFixed(info.digits) + "%";
    if (!info.digits) return Math.round(v).toLocaleString("en");
    return v.toFixed(info.digits);
  }

  function capitalise(s) { s = String(s); return s.charAt(0).toUpperCase() + s.slice(1); }

  function showError(message, fatal) {  // one line in the red box; a fatal one (nothing to play) stays
    var box = $("error");
    box.textContent = String(message).split("\n")[0];
    box.title = fatal ? "" : "click to dismiss";
    box.setAttribute("data-fatal", fatal ? "1" : "");
    box.hidden = false;
  }

  function clearError() {
    var box = $("error");
    if (box.getAttribute("data-fatal") === "1") return;
    box.hidden = true;
    box.textContent = "";
  }

  window.addEventListener("error", function (e) { showError("Viewer error: " + (e.message || e)); });
  window.addEventListener("unhandledrejection", function (e) {
    showError("Viewer error: " + ((e.reason && e.reason.message) || e.reason));
  });

  // ------------------------------------------------------------------------------------------ loading

  function load() {
    $("mode-badge").textContent = EXPORTED ? "exported file" : "live viewer";
    if (EXPORTED) { start(window.RECORDING); return; }
    fetch("api/recording", {cache: "no-store"}).then(function (res) {
      return res.text().then(function (text) {
        var data;
        try { data = JSON.parse(text); } catch (err) {
          throw new Error("the server sent something that is not JSON (HTTP " + res.status + ")");
        }
        if (!res.ok || data.ok === false) throw new Error(data.error || ("HTTP " + res.status));
        return data;
      });
    }).then(start, function (err) {
      $("run-info").textContent = "no recording";
      showError("Cannot load the recording: " + err.message, true);
    });
  }

  function start(data) {
    var problem = validate(data);
    if (problem) {
      $("run-info").textContent = "no recording";
      showError("This recording cannot be played: " + problem, true);
      return;
    }
    R = data;
    try {
      precompute();
      buildHeader();
      buildMap();
      buildCharts();
      buildFeedFilter();
      buildOrgList();
      buildBranchForm();
      (R.branches || []).forEach(function (b) { addBranch(b, false); });
      renderBranchLegend();
      bindControls();
      setDay(0, true);
    } catch (err) {
      showError("This recording cannot be played: " + err.message, true);
      if (window.console) console.warn(err);
      return;
    }
    ["play", "step-back", "step-forward", "day-slider", "speed"].forEach(function (id) { $(id).disabled = false; });
    window.viewer = {state: state, setDay: setDay, play: play, pause: pause, data: R};
    document.body.classList.add("ready");
  }

  function validate(p) {
    if (!p || typeof p !== "object") return "no data";
    if (p.format !== PAYLOAD_FORMAT) return "format " + JSON.stringify(p.format) + ", this viewer reads " + PAYLOAD_FORMAT;
    var need = ["run", "nodes", "edges", "orgs", "frames", "charts", "series", "events", "lever_schema", "levers"];
    for (var i = 0; i < need.length; i++) { if (!p[need[i]]) return "no " + need[i]; }
    var f = p.frames;
    if (!Array.isArray(f.edge_flow) || f.edge_flow.length < 1) return "no daily frames";
    var days = f.edge_flow.length;
    var widths = {edge_flow: p.edges.length, seizures: p.nodes.length, arrests: p.nodes.length,
      corrupt: p.nodes.length, queue: p.nodes.length, trust: p.nodes.length, org_members: p.orgs.length,
      org_arrests: p.orgs.length, org_cash: p.orgs.length, org_roles: p.orgs.length};
    for (var key in widths) {
      var rows = f[key];
      if (!Array.isArray(rows) || rows.length !== days) return "frames." + key + " is not " + days + " days long";
      for (var d = 0; d < days; d++) {
        if (!Array.isArray(rows[d]) || rows[d].length !== widths[key]) {
          return "frames." + key + " day " + d + " has " + (rows[d] && rows[d].length) + " values, expected " + widths[key];
        }
      }
    }
    if (!Array.isArray(p.events.columns) || !Array.isArray(p.events.rows)) return "events table is malformed";
    if (p.events.columns.indexOf("day") < 0 || p.events.columns.indexOf("kind") < 0) return "events have no day or kind";
    return null;
  }

  // ------------------------------------------------------------------------------------------ precompute

  function cumulate(values) {
    var out = new Float64Array(values.length), s = 0;
    for (var i = 0; i < values.length; i++) { s += values[i] || 0; out[i] = s; }
    return out;
  }

  function cumulateRows(rows) {  // rows[day][i] -> flat Int32Array of running sums, day-major
    var days = rows.length, n = days ? rows[0].length : 0, out = new Float64Array(days * n);
    for (var d = 0; d < days; d++) {
      for (var i = 0; i < n; i++) out[d * n + i] = (d ? out[(d - 1) * n + i] : 0) + (rows[d][i] || 0);
    }
    return out;
  }

  function chartSeries(series) {  // what each chart draws, as arrays of numbers (or null when not recorded)
    var out = {};
    R.charts.forEach(function (c) {
      var v = series && series[c.key];
      out[c.key] = Array.isArray(v) ? (c.cumulative ? Array.from(cumulate(v)) : v.map(Number)) : null;
    });
    return out;
  }

  function precompute() {
    var f = R.frames, days = f.edge_flow.length;
    var nodeIndex = {}, orgIndex = {};
    R.nodes.forEach(function (n, i) { nodeIndex[n.id] = i; });
    R.orgs.forEach(function (o, i) { orgIndex[o.id] = i; });
    var maxFlow = 1;
    f.edge_flow.forEach(function (row) { row.forEach(function (v) { if (v > maxFlow) maxFlow = v; }); });
    var cols = R.events.columns, ci = {};
    cols.forEach(function (c, i) { ci[c] = i; });
    var events = R.events.rows.map(function (r, i) {
      var day = Number(r[ci.day]);
      return {i: i, day: day, d: Math.min(days - 1, Math.max(0, Math.floor(day))), kind: String(r[ci.kind]),
        org: ci.org !== undefined ? r[ci.org] : -1, node: ci.node !== undefined ? r[ci.node] : "",
        commodity: ci.commodity !== undefined ? r[ci.commodity] : "", value: ci.value !== undefined ? r[ci.value] : null,
        detail: ci.detail !== undefined ? r[ci.detail] : "", html: null};
    });
    events.sort(function (a, b) { return a.day - b.day || a.i - b.i; });
    events.forEach(function (e, k) { e.si = k; });
    var kindCounts = {};
    events.forEach(function (e) { kindCounts[e.kind] = (kindCounts[e.kind] || 0) + 1; });
    D = {
      days: days, nodeIndex: nodeIndex, orgIndex: orgIndex, maxFlow: maxFlow,
      cumSeizures: cumulateRows(f.seizures), cumArrests: cumulateRows(f.arrests),
      cumOrgArrests: cumulateRows(f.org_arrests), events: events, kindCounts: kindCounts,
      byFilter: {all: events}, series: chartSeries(R.series), countries: countryList()
    };
  }

  function countryList() {
    var seen = [];
    R.nodes.forEach(function (n) { if (seen.indexOf(n.country) < 0) seen.push(n.country); });
    return seen;
  }

  // ------------------------------------------------------------------------------------------ header

  function buildHeader() {
    var run = R.run || {};
    var parts = ["scenario " + (run.scenario || "?"), "seed " + run.seed, D.days + " days"];
    if (run.branch_day !== null && run.branch_day !== undefined) {
      parts.push("a branch at day " + run.branch_day + " (" + leverText(run.branch_levers) + ")");
    }
    $("run-info").textContent = parts.join(" · ");
    $("run-info").title = run.path || "";
    document.title = "Corridor replay — " + (run.scenario || "") + " seed " + run.seed;
    var slider = $("day-slider");
    slider.max = String(D.days - 1);
    $("day-of").textContent = " / " + (D.days - 1);
    buildSchedule(run.schedule || []);
  }

  function buildSchedule(changes) {  // the run's policy changes: a list to jump to, ticks on the day slider
    var box = $("schedule"), ticks = $("change-days");
    box.textContent = "";
    ticks.textContent = "";
    D.changes = changes.filter(function (c) { return c.day >= 0 && c.day < D.days; });
    if (!D.changes.length) { box.hidden = true; return; }
    html("span", {"class": "schedule-title"}, "Policy changes:", box);
    D.changes.forEach(function (c) {
      var text = "day " + c.day + ": " + leverText(c.levers);
      var b = html("button", {type: "button", "class": "change", "data-day": c.day, title: "Go to day " + c.day}, text, box);
      b.addEventListener("click", function () { pause(); setDay(c.day, true); });
      html("option", {value: c.day}, null, ticks);
    });
    box.hidden = false;
  }

  function leverText(levers) {
    return Object.keys(levers || {}).map(function (k) {
      var v = levers[k];
      return pretty(k.replace(/^policy\./, "")) + " " + (Array.isArray(v) ? "[" + v.join(", ") + "]" : v);
    }).join(", ");
  }

  // ------------------------------------------------------------------------------------------ map

  function shapePath(shape, r) {
    function poly(n, rot, rr) {
      var pts = [];
      for (var k = 0; k < n; k++) {
        var a = rot + 2 * Math.PI * k / n;
        pts.push((rr * Math.cos(a)).toFixed(2) + "," + (rr * Math.sin(a)).toFixed(2));
      }
      return "M" + pts.join("L") + "Z";
    }
    switch (shape) {
      case "triangle": return poly(3, -Math.PI / 2, r * 1.25);
      case "square": return "M" + -r * 0.9 + "," + -r * 0.9 + "h" + 1.8 * r + "v" + 1.8 * r + "h" + -1.8 * r + "Z";
      case "diamond": return poly(4, -Math.PI / 2, r * 1.2);
      case "hexagon": return poly(6, 0, r * 1.1);
      case "pentagon": return poly(5, -Math.PI / 2, r * 1.1);
      case "star": {
        var pts = [];
        for (var k = 0; k < 10; k++) {
          var a = -Math.PI / 2 + Math.PI * k / 5, rr = k % 2 ? r * 0.55 : r * 1.3;
          pts.push((rr * Math.cos(a)).toFixed(2) + "," + (rr * Math.sin(a)).toFixed(2));
        }
        return "M" + pts.join("L") + "Z";
      }
      default: return "M" + -r + ",0a" + r + "," + r + " 0 1,0 " + 2 * r + ",0a" + r + "," + r + " 0 1,0 " + -2 * r + ",0";
    }
  }

  function kindStyle(kind) { return KINDS[kind] || {shape: "circle", fill: "#adb5bd", label: pretty(kind)}; }

  function buildMap() {
    var map = $("map");
    var xs = R.nodes.map(function (n) { return Number(n.x) || 0; });
    var ys = R.nodes.map(function (n) { return Number(n.y) || 0; });
    var minx = Math.min.apply(null, xs), maxx = Math.max.apply(null, xs);
    var miny = Math.min.apply(null, ys), maxy = Math.max.apply(null, ys);
    var W = 900, padX = 70, padTop = 76, padBottom = 62;
    var s = (W - 2 * padX) / Math.max(maxx - minx, 1e-9);
    if (maxx - minx < 1e-9) s = 100;
    var H = Math.max(360, Math.round((maxy - miny) * s + padTop + padBottom));
    if ((maxy - miny) * s > H - padTop - padBottom) s = (H - padTop - padBottom) / (maxy - miny);
    function px(x) { return padX + (x - minx) * s + (maxx - minx < 1e-9 ? (W - 2 * padX) / 2 : 0); }
    function py(y) { return H - padBottom - (y - miny) * s; }  // north up
    map.setAttribute("viewBox", "0 0 " + W + " " + H);
    map.setAttribute("preserveAspectRatio", "xMidYMid meet");
    D.px = px; D.py = py;

    var gCountries = svg("g", {"class": "countries"}, map);
    drawCountries(gCountries, px, W, H);

    var gEdges = svg("g", {"class": "edges"}, map);
    els.edges = R.edges.map(function (e) {
      var a = R.nodes[D.nodeIndex[e.source]], b = R.nodes[D.nodeIndex[e.target]];
      if (!a || !b) return null;
      var x1 = px(a.x), y1 = py(a.y), x2 = px(b.x), y2 = py(b.y);
      var dx = x2 - x1, dy = y2 - y1, len = Math.sqrt(dx * dx + dy * dy) || 1;
      var ox = -dy / len * 4, oy = dx / len * 4;  // each direction in its own lane
      var mode = MODES[e.mode] || MODES.land;
      var line = svg("line", {x1: (x1 + ox).toFixed(1), y1: (y1 + oy).toFixed(1), x2: (x2 + ox).toFixed(1),
        y2: (y2 + oy).toFixed(1), "class": "edge mode-" + e.mode, stroke: "#ced4da", "stroke-width": 1.5,
        "stroke-dasharray": mode.dash, "stroke-linecap": "round"}, gEdges);
      var title = svg("title", null, line);
      title.textContent = pretty(e.source) + " → " + pretty(e.target) + " (" + e.mode + ", " + e.days + " days)";
      return {line: line, title: title, flow: -1, colour: mode.colour, label: title.textContent};
    });

    var gNodes = svg("g", {"class": "nodes"}, map);
    els.selRing = svg("circle", {r: 25, "class": "selection-ring", visibility: "hidden"}, gNodes);
    els.nodes = R.nodes.map(function (n, i) {
      var st = kindStyle(n.kind);
      var g = svg("g", {"class": "node kind-" + n.kind, transform: "translate(" + px(n.x).toFixed(1) + "," +
        py(n.y).toFixed(1) + ")", "data-id": n.id, tabindex: 0, role: "button"}, gNodes);
      svg("circle", {r: 22, "class": "hit"}, g);  // a generous click target
      svg("path", {d: shapePath(st.shape, 12), fill: st.fill, stroke: st.stroke || "#212529",
        "stroke-width": st.dash ? 2.5 : 1.5, "stroke-dasharray": st.dash ? "4 2.5" : null, "class": "shape"}, g);
      var label = svg("text", {y: 33, "class": "node-label", "text-anchor": "middle"}, g);
      label.textContent = pretty(n.id);
      var badge = svg("g", {"class": "corrupt-badge", transform: "translate(21,-4)", visibility: "hidden"}, g);
      svg("circle", {r: 11}, badge);
      var badgeText = svg("text", {y: 4.5, "text-anchor": "middle"}, badge);
      var title = svg("title", null, g);
      g.addEventListener("click", function () { selectNode(i); });
      g.addEventListener("keydown", function (ev) { if (ev.key === "Enter") selectNode(i); });
      return {g: g, badge: badge, badgeText: badgeText, corrupt: -1, title: title};
    });
    els.marks = svg("g", {"class": "marks"}, map);
    buildMapLegend();
  }

  function drawCountries(g, px, W, H) {
    // Countries as bands along the corridor when their x-ranges do not overlap, boxes around their nodes otherwise.
    var boxes = D.countries.map(function (c) {
      var ns = R.nodes.filter(function (n) { return n.country === c; });
      var xs = ns.map(function (n) { return D.px(n.x); }), ys = ns.map(function (n) { return D.py(n.y); });
      return {name: c, x0: Math.min.apply(null, xs), x1: Math.max.apply(null, xs),
        y0: Math.min.apply(null, ys), y1: Math.max.apply(null, ys)};
    });
    boxes.sort(function (a, b) { return a.x0 - b.x0; });
    var banded = boxes.every(function (b, i) { return i === 0 || boxes[i - 1].x1 < b.x0; });
    boxes.forEach(function (b, i) {
      var x0, x1, y0 = 8, y1 = H - 8;
      if (banded) {
        x0 = i === 0 ? 8 : (boxes[i - 1].x1 + b.x0) / 2;
        x1 = i === boxes.length - 1 ? W - 8 : (b.x1 + boxes[i + 1].x0) / 2;
      } else {
        x0 = b.x0 - 45; x1 = b.x1 + 45; y0 = b.y0 - 55; y1 = b.y1 + 45;
      }
      var rect = svg("rect", {x: x0, y: y0, width: Math.max(x1 - x0, 10), height: y1 - y0, rx: 14,
        fill: COUNTRY_FILLS[D.countries.indexOf(b.name) % COUNTRY_FILLS.length], "class": "country",
        "data-country": b.name}, g);
      svg("title", null, rect).textContent = b.name;
      var t = svg("text", {x: (x0 + x1) / 2, y: y0 + 34, "text-anchor": "middle", "class": "country-label"}, g);
      t.textContent = b.name;
    });
  }

  function legendIcon(kind) {
    var st = kindStyle(kind);
    var icon = svg("svg", {width: 28, height: 28, viewBox: "-14 -14 28 28", "class": "legend-icon"});
    svg("path", {d: shapePath(st.shape, 9), fill: st.fill, stroke: st.stroke || "#212529",
      "stroke-width": st.dash ? 2 : 1.2, "stroke-dasharray": st.dash ? "3 2" : null}, icon);
    return icon;
  }

  function buildMapLegend() {
    var box = $("map-legend");
    box.textContent = "";
    var kinds = [];
    R.nodes.forEach(function (n) { if (kinds.indexOf(n.kind) < 0) kinds.push(n.kind); });
    kinds.forEach(function (k) {
      var item = html("span", {"class": "legend-item"}, null, box);
      item.appendChild(legendIcon(k));
      html("span", null, kindStyle(k).label, item);
    });
    var modes = [];
    R.edges.forEach(function (e) { if (modes.indexOf(e.mode) < 0) modes.push(e.mode); });
    modes.forEach(function (m) {
      var st = MODES[m] || MODES.land;
      var item = html("span", {"class": "legend-item"}, null, box);
      var icon = svg("svg", {width: 40, height: 20, viewBox: "0 0 40 20", "class": "legend-icon"}, item);
      svg("line", {x1: 2, y1: 10, x2: 38, y2: 10, stroke: st.colour, "stroke-width": 5, "stroke-dasharray": st.dash}, icon);
      html("span", null, m + " route (width = shipments today)", item);
    });
    var items = [["seizure-mark", "seizure today (faded: 3 days before)"],
      ["arrest-mark", "arrest today, at the member's home (faded: 3 days before)"],
      ["corrupt-badge", "corrupt officers today"]];
    items.forEach(function (it) {
      var item = html("span", {"class": "legend-item"}, null, box);
      var icon = svg("svg", {width: 28, height: 28, viewBox: "-14 -14 28 28", "class": "legend-icon"}, item);
      if (it[0] === "seizure-mark") svg("path", {d: burst(10), "class": "legend-seizure"}, icon);
      else if (it[0] === "arrest-mark") svg("circle", {r: 9, "class": "legend-arrest"}, icon);
      else { svg("circle", {r: 9, "class": "legend-corrupt"}, icon); }
      html("span", null, it[1], item);
    });
  }

  function burst(r) {
    var pts = [];
    for (var k = 0; k < 16; k++) {
      var a = Math.PI * k / 8, rr = k % 2 ? r * 0.55 : r;
      pts.push((rr * Math.cos(a)).toFixed(1) + "," + (rr * Math.sin(a)).toFixed(1));
    }
    return "M" + pts.join("L") + "Z";
  }

  function renderMap(day) {
    var f = R.frames, flows = f.edge_flow[day], maxFlow = D.maxFlow;
    for (var i = 0; i < els.edges.length; i++) {
      var e = els.edges[i];
      if (!e) continue;
      var v = flows[i] || 0;
      if (v === e.flow) continue;
      e.flow = v;
      if (v > 0) {
        e.line.setAttribute("stroke", e.colour);
        e.line.setAttribute("stroke-width", (2.5 + 11 * Math.sqrt(v / maxFlow)).toFixed(1));
        e.line.setAttribute("class", "edge active");
      } else {
        e.line.setAttribute("stroke", "#ced4da");
        e.line.setAttribute("stroke-width", "1.5");
        e.line.setAttribute("class", "edge");
      }
      e.title.textContent = e.label + ": " + v + " shipment leg" + (v === 1 ? "" : "s") + " today";
    }
    var corrupt = f.corrupt[day];
    for (var j = 0; j < els.nodes.length; j++) {
      var n = els.nodes[j], c = corrupt[j] || 0;
      if (c === n.corrupt) continue;
      n.corrupt = c;
      n.badge.setAttribute("visibility", c > 0 ? "visible" : "hidden");
      n.badgeText.textContent = String(c);
      var node = R.nodes[j];
      n.title.textContent = pretty(node.id) + " (" + kindStyle(node.kind).label + ", " + node.country + ")" +
        (node.officers ? " — " + c + " of " + node.officers + " officers corrupt" : "");
    }
    // Seizure and arrest marks: today's in full, the three days before fading (so they are seen at speed).
    var g = els.marks;
    while (g.firstChild) g.removeChild(g.firstChild);
    for (var back = 3; back >= 0; back--) {
      var d = day - back;
      if (d < 0) continue;
      markDay(g, f.seizures[d], "seizure", back);
      markDay(g, f.arrests[d], "arrest", back);
    }
  }

  function markDay(g, row, what, age) {
    for (var i = 0; i < row.length; i++) {
      var count = row[i];
      if (!count) continue;
      var node = R.nodes[i], today = age === 0;
      var m = svg("g", {"class": today ? what + "-mark" : what + "-trail", "data-node": node.id, "data-count": count,
        transform: "translate(" + D.px(node.x).toFixed(1) + "," + D.py(node.y).toFixed(1) + ")",
        opacity: today ? 1 : (0.55 - 0.13 * age).toFixed(2)}, g);
      var icon = svg("g", {transform: what === "seizure" ? "translate(-22,-20)" : "translate(10,-34)"}, m);
      if (what === "seizure") {
        if (today) svg("circle", {r: 22, "class": "ring"}, m);
        svg("path", {d: burst(today ? 22 : 13)}, icon);
      } else {
        svg("circle", {r: today ? 14 : 9}, icon);
      }
      if (today) {
        var t = svg("text", {y: 5, "text-anchor": "middle"}, icon);
        t.textContent = what === "seizure" ? String(count) : "A" + (count > 1 ? count : "");
        svg("title", null, m).textContent = count + " " + what + (count > 1 ? "s" : "") + " at " + pretty(node.id) +
          " today" + (what === "arrest" ? " (members based here)" : "");
      }
    }
  }

  // ------------------------------------------------------------------------------------------ charts

  function buildCharts() {
    var box = $("charts");
    box.textContent = "";
    els.charts = R.charts.map(function (c, idx) {
      var card = html("div", {"class": "chart", "data-key": c.key}, null, box);
      var head = html("div", {"class": "chart-head"}, null, card);
      html("span", {"class": "chart-title"}, capitalise(c.label), head);
      html("span", {"class": "chart-unit"}, " " + (c.unit ? c.unit + ", " : "") + (c.cumulative ? "to date" : "each day"),
        head);
      var values = html("div", {"class": "chart-values"}, null, card);
      var W = 340, H = 175, L = 52, Rm = 12, T = 12, B = 26;
      var chart = {def: c, card: card, values: values, W: W, H: H, L: L, Rm: Rm, T: T, B: B, lines: []};
      var s = svg("svg", {viewBox: "0 0 " + W + " " + H, "class": "chart-svg", role: "img", "aria-label": c.label}, card);
      chart.svg = s;
      var clipId = "clip-" + idx;
      var defs = svg("defs", null, s);
      var cp = svg("clipPath", {id: clipId}, defs);
      chart.clip = svg("rect", {x: 0, y: 0, width: L, height: H}, cp);
      chart.clipId = clipId;
      chart.axes = svg("g", {"class": "axes"}, s);
      chart.future = svg("g", {"class": "future"}, s);
      chart.past = svg("g", {"class": "past", "clip-path": "url(#" + clipId + ")"}, s);
      chart.markers = svg("g", {"class": "branch-days"}, s);
      chart.cursor = svg("line", {y1: T, y2: H - B, "class": "cursor"}, s);
      return chart;
    });
    redrawCharts();
    $("show-all").addEventListener("change", function (ev) {
      state.showAll = ev.target.checked;
      els.charts.forEach(function (ch) { ch.future.style.display = state.showAll ? "" : "none"; });
    });
    els.charts.forEach(function (ch) { ch.future.style.display = "none"; });
  }

  function visibleBranches() { return state.branches.filter(function (b) { return b.visible; }); }

  function redrawCharts() {  // when the set of series changes (load, a new branch, a toggled branch)
    var days = D.days, shown = visibleBranches();
    els.charts.forEach(function (ch) {
      var key = ch.def.key, main = D.series[key];
      [ch.axes, ch.future, ch.past, ch.markers].forEach(function (g) { while (g.firstChild) g.removeChild(g.firstChild); });
      if (!main) {
        var t = svg("text", {x: ch.W / 2, y: ch.H / 2, "text-anchor": "middle", "class": "axis-text"}, ch.axes);
        t.textContent = "not recorded";
        ch.x = null;
        return;
      }
      var all = [main].concat(shown.map(function (b) { return b.series[key] || []; }));
      var lo = Infinity, hi = -Infinity;
      all.forEach(function (arr) { for (var i = 0; i < arr.length; i++) { if (arr[i] < lo) lo = arr[i]; if (arr[i] > hi) hi = arr[i]; } });
      if (ch.def.cumulative) { lo = 0; hi = Math.max(hi, 1); } else {
        var span = hi - lo;
        if (span < 1e-9) span = Math.max(Math.abs(hi) * 0.1, ch.def.percent || ch.def.digits ? 0.02 : 2);
        lo = Math.max(0, lo - 0.15 * span); hi = hi + 0.15 * span;
      }
      var L = ch.L, Rm = ch.Rm, T = ch.T, B = ch.B, W = ch.W, H = ch.H;
      var xs = function (d) { return L + (W - L - Rm) * (days > 1 ? d / (days - 1) : 0); };
      var ys = function (v) { return T + (H - T - B) * (1 - (v - lo) / (hi - lo)); };
      ch.x = xs;
      svg("line", {x1: L, y1: H - B, x2: W - Rm, y2: H - B, "class": "axis"}, ch.axes);
      svg("line", {x1: L, y1: T, x2: L, y2: H - B, "class": "axis"}, ch.axes);
      [[hi, T + 4], [lo, H - B]].forEach(function (p) {
        var t = svg("text", {x: L - 5, y: p[1] + 4, "text-anchor": "end", "class": "axis-text"}, ch.axes);
        t.textContent = fmtOutcome(p[0], ch.def);
      });
      [0, Math.floor((days - 1) / 2), days - 1].forEach(function (d, k) {
        var t = svg("text", {x: xs(d), y: H - 6, "text-anchor": k === 0 ? "start" : k === 2 ? "end" : "middle",
          "class": "axis-text"}, ch.axes);
        t.textContent = k === 0 ? "day " + d : String(d);
      });
      D.changes.forEach(function (c) {  // the run's own policy changes, on every chart
        var line = svg("line", {x1: xs(c.day), x2: xs(c.day), y1: T, y2: H - B, "class": "schedule-line",
          "data-day": c.day}, ch.markers);
        svg("title", null, line).textContent = "Policy change on day " + c.day + ": " + leverText(c.levers);
      });
      var drawn = [{values: main, colour: ORIGINAL_COLOUR, cls: "original-series", branch: null}].concat(
        shown.map(function (b) { return {values: b.series[key] || [], colour: b.colour, cls: "branch-series", branch: b}; }));
      drawn.forEach(function (s) {
        var pts = [];
        var from = s.branch && s.branch.day ? Math.max(0, s.branch.day - 1) : 0;  // identical before its day
        for (var d = from; d < s.values.length && d < days; d++) pts.push(xs(d).toFixed(1) + "," + ys(s.values[d]).toFixed(1));
        var p = pts.join(" ");
        var attrs = {points: p, stroke: s.colour, fill: "none", "stroke-width": s.branch ? 2.6 : 3,
          "stroke-linejoin": "round", "class": s.cls};
        if (s.branch) attrs["data-branch"] = s.branch.id;
        svg("polyline", attrs, ch.past);
        var fut = svg("polyline", {points: p, stroke: s.colour, fill: "none", "stroke-width": 2, opacity: 0.3,
          "stroke-dasharray": s.branch ? "5 4" : null, "class": "future-series"}, ch.future);
        fut.setAttribute("data-series", s.branch ? s.branch.id : "original");
        if (s.branch && s.branch.day !== null && s.branch.day !== undefined) {
          svg("line", {x1: xs(s.branch.day), x2: xs(s.branch.day), y1: T, y2: H - B, stroke: s.colour,
            "stroke-dasharray": "3 3", "class": "branch-day-line"}, ch.markers);
        }
      });
    });
    if (D.rendered) renderCharts(state.day);
  }

  function renderCharts(day) {
    var shown = visibleBranches();
    els.charts.forEach(function (ch) {
      if (!ch.x) return;
      var x = ch.x(day);
      ch.clip.setAttribute("width", (x + 1.5).toFixed(1));
      ch.cursor.setAttribute("x1", x.toFixed(1));
      ch.cursor.setAttribute("x2", x.toFixed(1));
      var key = ch.def.key, parts = [];
      parts.push("<span class=\"val\" style=\"color:" + ORIGINAL_COLOUR + "\">" + esc(fmtOutcome(D.series[key][day], ch.def)) + "</span>");
      shown.forEach(function (b) {
        var arr = b.series[key];
        parts.push("<span class=\"val\" style=\"color:" + b.colour + "\">" + esc(arr ? fmtOutcome(arr[day], ch.def) : "—") + "</span>");
      });
      var text = parts.join(" <span class=\"vs\">vs</span> ");
      if (ch.valuesHtml !== text) { ch.values.innerHTML = text; ch.valuesHtml = text; }
    });
  }

  // ------------------------------------------------------------------------------------------ branches

  function addBranch(b, fresh) {
    if (!b || !b.series || !b.run) return null;
    var existing = null;
    state.branches.forEach(function (x) { if (x.path === b.run.path) existing = x; });
    var entry = existing || {id: "b" + (state.branches.length + 1), colour: BRANCH_COLOURS[state.branches.length % BRANCH_COLOURS.length]};
    entry.path = b.run.path;
    entry.day = b.run.branch_day;
    entry.levers = b.run.branch_levers || {};
    entry.series = chartSeries(b.series);
    entry.summary = b.summary || {};
    entry.visible = fresh || existing ? true : state.branches.length < 3;
    if (!existing) state.branches.push(entry);
    renderBranchLegend();
    redrawCharts();
    renderDiff();
    return entry;
  }

  function branchLabel(b) {
    var changes = Object.keys(b.levers).map(function (k) {
      var full = k.indexOf("policy.") === 0 ? k : "policy." + k;
      var before = R.levers[full], after = b.levers[k];
      function show(v) { return Array.isArray(v) ? "[" + v.join(", ") + "]" : String(v); }
      return pretty(k.replace(/^policy\./, "")) + " " + show(before) + " → " + show(after);
    });
    return "Branch from day " + b.day + ": " + (changes.join("; ") || "no lever changed");
  }

  function renderBranchLegend() {
    var box = $("chart-legend");
    box.textContent = "";
    var orig = html("span", {"class": "legend-item original-legend"}, null, box);
    html("span", {"class": "swatch", style: "background:" + ORIGINAL_COLOUR}, null, orig);
    html("span", null, R.run && R.run.branch_day !== null && R.run.branch_day !== undefined ? "This recording" : "Original (recorded)", orig);
    state.branches.forEach(function (b) {
      var item = html("label", {"class": "legend-item branch-legend", "data-branch": b.id, title: b.path}, null, box);
      var cb = html("input", {type: "checkbox"}, null, item);
      cb.checked = b.visible;
      cb.addEventListener("change", function () { b.visible = cb.checked; redrawCharts(); renderDiff(); });
      html("span", {"class": "swatch", style: "background:" + b.colour}, null, item);
      html("span", null, branchLabel(b), item);
    });
  }

  function renderDiff() {
    var box = $("branch-diff-box");
    box.textContent = "";
    var shown = visibleBranches();
    if (!shown.length) return;
    var outcomes = R.branch_outcomes || [];
    html("h3", null, "At the end of the run (day " + (D.days - 1) + "): original vs branch", box);
    var table = html("table", {id: "branch-diff", "class": "diff"}, null, box);
    var head = html("tr", null, null, html("thead", null, null, table));
    html("th", null, "Outcome", head);
    html("th", {style: "color:" + ORIGINAL_COLOUR}, "Original", head);
    shown.forEach(function (b) {
      html("th", {style: "color:" + b.colour, title: branchLabel(b)}, "Branch (day " + b.day + ")", head);
      html("th", {style: "color:" + b.colour}, "Difference", head);
    });
    var body = html("tbody", null, null, table);
    var summary = R.summary || {}, infos = R.outcomes || {};
    outcomes.forEach(function (k) {
      var info = infos[k] || {label: pretty(k), unit: "", better: 0};
      var tr = html("tr", {"data-key": k, "data-better": info.better}, null, body);
      var withUnit = info.unit && (info.kind === "amount" || info.kind === "rate");  // as the run's table says it
      html("td", {title: info.unit}, info.label + (withUnit ? " (" + info.unit + ")" : ""), tr);
      var a = summary[k];
      html("td", {"class": "num"}, fmtOutcome(a, info), tr);
      shown.forEach(function (b) {
        var v = b.summary[k];
        html("td", {"class": "num"}, fmtOutcome(v, info), tr);
        var diff = (typeof a === "number" && typeof v === "number") ? v - a : null;
        var size = diff === null ? "" : info.percent ? (100 * Math.abs(diff)).toFixed(info.digits) + " pp" :
          fmtOutcome(Math.abs(diff), info.digits ? info : {digits: Number.isInteger(diff) ? 0 : 2});
        var text = diff === null ? "—" : (diff > 0 ? "+" : diff < 0 ? "−" : "±") + size;
        if (diff && a) text += " (" + (diff > 0 ? "+" : "−") + Math.abs(100 * diff / a).toFixed(0) + "%)";
        // Good or bad by the registry's better direction, not by sign; outcomes with no better side stay plain.
        var judged = diff ? diff * (info.better || 0) : 0;
        html("td", {"class": "num diff-cell" + (diff > 0 ? " up" : diff < 0 ? " down" : "") +
          (judged > 0 ? " good" : judged < 0 ? " bad" : ""),
          title: judged > 0 ? "better" : judged < 0 ? "worse" : ""}, text, tr);
      });
    });
  }

  function buildBranchForm() {
    var box = $("lever-inputs");
    box.textContent = "";
    els.levers = [];
    (R.lever_schema || []).forEach(function (spec) {
      var key = spec.key, value = R.levers[key];
      var tip = [spec.note, spec.unit && spec.unit !== "p" ? "unit: " + spec.unit : ""].filter(Boolean).join(" · ");
      var row = html("label", {"class": "lever", "data-type": spec.type, title: tip || null}, null, box);
      html("span", {"class": "lever-name"}, pretty(key.replace(/^policy\./, "")), row);
      var input;
      if (spec.type === "bool") {
        input = html("input", {type: "checkbox", "data-key": key}, null, row);
        input.checked = !!value;
      } else if (spec.type === "choice") {
        input = html("select", {"data-key": key}, null, row);
        (spec.options || []).forEach(function (o) { html("option", {value: o}, pretty(o), input); });
        input.value = String(value);
      } else if (spec.type === "list") {
        input = html("input", {type: "text", "data-key": key, placeholder: "comma-separated, e.g. vk_bridge, ko_border"}, null, row);
        input.value = Array.isArray(value) ? value.join(", ") : (value || "");
      } else {
        input = html("input", {type: "number", "data-key": key, step: spec.step || "0.05", min: spec.min, max: spec.max},
          null, row);
        input.value = String(value);
        var hint = spec.max !== null && spec.max !== undefined ? spec.min + "–" + spec.max : "≥ " + spec.min;
        if (spec.unit && spec.unit !== "p") hint += " " + spec.unit;  // p: a probability or share, as the range says
        html("span", {"class": "lever-range"}, hint, row);
      }
      input.addEventListener("input", markChanged);
      input.addEventListener("change", markChanged);
      els.levers.push({spec: spec, input: input, row: row});
    });
    var run = R.run || {};
    var note = $("branch-note"), why = null;
    if (EXPORTED) why = "Branching needs the live viewer: run  python -m sim.replay view RUN_DIR  (this exported file only plays).";
    else if (run.branch_day !== null && run.branch_day !== undefined) {
      why = "This recording is itself a branch (of " + run.parent + "); open the parent to branch it.";
    }
    if (why) {
      note.textContent = why;
      $("branch-panel").classList.add("disabled");
      Array.prototype.forEach.call($("branch-form").elements, function (el) { el.disabled = true; });
    } else {
      note.textContent = "Pause on a day, change one or more levers, and run: the model is re-simulated exactly " +
        "up to that day, the levers change, and the run continues. The branch is saved beside the recording.";
    }
    $("branch-form").addEventListener("submit", function (ev) { ev.preventDefault(); runBranch(); });
    $("branch-reset").addEventListener("click", function () {
      els.levers.forEach(function (l) {
        var v = R.levers[l.spec.key];
        if (l.spec.type === "bool") l.input.checked = !!v;
        else if (l.spec.type === "list") l.input.value = Array.isArray(v) ? v.join(", ") : "";
        else l.input.value = String(v);
      });
      markChanged();
    });
  }

  function leverValue(l) {  // [value, error]
    var t = l.spec.type, el = l.input;
    if (t === "bool") return [el.checked, null];
    if (t === "choice") return [el.value, null];
    if (t === "list") {
      return [el.value.split(",").map(function (s) { return s.trim(); }).filter(function (s) { return s; }), null];
    }
    var raw = el.value.trim();
    if (raw === "" || isNaN(Number(raw))) return [null, l.spec.key + ": enter a number"];
    return [Number(raw), null];
  }

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function markChanged() {
    els.levers.forEach(function (l) {
      var v = leverValue(l)[0];
      l.row.classList.toggle("changed", !same(v, R.levers[l.spec.key]));
    });
  }

  function runBranch() {
    if (EXPORTED) return;
    pause();
    var levers = {}, problems = [];
    els.levers.forEach(function (l) {
      var r = leverValue(l);
      if (r[1]) { problems.push(r[1]); return; }
      if (!same(r[0], R.levers[l.spec.key])) levers[l.spec.key] = r[0];
    });
    var status = $("branch-status");
    if (problems.length) { showError("Branch not run: " + problems[0]); status.textContent = "not run"; return; }
    if (!Object.keys(levers).length) {
      showError("Branch not run: change at least one lever first");
      status.textContent = "not run";
      return;
    }
    var day = state.day, started = Date.now(), button = $("branch-run");
    button.disabled = true;
    status.className = "status busy";
    status.textContent = "Running a branch from day " + day + "…";
    fetch("api/branch", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({day: day, levers: levers})}).then(function (res) {
      return res.text().then(function (text) {
        try { return JSON.parse(text); } catch (err) { return {ok: false, error: "HTTP " + res.status + ": " + text.slice(0, 200)}; }
      });
    }).then(function (data) {
      if (!data.ok) throw new Error(data.error || "the branch failed");
      clearError();
      var entry = addBranch(data.branch, true);
      status.className = "status ok";
      status.textContent = "Branch ready (" + ((Date.now() - started) / 1000).toFixed(1) + " s): " + (entry ? branchLabel(entry) : "");
    }).catch(function (err) {
      status.className = "status failed";
      status.textContent = "Branch failed (see the red box at the top)";
      showError("Branch failed: " + err.message);
    }).then(function () { button.disabled = false; });
  }

  // ------------------------------------------------------------------------------------------ events feed

  function buildFeedFilter() {
    var sel = $("event-filter");
    sel.textContent = "";
    html("option", {value: "all"}, "all (" + D.events.length + ")", sel);
    var keyCount = KEY_KINDS.reduce(function (s, k) { return s + (D.kindCounts[k] || 0); }, 0);
    if (keyCount) html("option", {value: "key"}, "key events (" + keyCount + ")", sel);
    Object.keys(D.kindCounts).sort().forEach(function (k) {
      html("option", {value: k}, pretty(k) + " (" + D.kindCounts[k] + ")", sel);
    });
    sel.value = "all";
    sel.addEventListener("change", function () { state.filter = sel.value; renderFeed(state.day); });
    $("event-feed").addEventListener("click", function (ev) {
      var li = ev.target.closest ? ev.target.closest(".event") : null;
      if (!li) return;
      var e = D.events[Number(li.getAttribute("data-i"))];
      pause();
      if (e && D.nodeIndex[e.node] !== undefined) state.node = D.nodeIndex[e.node];
      if (e && D.orgIndex[e.org] !== undefined) state.org = D.orgIndex[e.org];
      setDay(Number(li.getAttribute("data-day")), true);
      flashCountry(e && e.node);
    });
  }

  function filtered(filter) {
    if (!D.byFilter[filter]) {
      D.byFilter[filter] = D.events.filter(function (e) {
        return filter === "key" ? KEY_KINDS.indexOf(e.kind) >= 0 : e.kind === filter;
      });
    }
    return D.byFilter[filter];
  }

  function upperBound(list, day) {  // the number of events on or before `day`
    var lo = 0, hi = list.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (list[mid].d <= day) lo = mid + 1; else hi = mid; }
    return lo;
  }

  function orgName(id) {
    var i = D.orgIndex[id];
    return i === undefined ? null : R.orgs[i].name;
  }

  function eventHtml(e) {
    if (!e.html) {
      var where = e.node ? String(e.node) : "";
      if (where.indexOf(">") >= 0) where = "via " + where.split(">").map(pretty).join(" → ");
      else where = pretty(where);
      var bits = [];
      if (where) bits.push(esc(where));
      if (e.commodity) bits.push(esc(e.commodity));
      var on = orgName(e.org);
      if (on) bits.push(esc(on));
      if (e.detail) bits.push("<i>" + esc(pretty(e.detail)) + "</i>");
      e.html = "<span class=\"ev-kind\">" + esc(pretty(e.kind)) + "</span> <span class=\"ev-text\">" + bits.join(" · ") + "</span>";
    }
    return "<li class=\"event k-" + esc(e.kind) + "\" data-day=\"" + e.d + "\" data-i=\"" + e.si + "\" data-kind=\"" +
      esc(e.kind) + "\" title=\"Go to day " + e.d + "\"><span class=\"ev-day\">day " + e.d + "</span>" + e.html + "</li>";
  }

  function renderFeed(day) {
    if (state.rendered.feedDay === day && state.rendered.feedFilter === state.filter) return;
    state.rendered.feedDay = day;
    state.rendered.feedFilter = state.filter;
    var list = filtered(state.filter), end = upperBound(list, day), startAt = Math.max(0, end - FEED_CAP);
    var parts = [];
    for (var k = end - 1; k >= startAt; k--) {
      parts.push(eventHtml(list[k]));
    }
    var feed = $("event-feed");
    feed.innerHTML = parts.join("");
    // mark today's events
    var today = feed.querySelectorAll(".event[data-day=\"" + day + "\"]");
    for (var t = 0; t < today.length; t++) today[t].classList.add("today");
    $("feed-count").textContent = end === 0 ? "No events up to day " + day + "." :
      (end > FEED_CAP ? "The " + FEED_CAP + " most recent of " + end : end) + " event" + (end === 1 ? "" : "s") +
      " up to day " + day + ", newest first. Click one to go to its day.";
  }

  // ------------------------------------------------------------------------------------------ inspectors

  function selectNode(i) {
    state.node = i;
    renderNode(state.day);
    var panel = $("node-inspector");
    panel.classList.remove("flash");
    void panel.offsetWidth;  // restart the highlight animation
    panel.classList.add("flash");
  }

  function flashCountry(name) {
    var rects = document.querySelectorAll("#map .country");
    for (var i = 0; i < rects.length; i++) {
      rects[i].classList.toggle("highlight", rects[i].getAttribute("data-country") === name);
    }
  }

  function row(label, value, cls) {
    return "<tr" + (cls ? " class=\"" + cls + "\"" : "") + "><th>" + esc(label) + "</th><td>" + esc(value) + "</td></tr>";
  }

  function renderNode(day) {
    var box = $("node-details");
    if (state.node === null || state.node === undefined) { els.selRing.setAttribute("visibility", "hidden"); return; }
    var i = state.node, n = R.nodes[i], f = R.frames, nn = R.nodes.length;
    els.selRing.setAttribute("visibility", "visible");
    els.selRing.setAttribute("cx", D.px(n.x).toFixed(1));
    els.selRing.setAttribute("cy", D.py(n.y).toFixed(1));
    $("node-title").textContent = pretty(n.id);
    var corrupt = f.corrupt[day][i], trust = f.trust[day][i];
    var rows = [row("Kind", kindStyle(n.kind).label), row("Country", n.country)];
    if (n.officers) {
      rows.push(row("Officers", n.officers));
      rows.push(row("Corrupt officers today", corrupt + " of " + n.officers + " (" + (100 * corrupt / n.officers).toFixed(0) + "%)",
        corrupt > 0 ? "alert" : ""));
    } else {
      rows.push(row("Officers", "none posted"));
    }
    if (n.lanes) rows.push(row("Lanes · legit traffic", n.lanes + " · " + fmt(n.legit_traffic) + " vehicles/day"));
    if (n.lanes || f.queue[day][i]) rows.push(row("Queue today", f.queue[day][i] + " waiting"));
    rows.push(row("Residents", n.population ? Number(n.population).toLocaleString("en") : "none"));
    rows.push(row("Mean trust today", trust === null || trust === undefined ? "—" : trust.toFixed(3)));
    rows.push(row("Seizures today · to date", f.seizures[day][i] + " · " + D.cumSeizures[day * nn + i], f.seizures[day][i] ? "alert" : ""));
    rows.push(row("Arrests today · to date", f.arrests[day][i] + " · " + D.cumArrests[day * nn + i] + " (members based here)",
      f.arrests[day][i] ? "alert" : ""));
    var text = "<table class=\"kv\">" + rows.join("") + "</table>";
    if (box.getAttribute("data-html") !== text) { box.innerHTML = text; box.setAttribute("data-html", text); }
  }

  function buildOrgList() {
    var list = $("org-list");
    list.textContent = "";
    els.orgButtons = R.orgs.map(function (o, i) {
      var b = html("button", {type: "button", "class": "org-button", "data-org": o.id, title: (o.commodities || []).join(", ")},
        null, list);
      html("strong", null, o.name, b);
      html("span", {"class": "org-commodities"}, (o.commodities || []).join(", "), b);
      b.addEventListener("click", function () { state.org = i; renderOrg(state.day); });
      return b;
    });
    if (!R.orgs.length) $("org-details").innerHTML = "<p class=\"note\">No organisations in this run.</p>";
  }

  function renderOrg(day) {
    if (!R.orgs.length) return;
    var i = Math.min(state.org || 0, R.orgs.length - 1), o = R.orgs[i], f = R.frames, no = R.orgs.length;
    els.orgButtons.forEach(function (b, k) { b.classList.toggle("selected", k === i); });
    var members = f.org_members[day][i], roles = f.org_roles[day][i] || [];
    var max = Math.max.apply(null, [1].concat(roles));
    var bars = (R.roles || []).map(function (r, k) {
      var v = roles[k] || 0;
      return "<div class=\"role\"><span class=\"role-name\">" + esc(r) + "</span><span class=\"bar\"><span style=\"width:" +
        (100 * v / max).toFixed(0) + "%\"></span></span><span class=\"role-n\">" + v + "</span></div>";
    }).join("");
    var text = "<h3>" + esc(o.name) + "</h3><table class=\"kv\">" +
      row("Trades", (o.commodities || []).join(", ")) + row("Home", pretty(o.home)) +
      row("Members today", members) + row("Arrests today · to date", f.org_arrests[day][i] + " · " + D.cumOrgArrests[day * no + i],
        f.org_arrests[day][i] ? "alert" : "") +
      row("Cash today (clean + dirty)", fmt(f.org_cash[day][i])) + "</table><div class=\"roles\">" + bars + "</div>";
    var box = $("org-details");
    if (box.getAttribute("data-html") !== text) { box.innerHTML = text; box.setAttribute("data-html", text); }
  }

  // ------------------------------------------------------------------------------------------ playback

  function setDay(day, force) {
    day = Math.max(0, Math.min(D.days - 1, Math.round(Number(day) || 0)));
    if (day === state.day && !force && D.rendered) return;
    state.day = day;
    render();
  }

  function render() {
    var day = state.day;
    $("day-label").textContent = "Day " + day;
    var slider = $("day-slider");
    if (Number(slider.value) !== day) slider.value = String(day);
    $("branch-day").textContent = "day " + day;
    $("map-day").textContent = "day " + day;
    renderMap(day);
    renderCharts(day);
    renderFeed(day);
    renderNode(day);
    renderOrg(day);
    D.rendered = true;
  }

  function play() {
    if (state.playing) return;
    if (state.day >= D.days - 1) setDay(0);
    state.playing = true;
    timer.last = null;
    timer.acc = 0;
    $("play").textContent = "Pause";
    $("play").classList.add("playing");
    timer.raf = requestAnimationFrame(tick);
  }

  function pause() {
    if (!state.playing) return;
    state.playing = false;
    cancelAnimationFrame(timer.raf);
    $("play").textContent = "Play";
    $("play").classList.remove("playing");
  }

  function tick(ts) {
    if (!state.playing) return;
    if (timer.last === null) timer.last = ts;
    timer.acc += Math.min(1, (ts - timer.last) / 1000) * state.speed;
    timer.last = ts;
    if (timer.acc >= 1) {
      var n = Math.floor(timer.acc);
      timer.acc -= n;
      setDay(state.day + n);
      if (state.day >= D.days - 1) { pause(); return; }
    }
    timer.raf = requestAnimationFrame(tick);
  }

  function bindControls() {
    $("play").addEventListener("click", function () { if (state.playing) pause(); else play(); });
    $("step-back").addEventListener("click", function () { pause(); setDay(state.day - 1); });
    $("step-forward").addEventListener("click", function () { pause(); setDay(state.day + 1); });
    $("day-slider").addEventListener("input", function (ev) { setDay(ev.target.value); });
    var speed = $("speed");
    state.speed = Number(speed.value) || 5;
    speed.addEventListener("change", function () { state.speed = Number(speed.value) || 5; });
    $("error").addEventListener("click", clearError);
    document.addEventListener("keydown", function (ev) {
      var t = ev.target || {}, tag = t.tagName || "";
      if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
      if (tag === "SELECT" || tag === "TEXTAREA" || (tag === "INPUT" && t.type !== "range")) return;
      if (tag === "BUTTON" && (ev.key === " " || ev.key === "Enter")) return;  // the button's own click
      var arrows = tag !== "INPUT";  // on the slider, arrows move the slider itself
      if (ev.key === " ") { ev.preventDefault(); if (state.playing) pause(); else play(); }
      else if (arrows && ev.key === "ArrowRight") { ev.preventDefault(); pause(); setDay(state.day + 1); }
      else if (arrows && ev.key === "ArrowLeft") { ev.preventDefault(); pause(); setDay(state.day - 1); }
      else if (arrows && ev.key === "Home") { ev.preventDefault(); pause(); setDay(0); }
      else if (arrows && ev.key === "End") { ev.preventDefault(); pause(); setDay(D.days - 1); }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", load);
  else load();
})();
