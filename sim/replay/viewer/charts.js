// Corridor replay: the outcome charts (window.ReplayCharts), one SVG per daily series.
// A chart knows the series it draws and, in training mode, only the days played so far: its axes are
// scaled to what has happened up to the current day (no year-end totals before they happen), nothing of
// the days ahead is drawn, and the y axis starts at the quantity's least value (the registry's `lower`,
// zero for counts, shares and amounts) with 3-5 round ticks. Hovering shows the values of a day; a click
// asks the player to go to that day (hooks.seek).
(function () {
  "use strict";

  var SVGNS = "http://www.w3.org/2000/svg";
  //: How far the x axis reaches in training mode: the first of these at or beyond the current day.
  var DAY_STOPS = [7, 14, 30, 60, 90, 120, 180, 270, 365, 545, 730, 1095, 1460, 1825];
  var W = 340, H = 178, L = 56, RM = 14, T = 12, B = 28;

  function svg(tag, attrs, parent) {
    var el = document.createElementNS(SVGNS, tag);
    for (var k in attrs || {}) { if (attrs[k] !== null && attrs[k] !== undefined) el.setAttribute(k, attrs[k]); }
    if (parent) parent.appendChild(el);
    return el;
  }

  function clear(g) { while (g.firstChild) g.removeChild(g.firstChild); }

  function isNum(v) { return typeof v === "number" && isFinite(v); }

  // ---------------------------------------------------------------------------------------- scales

  // Round ticks covering [lo, hi]: steps of 1, 2, 2.5 or 5 times a power of ten, 3 to 5 ticks, the first
  // at or below lo and the last at or above hi. `whole`: ticks are whole numbers (counts).
  function niceScale(lo, hi, whole) {
    if (!isNum(lo) || !isNum(hi)) { lo = 0; hi = 1; }
    if (hi < lo) { var t = lo; lo = hi; hi = t; }
    if (hi - lo < 1e-12) {
      var pad = Math.abs(hi) > 1e-12 ? Math.abs(hi) * 0.5 : (whole ? 2 : 1);
      hi = hi + pad;
      if (lo !== 0) lo = lo - pad;
    }
    var best = null, mags = Math.floor(Math.log10((hi - lo) / 2));
    for (var m = mags - 1; m <= mags + 1; m++) {
      [1, 2, 2.5, 5].forEach(function (f) {
        var step = f * Math.pow(10, m);
        if (whole && step < 1) return;
        if (whole && f === 2.5 && m === 0) return;  // 2.5 is no whole step
        var a = Math.floor(lo / step + 1e-9) * step, b = Math.ceil(hi / step - 1e-9) * step;
        var n = Math.round((b - a) / step) + 1;
        if (n < 3 || n > 5) return;
        if (!best || b - a < best.hi - best.lo - 1e-12) best = {lo: a, hi: b, step: step};
      });
    }
    if (!best) {  // a tiny whole range (e.g. 0..1 for counts): 0, 1, 2
      var step1 = whole ? Math.max(1, Math.ceil((hi - lo) / 2)) : (hi - lo) / 2;
      best = {lo: lo, hi: lo + 2 * step1, step: step1};
    }
    best.ticks = [];
    var n = Math.round((best.hi - best.lo) / best.step);
    for (var k = 0; k <= n; k++) best.ticks.push(Number((best.lo + k * best.step).toPrecision(12)));
    best.lo = best.ticks[0];
    best.hi = best.ticks[n];
    return best;
  }

  function dayMax(day, days, training) {
    if (!training) return Math.max(days - 1, 1);
    for (var i = 0; i < DAY_STOPS.length; i++) {
      if (DAY_STOPS[i] >= day) return Math.max(1, Math.min(DAY_STOPS[i], days - 1));
    }
    return Math.max(days - 1, 1);
  }

  function dayTicks(xMax) {  // round days, 3-5 of them, within the axis
    var s = niceScale(0, xMax, true), out = s.ticks.filter(function (d) { return d <= xMax; });
    if (out.length < 3) out = niceScale(0, xMax / 2, true).ticks.filter(function (d) { return d <= xMax; });
    return out;
  }

  // Running extremes of a series (nulls skipped), so that a day's no-spoiler range is one lookup.
  function running(values, from) {
    var n = values.length, lo = new Float64Array(n), hi = new Float64Array(n), a = Infinity, b = -Infinity;
    for (var i = 0; i < n; i++) {
      var v = values[i];
      if (i >= from && isNum(v)) { if (v < a) a = v; if (v > b) b = v; }
      lo[i] = a; hi[i] = b;
    }
    return {lo: lo, hi: hi};
  }

  function decimals(step) {  // digits a tick needs to show its step exactly
    for (var d = 0; d < 4; d++) {
      var f = step * Math.pow(10, d);
      if (Math.abs(Math.round(f) - f) < 1e-6) return d;
    }
    return 4;
  }

  function tickText(v, def, step) {
    if (def.percent) return (100 * v).toFixed(decimals(step * 100)) + "%";
    if (Math.abs(v) >= 10000 && step >= 1000) return (v / 1000).toLocaleString("en", {maximumFractionDigits: 1}) + "k";
    var d = decimals(step);
    return v.toLocaleString("en", {minimumFractionDigits: d, maximumFractionDigits: d});
  }

  // ---------------------------------------------------------------------------------------- a chart

  // def: the registry's chart info (label, unit, basis, percent, digits, lower, upper, kind);
  // hooks: {seek(day), format(value, def), title(day) -> text for a day (e.g. its bookmarks)}.
  function Chart(box, def, hooks) {
    this.def = def;
    this.hooks = hooks;
    var card = this.card = document.createElement("div");
    card.className = "chart";
    card.setAttribute("data-key", def.key);
    var head = document.createElement("div");
    head.className = "chart-head";
    var title = document.createElement("span");
    title.className = "chart-title";
    title.textContent = def.label.charAt(0).toUpperCase() + def.label.slice(1);
    var unit = document.createElement("span");
    unit.className = "chart-unit";
    unit.textContent = " " + [def.unit, def.basis].filter(Boolean).join(", ");
    head.appendChild(title);
    head.appendChild(unit);
    card.appendChild(head);
    this.values = document.createElement("div");
    this.values.className = "chart-values";
    card.appendChild(this.values);
    var wrap = document.createElement("div");
    wrap.className = "chart-wrap";
    card.appendChild(wrap);
    var s = this.svg = svg("svg", {viewBox: "0 0 " + W + " " + H, "class": "chart-svg", role: "img",
      "aria-label": def.label}, wrap);
    this.grid = svg("g", {"class": "grid"}, s);
    this.axes = svg("g", {"class": "axes"}, s);
    this.markers = svg("g", {"class": "markers"}, s);
    this.future = svg("g", {"class": "future"}, s);
    this.past = svg("g", {"class": "past"}, s);
    this.cursor = svg("line", {y1: T, y2: H - B, "class": "cursor"}, s);
    this.hoverLine = svg("line", {y1: T, y2: H - B, "class": "hover-line", visibility: "hidden"}, s);
    this.hit = svg("rect", {x: L, y: T, width: W - L - RM, height: H - T - B, "class": "hit"}, s);
    this.tip = document.createElement("div");
    this.tip.className = "chart-hover";
    this.tip.hidden = true;
    wrap.appendChild(this.tip);
    this.key = null;
    this.view = null;
    this.stats = [];
    var self = this;
    this.hit.addEventListener("mousemove", function (ev) { self.hover(ev); });
    this.hit.addEventListener("mouseleave", function () { self.unhover(); });
    this.hit.addEventListener("click", function (ev) {
      var d = self.dayAt(ev);
      if (d !== null) self.hooks.seek(d);
    });
    box.appendChild(card);
  }

  // series: [{values, colour, id, from, cls}] (the first is the recording); markers: [{day, cls, title}].
  Chart.prototype.setData = function (series, markers, days) {
    this.series = series;
    this.markerList = markers || [];
    this.days = days;
    this.stats = series.map(function (s) { return running(s.values || [], s.from || 0); });
    this.key = null;
  };

  Chart.prototype.range = function (day, training) {
    var def = this.def, lo = Infinity, hi = -Infinity, last = this.days - 1;
    var at = training ? Math.min(day, last) : last;
    this.stats.forEach(function (st) {
      var n = st.hi.length;
      if (!n) return;
      var i = Math.min(at, n - 1);
      if (st.lo[i] < lo) lo = st.lo[i];
      if (st.hi[i] > hi) hi = st.hi[i];
    });
    if (!isFinite(lo)) { lo = 0; hi = 0; }
    if (def.lower !== null && def.lower !== undefined) lo = def.lower;  // from the quantity's least value
    else if (lo > 0) lo = 0;
    var whole = !def.percent && !def.digits && (def.kind === "count");
    var s = niceScale(lo, hi, whole);
    if (def.upper !== null && def.upper !== undefined && s.hi > def.upper) {  // a share never beyond 1
      s = niceScale(lo, Math.min(hi, def.upper), whole);
      if (s.hi > def.upper) { s.hi = def.upper; s.ticks = s.ticks.filter(function (t) { return t <= def.upper + 1e-9; }); }
    }
    return s;
  };

  // Draw for `day`; view: {training, showAll}.
  Chart.prototype.render = function (day, view) {
    if (!this.series || !this.series[0] || !this.series[0].values) { this.empty(); return; }
    var training = !!view.training, xMax = dayMax(day, this.days, training), y = this.range(day, training);
    var key = [training, view.showAll, xMax, y.lo, y.hi].join("|");
    this.day = day;
    this.training = training;
    this.xMax = xMax;
    if (key !== this.key) {
      this.key = key;
      this.scale(xMax, y);
      this.drawAxes(xMax, y);
      this.drawMarkers(xMax);
      this.drawSeries(training ? day : this.days - 1, view.showAll && !training);
    } else if (training) {
      this.drawSeries(day, false);
    }
    this.svg.setAttribute("data-xmax", String(xMax));
    this.svg.setAttribute("data-ymin", String(y.lo));
    this.svg.setAttribute("data-ymax", String(y.hi));
    var x = this.x(Math.min(day, xMax));
    this.cursor.setAttribute("x1", x.toFixed(1));
    this.cursor.setAttribute("x2", x.toFixed(1));
    if (!training) this.clip(day);
    this.showValues(day);
  };

  Chart.prototype.empty = function () {
    clear(this.axes);
    var t = svg("text", {x: W / 2, y: H / 2, "text-anchor": "middle", "class": "axis-text"}, this.axes);
    t.textContent = "not recorded";
    this.values.textContent = "—";
  };

  Chart.prototype.scale = function (xMax, y) {
    this.x = function (d) { return L + (W - L - RM) * d / xMax; };
    this.y = function (v) { return T + (H - T - B) * (1 - (v - y.lo) / (y.hi - y.lo)); };
  };

  Chart.prototype.drawAxes = function (xMax, y) {
    var self = this, def = this.def;
    clear(this.axes);
    clear(this.grid);
    y.ticks.forEach(function (v) {
      var yy = self.y(v);
      svg("line", {x1: L, x2: W - RM, y1: yy.toFixed(1), y2: yy.toFixed(1), "class": v === y.lo ? "axis" : "gridline"},
        self.grid);
      var t = svg("text", {x: L - 6, y: (yy + 4.5).toFixed(1), "text-anchor": "end", "class": "axis-text tick-y",
        "data-value": v}, self.axes);
      t.textContent = tickText(v, def, y.step);
    });
    svg("line", {x1: L, y1: T, x2: L, y2: H - B, "class": "axis"}, this.axes);
    dayTicks(xMax).forEach(function (d, k, all) {
      var xx = self.x(d);
      svg("line", {x1: xx, x2: xx, y1: H - B, y2: H - B + 4, "class": "axis"}, self.axes);
      var t = svg("text", {x: xx, y: H - 8, "text-anchor": k === 0 ? "start" : k === all.length - 1 ? "end" : "middle",
        "class": "axis-text tick-x", "data-value": d}, self.axes);
      t.textContent = k === 0 ? "day 0" : String(d);
    });
  };

  Chart.prototype.drawMarkers = function (xMax) {
    var self = this;
    clear(this.markers);
    this.markerList.forEach(function (m) {
      if (m.day < 0 || m.day > xMax) return;
      var xx = self.x(m.day);
      var line = svg("line", {x1: xx, x2: xx, y1: T, y2: H - B, "class": m.cls, "data-day": m.day,
        stroke: m.colour || null}, self.markers);
      if (m.title) svg("title", null, line).textContent = m.title;
    });
  };

  function points(self, values, from, to) {
    var pts = [], run = [];
    for (var d = from; d <= to && d < values.length; d++) {
      var v = values[d];
      if (!isNum(v)) { if (run.length) { pts.push(run.join(" ")); run = []; } continue; }
      run.push(self.x(d).toFixed(1) + "," + self.y(v).toFixed(1));
    }
    if (run.length) pts.push(run.join(" "));
    return pts;
  }

  Chart.prototype.drawSeries = function (to, future) {
    var self = this;
    clear(this.past);
    clear(this.future);
    this.series.forEach(function (s, k) {
      var from = s.from || 0;
      points(self, s.values || [], from, to).forEach(function (p) {
        var attrs = {points: p, stroke: s.colour, fill: "none", "stroke-width": k ? 2.6 : 3, "stroke-linejoin": "round",
          "class": s.cls || (k ? "branch-series" : "original-series")};
        if (s.id) attrs["data-branch"] = s.id;
        svg("polyline", attrs, self.past);
        if (future) {
          svg("polyline", {points: p, stroke: s.colour, fill: "none", "stroke-width": 2, opacity: 0.3,
            "stroke-dasharray": k ? "5 4" : null, "class": "future-series", "data-series": s.id || "original"},
          self.future);
        }
      });
    });
    if (!this.clipRect) {
      var id = "clip-" + this.def.key.replace(/[^a-z0-9_-]/gi, "") + "-" + Math.floor(Math.random() * 1e9);
      var defs = svg("defs", null, this.svg);
      var cp = svg("clipPath", {id: id}, defs);
      this.clipRect = svg("rect", {x: 0, y: 0, width: W, height: H}, cp);
      this.past.setAttribute("clip-path", "url(#" + id + ")");
    }
    this.clipRect.setAttribute("width", String(W));
  };

  Chart.prototype.clip = function (day) {
    if (this.clipRect) this.clipRect.setAttribute("width", (this.x(day) + 1.5).toFixed(1));
  };

  Chart.prototype.valueText = function (day) {
    var self = this;
    return this.series.map(function (s) {
      var v = s.values && day >= (s.from || 0) ? s.values[day] : null;
      return {colour: s.colour, text: self.hooks.format(v, self.def)};
    });
  };

  Chart.prototype.showValues = function (day) {
    var parts = this.valueText(day).map(function (p) {
      return "<span class=\"val\" style=\"color:" + p.colour + "\">" + escapeHtml(p.text) + "</span>";
    });
    var text = parts.join(" <span class=\"vs\">vs</span> ");
    if (this.valuesHtml !== text) { this.values.innerHTML = text; this.valuesHtml = text; }
  };

  Chart.prototype.dayAt = function (ev) {
    var box = this.svg.getBoundingClientRect();
    if (!box.width) return null;
    var vx = (ev.clientX - box.left) * W / box.width;
    var d = Math.round((vx - L) / (W - L - RM) * this.xMax);
    return Math.max(0, Math.min(this.xMax, this.days - 1, d));
  };

  Chart.prototype.hover = function (ev) {
    var d = this.dayAt(ev);
    if (d === null) return;
    var xx = this.x(d);
    this.hoverLine.setAttribute("x1", xx.toFixed(1));
    this.hoverLine.setAttribute("x2", xx.toFixed(1));
    this.hoverLine.setAttribute("visibility", "visible");
    var lines = ["Day " + d];
    if (this.training && d > this.day) {
      lines.push("not played yet (click to go there)");
    } else {
      this.valueText(d).forEach(function (p, k) { lines.push((k ? "branch " + k : "recording") + ": " + p.text); });
      lines.push("click to go to day " + d);
    }
    var extra = this.hooks.title ? this.hooks.title(d) : "";
    if (extra) lines.splice(1, 0, extra);
    this.tip.textContent = "";
    var self = this;
    lines.forEach(function (text, k) {
      var div = document.createElement("div");
      div.textContent = text;
      if (k === 0) div.className = "hover-day";
      self.tip.appendChild(div);
    });
    this.tip.setAttribute("data-day", String(d));
    this.tip.hidden = false;
    var box = this.svg.getBoundingClientRect(), left = (xx / W) * box.width;
    this.tip.style.left = Math.max(0, Math.min(box.width - this.tip.offsetWidth, left + 10)) + "px";
    this.tip.style.top = "0px";
  };

  Chart.prototype.unhover = function () {
    this.hoverLine.setAttribute("visibility", "hidden");
    this.tip.hidden = true;
  };

  Chart.prototype.remove = function () { if (this.card.parentNode) this.card.parentNode.removeChild(this.card); };

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
    });
  }

  window.ReplayCharts = {Chart: Chart, niceScale: niceScale, dayMax: dayMax, dayTicks: dayTicks};
})();
