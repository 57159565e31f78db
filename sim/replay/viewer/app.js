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
    "asset_freeze", "victim_identified", "victim_protected", "cell_dismantled", "organisation_dissolved", "policy_change",
    "operation"];
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
  var COMMODITY_COLOURS = {drugs: "#2f9e44", people: "#e64980", weapons: "#fab005"};
  var BOOKMARK_COLOURS = {note: "#f08c00", inject: "#c92a2a"};
  // The keys of the page, listed on it (footer line and the "?" overlay) from this one table.
  var KEYS = [["Space", "play / pause"], ["← →", "one day back / forward"], ["Shift + ← →", "a week"],
    ["Home / End", "first / last day"], ["[ ]", "previous / next bookmark"], ["B", "bookmark this day"],
    ["T", "training mode: no spoilers"], ["P", "presenter layout"], ["L", "map layer: totals to date"],
    ["+ / −", "faster / slower"], ["?", "all keys"], ["Esc", "close"]];
  // Which series are charted, and each outcome's label, unit, format and better direction, come with the
  // payload (R.charts, R.outcomes) from the outcome registry (sim/outcomes.py): nothing is hard-coded here.

  var R = null;   // the payload
  var D = null;   // derived, precomputed tables
  var state = {day: 0, playing: false, speed: 5, node: null, org: 0, filter: "all", showAll: false,
    branches: [], rendered: {feedDay: -1, feedFilter: null}, training: false, presenter: false, layer: "none",
    shown: [], journey: null};
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
      buildIndicators();
      buildSeriesPicker();
      buildTraining();
      (R.branches || []).forEach(function (b) { addBranch(b, false); });
      renderBranchLegend();
      bindControls();
      setLayout(/(^#|[#&])presenter\b/.test(window.location.hash) || /[?&]layout=presenter\b/.test(window.location.search));
      setDay(0, true);
    } catch (err) {
      showError("This recording cannot be played: " + err.message, true);
      if (window.console) console.warn(err);
      return;
    }
    ["play", "step-back", "step-forward", "day-slider", "speed"].forEach(function (id) { $(id).disabled = false; });
    window.viewer = {state: state, setDay: setDay, play: play, pause: pause, data: R, setTraining: setTraining,
      setLayout: setLayout, placement: function () { return D.labels; }};
    if (window.BranchPanel) {  // branch.js: ensembles, names, the branch on the map, lever help
      window.BranchPanel.start({data: R, state: state, days: D.days, exported: EXPORTED, pause: pause,
        showError: showError, clearError: clearError, addBranch: addBranch, showRun: showRun,
        branches: function () { return state.branches; }, visible: visibleBranches, levers: els.levers,
        leverValue: leverValue, same: same});
    }
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
    chartDefs().forEach(function (c) {
      var v = series && series[c.key];
      out[c.key] = Array.isArray(v) ? (c.cumulative ? Array.from(cumulate(v)) :
        v.map(function (x) { return x === null || x === undefined ? null : Number(x); })) : null;
    });
    return out;
  }

  function precompute() {
    var f = R.frames, days = f.edge_flow.length;
    var nodeIndex = {}, orgIndex = {};
    R.nodes.forEach(function (n, i) { nodeIndex[n.id] = i; });
    R.orgs.forEach(function (o, i) { orgIndex[o.id] = i; });
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
      days: days, nodeIndex: nodeIndex, orgIndex: orgIndex,
      cumSeizures: cumulateRows(f.seizures), cumArrests: cumulateRows(f.arrests),
      cumOrgArrests: cumulateRows(f.org_arrests), events: events, kindCounts: kindCounts,
      byFilter: {all: events}, series: chartSeries(R.series), countries: countryList(),
      cumCorrupt: cumulateRows(f.corrupt), journeys: R.journeys || []
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

  var LABEL_CLEARANCE = 16;  // a node's shape fits in a circle this wide (map units)
  var CHECKPOINT_KINDS = {crossing: true, informal_crossing: true, port: true, airport: true};

  function buildMap() {
    var map = $("map");
    var xs = R.nodes.map(function (n) { return Number(n.x) || 0; });
    var ys = R.nodes.map(function (n) { return Number(n.y) || 0; });
    var minx = Math.min.apply(null, xs), maxx = Math.max.apply(null, xs);
    var miny = Math.min.apply(null, ys), maxy = Math.max.apply(null, ys);
    var W = 900, padX = 70, padTop = 100, padBottom = 56;  // room above the places for the countries' names
    var s = (W - 2 * padX) / Math.max(maxx - minx, 1e-9);
    if (maxx - minx < 1e-9) s = 100;
    var H = Math.max(360, Math.round((maxy - miny) * s + padTop + padBottom));
    if ((maxy - miny) * s > H - padTop - padBottom) s = (H - padTop - padBottom) / (maxy - miny);
    function px(x) { return padX + ((Number(x) || 0) - minx) * s + (maxx - minx < 1e-9 ? (W - 2 * padX) / 2 : 0); }
    function py(y) { return H - padBottom - ((Number(y) || 0) - miny) * s; }  // north up
    map.textContent = "";
    map.setAttribute("viewBox", "0 0 " + W + " " + H);
    map.setAttribute("preserveAspectRatio", "xMidYMid meet");
    D.px = px; D.py = py; D.W = W; D.H = H;
    D.xy = R.nodes.map(function (n) { return [px(n.x), py(n.y)]; });

    var gCountries = svg("g", {"class": "countries"}, map);
    var countryLabels = drawCountries(gCountries, W, H);

    var gEdges = svg("g", {"class": "edges"}, map);
    els.edges = R.edges.map(function (e) {
      var a = D.nodeIndex[e.source], b = D.nodeIndex[e.target];
      if (a === undefined || b === undefined) return null;
      var x1 = D.xy[a][0], y1 = D.xy[a][1], x2 = D.xy[b][0], y2 = D.xy[b][1];
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
    els.layer = svg("g", {"class": "map-layer-marks"}, map);
    els.route = svg("g", {"class": "journey-route"}, map);
    els.journeys = svg("g", {"class": "journeys"}, map);  // under the places: a place stays clickable

    var gNodes = svg("g", {"class": "nodes"}, map);
    var gLabels = svg("g", {"class": "labels"}, map);  // apart from the nodes: a node is clicked at its shape
    els.selRing = svg("circle", {r: 25, "class": "selection-ring", visibility: "hidden"}, gNodes);
    els.nodes = R.nodes.map(function (n, i) {
      var st = kindStyle(n.kind);
      var g = svg("g", {"class": "node kind-" + n.kind, transform: "translate(" + D.xy[i][0].toFixed(1) + "," +
        D.xy[i][1].toFixed(1) + ")", "data-id": n.id, tabindex: 0, role: "button"}, gNodes);
      svg("circle", {r: 22, "class": "hit"}, g);  // a generous click target
      svg("path", {d: shapePath(st.shape, 12), fill: st.fill, stroke: st.stroke || "#212529",
        "stroke-width": st.dash ? 2.5 : 1.5, "stroke-dasharray": st.dash ? "4 2.5" : null, "class": "shape"}, g);
      var label = svg("text", {x: 0, y: 0, "class": "node-label", "text-anchor": "middle", "data-node": n.id}, gLabels);
      label.textContent = pretty(n.id);
      var badge = svg("g", {"class": "corrupt-badge", transform: "translate(21,-4)", visibility: "hidden"}, g);
      svg("circle", {r: 11}, badge);
      var badgeText = svg("text", {y: 4.5, "text-anchor": "middle"}, badge);
      var title = svg("title", null, g);
      g.addEventListener("click", function () { selectNode(i); });
      g.addEventListener("keydown", function (ev) { if (ev.key === "Enter") selectNode(i); });
      return {g: g, badge: badge, badgeText: badgeText, corrupt: -1, title: title, label: label};
    });
    placeNodeLabels(countryLabels, W, H, gLabels);
    els.marks = svg("g", {"class": "marks"}, map);
    els.journeyDots = [];
    els.journeys.addEventListener("click", function (ev) {
      var dot = ev.target.closest ? ev.target.closest(".shipment") : null;
      if (!dot) return;
      state.journey = Number(dot.getAttribute("data-j"));
      renderJourneys(journeyTime());
    });
    buildMapLegend();
  }

  // Countries as bands along the corridor, each border a line through its crossings (map.js); returns the
  // country names' boxes, which node labels must leave free.
  function drawCountries(g, W, H) {
    var nodes = R.nodes.map(function (n, i) { return {id: n.id, country: n.country, kind: n.kind, X: D.xy[i][0], Y: D.xy[i][1]}; });
    var geo = window.ReplayMap.countries(nodes, R.edges, W, H, 8);
    D.banded = geo.banded;
    var boxes = [];
    geo.shapes.forEach(function (c) {
      var poly = svg("polygon", {points: c.points.map(function (p) { return p[0].toFixed(1) + "," + p[1].toFixed(1); }).join(" "),
        fill: COUNTRY_FILLS[D.countries.indexOf(c.name) % COUNTRY_FILLS.length], "class": "country",
        "data-country": c.name}, g);
      svg("title", null, poly).textContent = c.name;
      var t = svg("text", {x: c.label[0].toFixed(1), y: c.label[1].toFixed(1), "text-anchor": "middle",
        "class": "country-label"}, g);
      t.textContent = c.name;
      var b = measure(t, 0.62 * 24 * String(c.name).length, 24);
      boxes.push({x: b.x - 4, y: b.y - 2, w: b.w + 8, h: b.h + 4, hard: true});
    });
    geo.borders.forEach(function (line) {
      svg("polyline", {points: line.map(function (p) { return p[0].toFixed(1) + "," + p[1].toFixed(1); }).join(" "),
        "class": "border-line"}, g);
    });
    return boxes;
  }

  function measure(textEl, guessW, guessH) {  // a text's box in map units (a guess if it is not laid out)
    var b = null;
    try { b = textEl.getBBox(); } catch (err) { b = null; }
    if (!b || !b.width) {
      var x = Number(textEl.getAttribute("x")) || 0, y = Number(textEl.getAttribute("y")) || 0;
      return {x: x - guessW / 2, y: y - guessH * 0.8, w: guessW, h: guessH};
    }
    return {x: b.x, y: b.y, w: b.width, h: b.height};
  }

  // Node labels placed without overlaps (map.js: greedy, the crowded first), clear of every node, the corrupt
  // badges and the country names, and of the places day marks take (seizures at checkpoints, arrests above
  // localities) where they can be; a label moved away from its node gets a leader line.
  function placeNodeLabels(countryBoxes, W, H, gLabels) {
    var items = [], obstacles = countryBoxes.slice(), metrics = [];
    R.nodes.forEach(function (n, i) {
      var cx = D.xy[i][0], cy = D.xy[i][1], label = els.nodes[i].label;
      var b = measure(label, 0.58 * 17 * pretty(n.id).length, 17);
      metrics.push(b);
      items.push({id: i, cx: cx, cy: cy, w: b.w + 8, h: b.h + 2, r: LABEL_CLEARANCE});  // a little air around it
      obstacles.push({x: cx - LABEL_CLEARANCE, y: cy - LABEL_CLEARANCE, w: 2 * LABEL_CLEARANCE, h: 2 * LABEL_CLEARANCE,
        hard: true, owner: i, self: true});
      if (n.officers) obstacles.push({x: cx + 8, y: cy - 17, w: 27, h: 26, hard: true, owner: i});  // the badge
      if (CHECKPOINT_KINDS[n.kind]) obstacles.push({x: cx - 24, y: cy - 24, w: 26, h: 26, hard: false, owner: i});
      if (n.population) obstacles.push({x: cx - 30, y: cy - 50, w: 60, h: 26, hard: false, owner: i});
    });
    var placed = window.ReplayMap.placeLabels(items, obstacles, {x: 2, y: 2, w: W - 4, h: H - 4});
    D.labels = placed;
    R.nodes.forEach(function (n, i) {
      var p = placed[i], label = els.nodes[i].label, b = metrics[i], cx = D.xy[i][0], cy = D.xy[i][1];
      if (p.hidden) { label.setAttribute("visibility", "hidden"); return; }
      label.setAttribute("x", (p.x + p.w / 2).toFixed(1));
      label.setAttribute("y", (p.y + 1 - b.y).toFixed(1));
      if (p.ring > 0) {  // a leader line from the node to its label
        var lx = Math.max(p.x, Math.min(cx, p.x + p.w)) - cx, ly = Math.max(p.y, Math.min(cy, p.y + p.h)) - cy;
        var len = Math.sqrt(lx * lx + ly * ly) || 1;
        var leader = svg("line", {x1: (cx + lx / len * 13).toFixed(1), y1: (cy + ly / len * 13).toFixed(1),
          x2: (cx + lx).toFixed(1), y2: (cy + ly).toFixed(1), "class": "leader", "data-node": n.id});
        gLabels.insertBefore(leader, label);
      }
    });
  }

  function legendIcon(kind) {
    var st = kindStyle(kind);
    var icon = svg("svg", {width: 28, height: 28, viewBox: "-14 -14 28 28", "class": "legend-icon"});
    svg("path", {d: shapePath(st.shape, 9), fill: st.fill, stroke: st.stroke || "#212529",
      "stroke-width": st.dash ? 2 : 1.2, "stroke-dasharray": st.dash ? "3 2" : null}, icon);
    return icon;
  }

  function legendItem(box, cls, text) {
    var item = html("span", {"class": "legend-item" + (cls ? " " + cls : "")}, null, box);
    return {item: item, text: html("span", null, text, item)};
  }

  function buildMapLegend() {
    var box = $("map-legend");
    box.textContent = "";
    var kinds = [];
    R.nodes.forEach(function (n) { if (kinds.indexOf(n.kind) < 0) kinds.push(n.kind); });
    kinds.forEach(function (k) {
      var it = legendItem(box, "legend-kind", kindStyle(k).label);
      it.item.insertBefore(legendIcon(k), it.text);
    });
    var modes = [];
    R.edges.forEach(function (e) { if (modes.indexOf(e.mode) < 0) modes.push(e.mode); });
    var routes = legendItem(box, "legend-modes", "");
    modes.forEach(function (m) {
      var st = MODES[m] || MODES.land;
      var icon = svg("svg", {width: 34, height: 14, viewBox: "0 0 34 14", "class": "legend-icon"}, routes.item);
      svg("line", {x1: 2, y1: 7, x2: 32, y2: 7, stroke: st.colour, "stroke-width": 5, "stroke-dasharray": st.dash}, icon);
      html("span", null, m, routes.item);
    });
    var widths = legendItem(box, "legend-widths", "");
    html("span", null, "route width = shipment legs that day:", widths.item);
    window.ReplayMap.WIDTH_STEPS.forEach(function (n, k, all) {
      var icon = svg("svg", {width: 30, height: 20, viewBox: "0 0 30 20", "class": "legend-icon width-sample",
        "data-legs": n}, widths.item);
      svg("line", {x1: 2, y1: 10, x2: 28, y2: 10, stroke: "#495057", "stroke-width": window.ReplayMap.flowWidth(n)}, icon);
      html("span", null, String(n) + (k === all.length - 1 ? "+" : ""), widths.item);
    });
    var ships = legendItem(box, "legend-shipments", "");
    Object.keys(COMMODITY_COLOURS).forEach(function (c) {
      var icon = svg("svg", {width: 16, height: 16, viewBox: "-8 -8 16 16", "class": "legend-icon"}, ships.item);
      svg("circle", {r: 6, fill: COMMODITY_COLOURS[c], stroke: "#212529", "stroke-width": 1.5}, icon);
      html("span", null, c, ships.item);
    });
    html("span", null, "shipment on its way (click one to follow it)", ships.item);
    var seize = legendItem(box, "", "seizure today (faded: the 3 days before)");
    var icon = svg("svg", {width: 28, height: 28, viewBox: "-14 -14 28 28", "class": "legend-icon"});
    svg("path", {d: burst(11), "class": "legend-seizure"}, icon);
    seize.item.insertBefore(icon, seize.text);
    var arrest = legendItem(box, "", "arrests today, where the members lived");
    var tag = svg("svg", {width: 40, height: 26, viewBox: "-20 -24 40 26", "class": "legend-icon"});
    svg("path", {d: callout(36, 16), "class": "legend-arrest"}, tag);
    arrest.item.insertBefore(tag, arrest.text);
    var bribe = legendItem(box, "", "corrupt officers at a post today");
    var badge = svg("svg", {width: 24, height: 24, viewBox: "-12 -12 24 24", "class": "legend-icon"});
    svg("circle", {r: 9, "class": "legend-corrupt"}, badge);
    bribe.item.insertBefore(badge, bribe.text);
    els.layerLegend = legendItem(box, "legend-layer", "");
  }

  function burst(r) {
    var pts = [];
    for (var k = 0; k < 16; k++) {
      var a = Math.PI * k / 8, rr = k % 2 ? r * 0.55 : r;
      pts.push((rr * Math.cos(a)).toFixed(1) + "," + (rr * Math.sin(a)).toFixed(1));
    }
    return "M" + pts.join("L") + "Z";
  }

  function callout(w, h) {  // a tag with a pointer at (0, 0) below it: an annotation, not a place
    var x = -w / 2, y = -h - 7, r = 4;
    return "M0,0L-5,-7H" + (x + r) + "Q" + x + ",-7 " + x + "," + (-7 - r) + "V" + (y + r) + "Q" + x + "," + y + " " +
      (x + r) + "," + y + "H" + (-x - r) + "Q" + (-x) + "," + y + " " + (-x) + "," + (y + r) + "V" + (-7 - r) +
      "Q" + (-x) + ",-7 " + (-x - r) + ",-7H5Z";
  }

  function renderMap(day) {
    var f = R.frames, flows = f.edge_flow[day];
    for (var i = 0; i < els.edges.length; i++) {
      var e = els.edges[i];
      if (!e) continue;
      var v = flows[i] || 0;
      if (v === e.flow) continue;
      e.flow = v;
      e.line.setAttribute("stroke", v > 0 ? e.colour : "#ced4da");
      e.line.setAttribute("stroke-width", window.ReplayMap.flowWidth(v).toFixed(1));
      e.line.setAttribute("class", v > 0 ? "edge active" : "edge");
      e.line.setAttribute("data-legs", v);
      e.title.textContent = e.label + ": " + v + " shipment leg" + (v === 1 ? "" : "s") + " that day";
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
    renderLayer(day);
    renderJourneys(journeyTime());
  }

  function markDay(g, row, what, age) {
    for (var i = 0; i < row.length; i++) {
      var count = row[i];
      if (!count) continue;
      var node = R.nodes[i], today = age === 0;
      var m = svg("g", {"class": today ? what + "-mark" : what + "-trail", "data-node": node.id, "data-count": count,
        transform: "translate(" + D.xy[i][0].toFixed(1) + "," + D.xy[i][1].toFixed(1) + ")",
        opacity: today ? 1 : (0.55 - 0.13 * age).toFixed(2)}, g);
      if (what === "seizure") {
        var icon = svg("g", {transform: "translate(-11,-11)"}, m);
        if (today) svg("circle", {r: 19, "class": "ring"}, m);
        svg("path", {d: burst(today ? 13 : 9)}, icon);
        if (today) svg("text", {y: 5, "text-anchor": "middle"}, icon).textContent = String(count);
      } else {
        var text = count + " arrested", w = today ? 12 + 7.6 * text.length : 26;
        var tag = svg("g", {transform: "translate(0,-14)"}, m);
        svg("path", {d: callout(w, today ? 20 : 12), "class": today ? "tag" : "tag faded"}, tag);
        if (today) svg("text", {y: -12, "text-anchor": "middle"}, tag).textContent = text;
      }
      if (today) {
        svg("title", null, m).textContent = what === "seizure" ?
          count + " shipment" + (count > 1 ? "s" : "") + " seized at " + pretty(node.id) + " that day" :
          count + " member" + (count > 1 ? "s" : "") + " of trafficking networks arrested that day; they lived at " +
          pretty(node.id);
      }
    }
  }

  // The cumulative layer: totals to date at each place (seizures, arrests, or the share of officer-days
  // corrupt at a post), as circles whose area grows with the total on a fixed scale (no spoilers).
  function renderLayer(day) {
    var g = els.layer, layer = state.layer, nn = R.nodes.length;
    while (g.firstChild) g.removeChild(g.firstChild);
    var legend = els.layerLegend;
    legend.item.hidden = layer === "none";
    if (layer === "none") return;
    for (var i = 0; i < nn; i++) {
      var value, r, text, node = R.nodes[i];
      if (layer === "corruption") {
        if (!node.officers) continue;
        value = D.cumCorrupt[day * nn + i] / ((day + 1) * node.officers);
        r = 8 + 40 * value;
        text = (100 * value).toFixed(1) + "% of officer-days corrupt at " + pretty(node.id) + " up to day " + day;
      } else {
        value = (layer === "seizures" ? D.cumSeizures : D.cumArrests)[day * nn + i];
        r = Math.min(46, 6 + 5 * Math.sqrt(value));
        text = value + " " + (layer === "seizures" ? "seizures" : "arrests of members living") + " at " +
          pretty(node.id) + " up to day " + day;
      }
      if (!value) continue;
      var c = svg("circle", {cx: D.xy[i][0].toFixed(1), cy: D.xy[i][1].toFixed(1), r: r.toFixed(1),
        "class": "layer-circle layer-" + layer, "data-node": node.id, "data-value": value}, g);
      svg("title", null, c).textContent = text;
    }
    legend.text.textContent = layer === "corruption" ?
      "purple circles: share of officer-days corrupt at each post up to today (radius 8 + 40 × share)" :
      (layer === "seizures" ? "red" : "dark") + " circles: " + layer + " up to today (radius 6 + 5 × √count: 1, 10, 50 → 11, 22, 41)";
  }

  function journeyTime() {  // the moment shipments are drawn at: within the day while playing, midday when paused
    return state.day + (state.playing ? Math.min(timer.acc, 0.999) : 0.5);
  }

  // Shipments on their way: a dot per load, coloured by commodity, moving along its route (map.js); the one
  // clicked is followed, its route drawn and its story told under the map.
  function renderJourneys(t) {
    var list = D.journeys, dots = els.journeyDots, used = 0, day = Math.floor(t), last = D.days - 1;
    if (!els.journeys) return;
    for (var k = 0; k < list.length; k++) {
      var j = list[k];
      if (j.start >= day + 1 || (j.end !== null && j.end !== undefined && j.end < day)) continue;
      var at = Math.max(j.start, Math.min(t, j.end === null || j.end === undefined ? last + 1 : j.end));
      var p = window.ReplayMap.journeyAt(j, at, D.xy, last);
      if (!p) continue;
      var dot = dots[used];
      if (!dot) {
        dot = {el: svg("circle", {r: 6.5, "class": "shipment"}, els.journeys)};
        dot.title = svg("title", null, dot.el);
        dots.push(dot);
      }
      used++;
      dot.el.setAttribute("cx", p[0].toFixed(1));
      dot.el.setAttribute("cy", p[1].toFixed(1));
      dot.el.setAttribute("fill", COMMODITY_COLOURS[j.commodity] || "#495057");
      dot.el.setAttribute("data-j", k);
      dot.el.setAttribute("data-commodity", j.commodity);
      dot.el.setAttribute("visibility", "visible");
      dot.el.classList.toggle("followed", state.journey === k);
      if (dot.j !== k) { dot.j = k; dot.title.textContent = journeyText(j, false); }
    }
    for (var u = used; u < dots.length; u++) { dots[u].el.setAttribute("visibility", "hidden"); dots[u].j = -1; }
    els.journeys.setAttribute("data-count", used);
    renderFollowed(t);
  }

  function renderFollowed(t) {
    var g = els.route, caption = $("map-caption");
    while (g.firstChild) g.removeChild(g.firstChild);
    var j = state.journey === null ? null : D.journeys[state.journey];
    if (!j) { caption.textContent = ""; caption.title = ""; return; }
    svg("polyline", {points: j.path.map(function (i) { return D.xy[i][0].toFixed(1) + "," + D.xy[i][1].toFixed(1); }).join(" "),
      "class": "followed-route", stroke: COMMODITY_COLOURS[j.commodity] || "#495057"}, g);
    caption.textContent = journeyText(j, Math.floor(t) >= (j.end === null ? Infinity : Math.floor(j.end)));
    caption.title = caption.textContent;
  }

  function journeyText(j, ended) {  // a shipment's story, as far as the day shown tells it
    var org = orgName(j.org), places = j.path.map(function (i) { return pretty(R.nodes[i].id); });
    var text = capitalise(article(j.commodity)) + " " + j.commodity + " shipment" + (org ? " of the " + org + " network" : "") +
      " (" + money(j.value) + "), from " + places[0] + " via " + places.slice(1).join(" → ") + "; left on day " + Math.floor(j.start);
    if (ended && j.outcome === "seized") text += ", seized at " + places[places.length - 1] + " on day " + Math.floor(j.end);
    else if (ended && j.outcome === "delivered") text += ", delivered on day " + Math.floor(j.end);
    else if (ended && j.outcome === "lost") text += ", lost on day " + Math.floor(j.end) + " (its courier had been arrested)";
    return text + ".";
  }

  function article(word) { return /^[aeiou]/i.test(String(word)) ? "an" : "a"; }

  function money(m) {  // an amount in millions of currency units, readable at any size
    if (m === null || m === undefined || isNaN(m)) return "—";
    var a = Math.abs(m);
    if (a >= 0.1) return (a >= 10 ? m.toFixed(1) : m.toFixed(2)) + " M";
    if (a >= 0.001) return (1000 * m).toFixed(a >= 0.01 ? 0 : 1) + " thousand";
    return Math.round(1e6 * m).toLocaleString("en") + " units";
  }


  // ------------------------------------------------------------------------------------------ charts

  function chartDefs() { return R.chart_catalog || R.charts; }

  function chartDef(key) {
    var found = null;
    chartDefs().forEach(function (c) { if (c.key === key) found = c; });
    return found;
  }

  function buildCharts() {  // one chart per series shown (state.shown), drawn by charts.js
    var box = $("charts");
    box.textContent = "";
    if (!state.shown.length) state.shown = R.charts.map(function (c) { return c.key; });
    els.charts = state.shown.filter(chartDef).map(function (key) {
      return new window.ReplayCharts.Chart(box, chartDef(key), {
        seek: function (d) { pause(); setDay(d, true); }, format: fmtOutcome, title: dayNote});
    });
    redrawCharts();
    if (els.showAllBound) return;
    els.showAllBound = true;
    $("show-all").addEventListener("change", function (ev) { state.showAll = ev.target.checked; renderCharts(state.day); });
  }

  function dayNote(day) {  // what the trainer noted for a day, for a chart's hover
    var notes = window.ReplayTraining ? window.ReplayTraining.items().filter(function (it) { return it.day === day; }) : [];
    return notes.map(window.ReplayTraining.describe).join("; ");
  }

  function visibleBranches() { return state.branches.filter(function (b) { return b.visible; }); }

  function chartMarkers(shown) {  // policy changes, bookmarks and branch days, drawn on every chart
    var marks = D.changes.map(function (c) {
      return {day: c.day, cls: "schedule-line", title: "Policy change on day " + c.day + ": " + leverText(c.levers)};
    });
    (window.ReplayTraining ? window.ReplayTraining.items() : []).forEach(function (it) {
      marks.push({day: it.day, cls: "bookmark-line k-" + it.kind, colour: BOOKMARK_COLOURS[it.kind],
        title: "Day " + it.day + ": " + window.ReplayTraining.describe(it)});
    });
    shown.forEach(function (b) {
      if (b.day !== null && b.day !== undefined) marks.push({day: b.day, cls: "branch-day-line", colour: b.colour});
    });
    return marks;
  }

  function redrawCharts() {  // when the set of series changes (load, a new branch, a toggled branch, bookmarks)
    var shown = visibleBranches(), marks = chartMarkers(shown);
    els.charts.forEach(function (ch) {
      var key = ch.def.key, main = D.series[key];
      var series = main ? [{values: main, colour: ORIGINAL_COLOUR, cls: "original-series"}].concat(shown.map(function (b) {
        return {values: b.series[key] || [], colour: b.colour, id: b.id, cls: "branch-series",
          from: b.day ? Math.max(0, b.day - 1) : 0};  // identical before its day
      })) : [];
      ch.setData(series, marks, D.days);
    });
    if (D.rendered) renderCharts(state.day);
  }

  function renderCharts(day) {
    var view = {training: state.training, showAll: state.showAll};
    els.charts.forEach(function (ch) { ch.render(day, view); });
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
    entry.name = b.run.name || (window.BranchPanel ? window.BranchPanel.name(entry.day, entry.levers) : "day " + entry.day);
    entry.ensemble = b.ensemble || null;
    entry.ensembleError = b.ensemble_error || null;
    entry.view = b.view || null;  // its map and feed (branch.js shows them in place of the original's)
    entry.visible = fresh || existing ? true : state.branches.length < 3;
    if (!existing) state.branches.push(entry);
    renderBranchLegend();
    redrawCharts();
    renderDiff();
    return entry;
  }

  function branchLabel(b) {  // named by its lever changes: "oversight 0.9 from day 120"
    return b.name || "Branch from day " + b.day;
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
    if (!shown.length) { if (window.BranchPanel) window.BranchPanel.refresh(); return; }
    var outcomes = R.branch_outcomes || [];
    html("h3", null, "This recording's seed, at the end of the run (day " + (D.days - 1) + "): original vs branch", box);
    var table = html("table", {id: "branch-diff", "class": "diff"}, null, box);
    var head = html("tr", null, null, html("thead", null, null, table));
    html("th", null, "Outcome", head);
    html("th", {style: "color:" + ORIGINAL_COLOUR}, "Original", head);
    shown.forEach(function (b) {
      html("th", {style: "color:" + b.colour, title: b.path}, branchLabel(b), head);
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
    if (window.BranchPanel) window.BranchPanel.refresh();  // the ensembles over paired seeds, above this table
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
    $("branch-form").addEventListener("submit", function (ev) {  // branch.js runs it (seeds, progress)
      ev.preventDefault();
      if (window.BranchPanel) window.BranchPanel.run();
    });
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

  // Another run of the same corridor (a branch's `view`: frames, organisations, events) on the map, the feed and
  // the inspectors, in place of this recording's own (`null` brings them back); the charts keep every run.
  function showRun(view) {
    pause();
    var parts = ["frames", "orgs", "roles", "events", "journeys"];
    if (!D.own) { D.own = {}; parts.forEach(function (k) { D.own[k] = R[k]; }); }
    var src = view || D.own, kept = D;
    parts.forEach(function (k) { R[k] = src[k]; });
    precompute();  // the tables derived from the frames and events; everything else on D stays
    var made = D;
    D = kept;
    for (var k in made) { if (Object.prototype.hasOwnProperty.call(made, k)) D[k] = made[k]; }
    state.rendered.feedDay = -1;
    buildFeedFilter();
    if (!D.kindCounts[state.filter] && state.filter !== "all" && state.filter !== "key") state.filter = "all";
    $("event-filter").value = state.filter;
    buildOrgList();
    setDay(state.day, true);
  }

  // ------------------------------------------------------------------------------------------ events feed

  function buildFeedFilter() {
    var sel = $("event-filter");
    sel.textContent = "";
    html("option", {value: "all"}, "all (" + D.events.length + ")", sel);
    var keyCount = KEY_KINDS.reduce(function (s, k) { return s + (D.kindCounts[k] || 0); }, 0);
    if (keyCount) html("option", {value: "key"}, "key events (" + keyCount + ")", sel);
    Object.keys(D.kindCounts).sort().forEach(function (k) {
      html("option", {value: k, "data-kind": k}, kindLabel(k) + " (" + D.kindCounts[k] + ")", sel);
    });
    sel.value = "all";
    if (els.feedBound) return;  // built again for another run (showRun): the handlers are in place
    els.feedBound = true;
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

  //: How the event filter names each kind (what is counted: events, not persons; see the sentences).
  var KIND_LABELS = {shipment_departed: "shipments departed", route_chosen: "routes chosen", inspection: "inspections",
    patrol_encounter: "patrol encounters", seizure: "seizures", delivery: "deliveries", load_lost: "loads lost",
    bribe: "bribes", officer_corrupted: "officers corrupted", corruption_case: "corruption cases", arrest: "arrests",
    lead_opened: "leads opened", lead_developed: "leads developed", lead_shared: "leads shared", lead_lost: "leads lost",
    lead_leaked: "leads leaked", operation: "police operations", tip: "tips", trafficked: "trafficking departures",
    reexploited: "re-exploitations", victim_identified: "victim identifications", victim_protected: "victims protected",
    conviction: "convictions", acquittal: "acquittals", asset_freeze: "asset freezes", laundering: "laundering",
    recruitment: "recruitments", promotion: "promotions", cell_dismantled: "cells dismantled",
    cell_recovered: "cells recovered", order_unfilled: "orders unfilled", organisation_founded: "new networks",
    organisation_dissolved: "networks broken up", policy_change: "policy changes"};
  var SOURCES = {seizure: "at a seizure", tip: "after a residents' tip", talk: "named by an arrested member",
    financial: "through a financial investigation", victim: "through a victim's statement",
    corruption: "through a corruption case"};

  function kindLabel(kind) { return KIND_LABELS[kind] || pretty(kind); }

  function count(n, one, many) { return n + " " + (n === 1 ? one : many); }

  // What an event says, as a sentence: "A drugs shipment of the Red Lynx network seized at ot highway: 0.33 M".
  function sentence(e) {
    var org = orgName(e.org), net = org ? "the " + org + " network" : "a trafficking network";
    var place = e.node ? pretty(e.node) : "", v = Number(e.value), n = Math.round(v), c = e.commodity || "";
    var load = c ? article(c) + " " + c + " shipment of " + net : "a shipment of " + net;
    var detail = String(e.detail || ""), parts = detail.split("/"), role = parts[0], how = SOURCES[parts[1]] || (parts[1] ? "(" + pretty(parts[1]) + ")" : "");
    if (role.indexOf("facilitator:") === 0) role = pretty(role.slice(12)) + " (a facilitator)";
    switch (e.kind) {
      case "shipment_departed": return capitalise(load) + " left " + place + " (" + money(v) + ")";
      case "route_chosen": return "Its route: " + String(e.node || "").split(">").map(pretty).join(" → ") + " (" + fmt(v) + " days of travel)";
      case "inspection": return capitalise(load) + " inspected at " + place;
      case "patrol_encounter": return "A patrol met " + load + " at " + place;
      case "seizure": return capitalise(load) + " seized at " + place + ": " + money(v);
      case "delivery": return capitalise(load) + " delivered at " + place + ": " + money(v);
      case "load_lost": return capitalise(load) + " reached " + place + ", but its courier had been arrested: the load is lost (" + money(v) + ")";
      case "bribe": return capitalise(net) + " paid a bribe of " + money(v) + (place ? " at " + place : "");
      case "officer_corrupted": return "An officer " + (place ? "at " + place + " " : "") + "turned corrupt" + (org ? " (approached by " + net + ")" : "");
      case "corruption_case": return "A corrupt officer " + (place ? "at " + place + " " : "") + "was caught";
      case "arrest": return (org || role.indexOf("facilitator") < 0 ? capitalise(role || "member") + " of " + net : capitalise(article(role)) + " " + role) +
        " arrested" + (place ? " in " + place : "") + (how ? " " + how : "");
      case "lead_opened": return "A lead opened in " + place + (SOURCES[detail] ? " " + SOURCES[detail] : detail ? " (" + pretty(detail) + ")" : "");
      case "lead_developed": return "Analysts developed a lead in " + place;
      case "lead_shared": return "A lead was passed to " + place + (v === 1 ? ", across a border" : "");
      case "lead_lost": return "A lead in " + place + " was lost before the police could act";
      case "lead_leaked": return "A lead in " + place + " leaked to its target";
      case "operation": return "Police operation in " + place + " against " + net;
      case "tip": return "Residents of " + place + " reported a sighting" + (org ? " (" + net + ")" : "");
      case "trafficked": return count(n, "victim", "victims") + " trafficked by " + net + " from " + place;
      case "reexploited": return count(n, "of them was", "of them were") + " trafficked before";
      case "victim_identified": return count(n, "victim", "victims") + " identified" + (place ? " at " + place : "");
      case "victim_protected": return count(n, "victim", "victims") + " taken into protection" + (place ? " at " + place : "");
      case "conviction": return capitalise(parts[0] || "member") + " of " + net + " convicted" + (detail.indexOf("testimony") >= 0 ? " (a victim testified)" : "");
      case "acquittal": return "A member of " + net + " acquitted";
      case "asset_freeze": return money(v) + " of " + net + "'s assets frozen" + (detail === "transaction" ? " (a flagged transaction)" : detail === "investigation" ? " (a financial investigation)" : "");
      case "laundering": return capitalise(net) + " laundered " + money(v);
      case "recruitment": return capitalise(net) + " recruited a resident" + (place ? " of " + place : "");
      case "promotion": return "A member of " + net + " was promoted" + (place ? " (" + place + ")" : "");
      case "cell_dismantled": return "A cell of " + net + " was dismantled";
      case "cell_recovered": return "A cell of " + net + " works again after " + count(n, "day", "days");
      case "order_unfilled": return "A market order for " + (c || "a load") + " went unfilled: no network could ship it";
      case "organisation_founded": return "A new network entered" + (place ? " at " + place : "") + ": " + net;
      case "organisation_dissolved": return capitalise(net) + " broke up: no cell of it had worked for weeks";
      case "policy_change": return "Policy changed: " + detail.replace(/_/g, " ").replace(/,/g, ", ").replace(/=/g, " → ");
      default: return capitalise(pretty(e.kind)) + (place ? " at " + place : "") + (org ? " (" + net + ")" : "");
    }
  }

  function eventHtml(e) {
    if (!e.html) e.html = "<span class=\"ev-text\">" + esc(sentence(e)) + ".</span>";
    return "<li class=\"event k-" + esc(e.kind) + "\" data-day=\"" + e.d + "\" data-i=\"" + e.si + "\" data-kind=\"" +
      esc(e.kind) + "\" title=\"Go to day " + e.d + "\"><span class=\"ev-day\">day " + e.d + "</span>" + e.html + "</li>";
  }

  function renderFilterCounts(day) {  // the event filter's counts: the whole run, or so far (no spoilers)
    var sel = $("event-filter"), key = [state.training ? day : -1, D.events.length, sel.options.length].join("|");
    if (els.countsFor === key) return;
    els.countsFor = key;
    Array.prototype.forEach.call(sel.options, function (o) {
      var list = filtered(o.value), n = state.training ? upperBound(list, day) : list.length;
      var name = o.value === "all" ? "all" : o.value === "key" ? "key events" : kindLabel(o.value);
      o.textContent = name + " (" + n + (state.training ? " so far" : "") + ")";
    });
  }

  function renderFeed(day) {
    renderFilterCounts(day);
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
    rows.push(row("Mean trust today (0–1 scale)", trust === null || trust === undefined ? "—" : trust.toFixed(3)));
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
      row("Cash today (clean + dirty)", money(f.org_cash[day][i])) + "</table><div class=\"roles\">" + bars + "</div>";
    var box = $("org-details");
    if (box.getAttribute("data-html") !== text) { box.innerHTML = text; box.setAttribute("data-html", text); }
  }

  // ------------------------------------------------------------------------------------------ training room

  function buildIndicators() {  // the key indicators: the registry's headline outcomes, on the current day
    var box = $("indicators");
    box.textContent = "";
    els.indicators = (R.indicators || []).map(chartDef).filter(function (def) { return def && D.series[def.key]; })
      .map(function (def) {
        var tile = html("button", {type: "button", "class": "indicator", "data-key": def.key,
          title: capitalise(def.label) + (def.unit ? " (" + def.unit + ")" : "") + ": show its chart"}, null, box);
        html("span", {"class": "indicator-label"}, capitalise(def.short || def.label), tile);
        var value = html("span", {"class": "indicator-value"}, "—", tile);
        html("span", {"class": "indicator-unit"}, [def.percent ? "" : def.unit, def.basis].filter(Boolean).join(", "), tile);
        tile.addEventListener("click", function () { showSeries(def.key); });
        return {def: def, value: value};
      });
  }

  function renderIndicators(day) {
    $("indicators-day").textContent = "day " + day;
    els.indicators.forEach(function (it) {
      var text = fmtOutcome(D.series[it.def.key][day], it.def);
      if (it.value.textContent !== text) it.value.textContent = text;
    });
  }

  function buildSeriesPicker() {  // every series the recording holds, by group; the charts shown are ticked
    var box = $("series-options");
    box.textContent = "";
    var groups = {}, order = [];
    chartDefs().forEach(function (c) {
      if (!D.series[c.key]) return;
      if (!groups[c.group]) { groups[c.group] = []; order.push(c.group); }
      groups[c.group].push(c);
    });
    order.forEach(function (g) {
      var field = html("fieldset", {"class": "series-group"}, null, box);
      html("legend", null, capitalise(g), field);
      groups[g].forEach(function (c) {
        var label = html("label", {"class": "series-option", title: c.unit + ", " + c.basis}, null, field);
        var cb = html("input", {type: "checkbox", value: c.key, "data-key": c.key}, null, label);
        cb.checked = state.shown.indexOf(c.key) >= 0;
        html("span", null, capitalise(c.label), label);
      });
    });
    box.addEventListener("change", function () {
      var ticked = Array.prototype.map.call(box.querySelectorAll("input:checked"), function (i) { return i.value; });
      state.shown = chartDefs().map(function (c) { return c.key; }).filter(function (k) { return ticked.indexOf(k) >= 0; });
      buildCharts();
      renderPickerSummary();
    });
    renderPickerSummary();
  }

  function renderPickerSummary() {
    var n = Object.keys(D.series).filter(function (k) { return D.series[k]; }).length;
    $("series-summary").textContent = "Choose series (" + state.shown.length + " of " + n + " shown)";
  }

  function showSeries(key) {  // an indicator clicked: its chart shown first, and in view
    if (state.shown.indexOf(key) < 0) {
      state.shown = [key].concat(state.shown);
      var cb = document.querySelector("#series-options input[data-key='" + key + "']");
      if (cb) cb.checked = true;
      buildCharts();
      renderPickerSummary();
    }
    var card = document.querySelector("#charts .chart[data-key='" + key + "']");
    if (card) {
      card.scrollIntoView({block: "nearest"});
      card.classList.remove("flash");
      void card.offsetWidth;
      card.classList.add("flash");
    }
  }

  function setTraining(on) {  // no spoilers: charts and counts know only the days played so far
    state.training = !!on;
    $("training-mode").checked = state.training;
    document.body.classList.toggle("training", state.training);
    $("show-all").disabled = state.training;
    state.rendered.feedDay = -1;
    if (D && D.rendered) render();
  }

  function setLayout(presenter) {  // presenter: map, key indicators and controls on one screen, no spoilers
    state.presenter = !!presenter;
    document.body.classList.toggle("presenter", state.presenter);
    var b = $("layout-toggle");
    b.textContent = state.presenter ? "Full view" : "Presenter view";
    b.setAttribute("aria-pressed", state.presenter ? "true" : "false");
    if (state.presenter) setTraining(true);
  }

  function buildTraining() {
    if (!window.ReplayTraining) return;
    window.ReplayTraining.init({data: R, exported: EXPORTED, day: function () { return state.day; },
      setDay: setDay, pause: pause, playing: function () { return state.playing; },
      changed: function () { buildSliderTicks(); redrawCharts(); }, showError: showError, clearError: clearError,
      branchHere: branchHere});
    buildSliderTicks();
  }

  function buildSliderTicks() {  // the day slider's ticks: policy changes and bookmarks
    var ticks = $("change-days"), days = [];
    D.changes.forEach(function (c) { days.push(c.day); });
    (window.ReplayTraining ? window.ReplayTraining.items() : []).forEach(function (it) { days.push(it.day); });
    ticks.textContent = "";
    days.filter(function (d, i) { return days.indexOf(d) === i; }).sort(function (a, b) { return a - b; })
      .forEach(function (d) { html("option", {value: d}, null, ticks); });
  }

  // An inject played: the branch form set to its lever change on its day, and run (the branch panel runs it
  // with its own settings, e.g. how many seeds).
  function branchHere(day, levers) {
    if (EXPORTED) { showError("Branching needs the live viewer: python -m sim.replay view RUN_DIR (this file only plays)"); return; }
    pause();
    setDay(day, true);
    if (state.presenter) setLayout(false);
    $("branch-reset").click();
    Object.keys(levers || {}).forEach(function (key) {
      els.levers.forEach(function (l) {
        if (l.spec.key !== key) return;
        var v = levers[key];
        if (l.spec.type === "bool") l.input.checked = !!v;
        else if (l.spec.type === "list") l.input.value = Array.isArray(v) ? v.join(", ") : "";
        else l.input.value = String(v);
        l.input.dispatchEvent(new Event("input", {bubbles: true}));
        l.input.dispatchEvent(new Event("change", {bubbles: true}));
      });
    });
    $("branch-panel").scrollIntoView({block: "start"});
    var form = $("branch-form");
    if (form.requestSubmit) form.requestSubmit($("branch-run")); else $("branch-run").click();
  }

  function buildHelp() {  // the keys, from KEYS: a line at the foot of the page and the "?" list
    $("keys-hint").textContent = KEYS.filter(function (k) { return k[0] !== "Esc"; }).map(function (k) {
      return k[0] + " " + k[1];
    }).join(" · ");
    var table = $("help-keys");
    table.textContent = "";
    KEYS.forEach(function (k) {
      var tr = html("tr", null, null, table);
      html("th", null, k[0], tr);
      html("td", null, k[1], tr);
    });
    $("help-toggle").addEventListener("click", function () { toggleHelp(); });
    $("help").addEventListener("click", function () { toggleHelp(false); });
  }

  function toggleHelp(show) {
    var box = $("help");
    box.hidden = show === undefined ? !box.hidden : !show;
  }

  function cycleLayer() {
    var sel = $("map-layer"), n = sel.options.length;
    sel.selectedIndex = (sel.selectedIndex + 1) % n;
    state.layer = sel.value;
    renderMap(state.day);
  }

  function stepSpeed(direction) {
    var sel = $("speed"), i = Math.max(0, Math.min(sel.options.length - 1, sel.selectedIndex + direction));
    sel.selectedIndex = i;
    state.speed = Number(sel.value) || 5;
  }

  function typing(t) {  // a field that takes typed text (Space and the letters are its own there)
    var tag = (t && t.tagName) || "";
    if (tag === "TEXTAREA" || tag === "SELECT" || (t && t.isContentEditable)) return true;
    return tag === "INPUT" && ["range", "checkbox", "radio", "button", "submit", "reset"].indexOf(t.type) < 0;
  }

  // Keys, caught before the focused element sees them: Space plays or pauses wherever the focus is (a button
  // just clicked does not take it as a click), except in a text field.
  function onKey(ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || !D) return;
    var t = ev.target || {}, k = ev.key;
    if (k === "Escape") { toggleHelp(false); if (window.ReplayTraining) window.ReplayTraining.dismiss(); return; }
    var space = k === " " || k === "Spacebar";
    if (typing(t) && !(space && t.tagName === "SELECT")) return;  // a closed list opens with Alt+↓ instead
    var onSlider = t.tagName === "INPUT" && t.type === "range";  // arrows move the slider itself
    var handled = true;
    if (space) { if (state.playing) pause(); else play(); }
    else if (!onSlider && (k === "ArrowRight" || k === "ArrowLeft")) {
      pause();
      setDay(state.day + (k === "ArrowRight" ? 1 : -1) * (ev.shiftKey ? 7 : 1));
    } else if (!onSlider && k === "Home") { pause(); setDay(0); }
    else if (!onSlider && k === "End") { pause(); setDay(D.days - 1); }
    else if ((k === "[" || k === "]") && window.ReplayTraining) {
      var d = window.ReplayTraining.nearest(state.day, k === "]" ? 1 : -1);
      if (d !== null) { pause(); setDay(d, true); }
    } else if (k === "b" || k === "B") {
      pause();
      if (state.presenter) setLayout(false);
      $("training-panel").scrollIntoView({block: "nearest"});
      if (window.ReplayTraining) window.ReplayTraining.focusNote();
    } else if (k === "t" || k === "T") setTraining(!state.training);
    else if (k === "p" || k === "P") setLayout(!state.presenter);
    else if (k === "l" || k === "L") cycleLayer();
    else if (k === "+" || k === "=") stepSpeed(1);
    else if (k === "-" || k === "_") stepSpeed(-1);
    else if (k === "?") toggleHelp();
    else handled = false;
    if (handled) { ev.preventDefault(); ev.stopPropagation(); }
  }

  function onKeyUp(ev) {  // a focused button would take the Space of play/pause as a click on key-up
    var t = ev.target || {};
    if ((ev.key === " " || ev.key === "Spacebar") && (!typing(t) || t.tagName === "SELECT")) ev.preventDefault();
  }

  // ------------------------------------------------------------------------------------------ playback

  function setDay(day, force) {
    day = Math.max(0, Math.min(D.days - 1, Math.round(Number(day) || 0)));
    if (day === state.day && !force && D.rendered) return;
    if (window.ReplayTraining && D.rendered) {  // playing over a bookmark stops on its day
      var stop = window.ReplayTraining.moved(state.day, day, state.playing);
      if (stop !== null) { day = stop; pause(); }
    }
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
    renderIndicators(day);
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
      if (!state.playing) return;  // stopped at a bookmark
      if (state.day >= D.days - 1) { pause(); return; }
    } else {
      renderJourneys(state.day + timer.acc);  // shipments move within the day
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
    $("training-mode").addEventListener("change", function (ev) { setTraining(ev.target.checked); });
    $("layout-toggle").addEventListener("click", function () { setLayout(!state.presenter); });
    $("map-layer").addEventListener("change", function (ev) { state.layer = ev.target.value; renderMap(state.day); });
    buildHelp();
    document.addEventListener("keydown", onKey, true);  // capture: before a focused button sees the key
    document.addEventListener("keyup", onKeyUp, true);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", load);
  else load();
})();
