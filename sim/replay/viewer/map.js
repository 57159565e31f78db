// Corridor replay: the map's geometry (window.ReplayMap), kept apart from drawing so it can be reasoned
// about and tested: where each label goes (no two labels overlap, and none covers a node, a badge or a
// country's name), where the countries and their borders are (a border passes through the crossings on
// it), where a shipment is on a given day, and how wide a route is drawn for its traffic.
(function () {
  "use strict";

  // ---------------------------------------------------------------------------------------- labels

  function overlap(a, b) {  // the area two boxes {x, y, w, h} share
    var w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
    var h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
    return w > 0 && h > 0 ? w * h : 0;
  }

  function inside(box, bounds) {
    return box.x >= bounds.x && box.y >= bounds.y && box.x + box.w <= bounds.x + bounds.w &&
      box.y + box.h <= bounds.y + bounds.h;
  }

  // Candidate boxes for a label of size w x h around a node at (cx, cy) with clearance r: below, above,
  // right, left, the diagonals, then below and above shifted sideways; each first close to the node, then
  // ring by ring further out (with a leader line).
  function candidates(it) {
    var out = [], r = it.r, w = it.w, h = it.h, cx = it.cx, cy = it.cy, d = r * 0.75;
    [0, 14, 30, 50, 75].forEach(function (e, ring) {
      var below = cy + r + 1 + e, above = cy - r - 1 - h - e;
      [[cx - w / 2, below], [cx - w / 2, above], [cx + r + 3 + e, cy - h / 2],
        [cx - r - 3 - w - e, cy - h / 2], [cx + d + e * 0.7, cy + d + e * 0.7], [cx + d + e * 0.7, cy - d - h - e * 0.7],
        [cx - d - w - e * 0.7, cy + d + e * 0.7], [cx - d - w - e * 0.7, cy - d - h - e * 0.7],
        [cx - w * 0.15, below], [cx - w * 0.85, below], [cx - w * 0.15, above], [cx - w * 0.85, above]
      ].forEach(function (p, k) { out.push({x: p[0], y: p[1], w: w, h: h, ring: ring, side: k}); });
    });
    return out;
  }

  function distance(box, x, y) {  // from a point to the nearest point of a box
    var dx = Math.max(box.x - x, 0, x - box.x - box.w), dy = Math.max(box.y - y, 0, y - box.y - box.h);
    return Math.sqrt(dx * dx + dy * dy);
  }

  // Greedy, deterministic label placement. items: [{id, cx, cy, w, h, r}]; obstacles: [{x, y, w, h, hard}]
  // (hard: nodes, badges, country names; soft: places kept for day marks); bounds: {x, y, w, h}.
  // Crowded nodes are placed first. A label never overlaps another; it avoids every obstacle if it can,
  // else the soft ones only, else overlaps hard ones as little as it can; among those it prefers a place
  // nearer its own node than any other (so it is not read as another's), then the nearest and most usual.
  // With no place left at all it is hidden (shown on hover). Returns {id: {x, y, w, h, ring, hidden}}.
  function placeLabels(items, obstacles, bounds) {
    var crowd = items.map(function (a, i) {
      var n = 0;
      items.forEach(function (b) { if (b !== a && Math.abs(a.cx - b.cx) < 160 && Math.abs(a.cy - b.cy) < 90) n++; });
      return {it: a, n: n, i: i};
    });
    crowd.sort(function (a, b) { return b.n - a.n || a.i - b.i; });
    var placed = [], out = {};
    crowd.forEach(function (c) {
      var it = c.it, best = null, bestCost = Infinity;
      var own = obstacles.filter(function (o) { return o.owner === it.id && o.self; });
      candidates(it).forEach(function (box, order) {
        if (best && best.cost === 0) return;
        if (!inside(box, bounds)) return;
        for (var k = 0; k < placed.length; k++) { if (overlap(box, placed[k]) > 0) return; }
        var hard = 0, soft = 0;
        for (var j = 0; j < obstacles.length; j++) {
          var o = obstacles[j], a = overlap(box, o);
          if (!a || own.indexOf(o) >= 0) continue;
          if (o.hard) hard += a; else soft += a;
        }
        var mine = distance(box, it.cx, it.cy), amb = 0;
        for (var q = 0; q < items.length && !amb; q++) {
          var other = items[q];
          if (other !== it && Math.abs(other.cx - it.cx) < 300 && Math.abs(other.cy - it.cy) < 300 &&
            distance(box, other.cx, other.cy) < mine) amb = 1;
        }
        // order: the nearer and more usual place first (below, above, right, left, diagonals; ring by ring)
        var cost = hard * 1e6 + amb * 2e5 + soft * 1e3 + order;
        if (cost < bestCost) {
          bestCost = cost;
          best = {x: box.x, y: box.y, w: box.w, h: box.h, ring: box.ring, cost: hard || soft ? cost : 0, hard: hard > 0,
            soft: soft > 0};
        }
      });
      if (best) {
        placed.push(best);
        out[it.id] = {x: best.x, y: best.y, w: best.w, h: best.h, ring: best.ring, hidden: false, hard: best.hard,
          soft: best.soft};
      } else {
        out[it.id] = {x: it.cx, y: it.cy, w: 0, h: 0, ring: 0, hidden: true};
      }
    });
    return out;
  }

  // ---------------------------------------------------------------------------------------- countries

  var LAND_CROSSINGS = {crossing: true, informal_crossing: true};

  // Countries as bands along the corridor when their places (border crossings aside) follow each other from
  // west to east; a border between two bands is a line through the crossings that join them, so a
  // crossing sits on its border. Otherwise boxes around each country's places (banded: false).
  // nodes: [{id, country, kind, X, Y}] in map units; edges: [{source, target}]; returns
  // {banded, shapes: [{name, points: [[x, y]], label: [x, y]}], borders: [[[x, y]]]}.
  function countries(nodes, edges, W, H, margin) {
    var byId = {}, names = [];
    nodes.forEach(function (n) { byId[n.id] = n; if (names.indexOf(n.country) < 0) names.push(n.country); });
    var joins = {};  // crossing id -> the other country it leads to
    edges.forEach(function (e) {
      var a = byId[e.source], b = byId[e.target];
      if (!a || !b || a.country === b.country) return;
      if (LAND_CROSSINGS[a.kind]) joins[a.id] = b.country;
      if (LAND_CROSSINGS[b.kind]) joins[b.id] = a.country;
    });
    var bands = names.map(function (c) {
      var xs = nodes.filter(function (n) { return n.country === c && !joins[n.id]; }).map(function (n) { return n.X; });
      if (!xs.length) xs = nodes.filter(function (n) { return n.country === c; }).map(function (n) { return n.X; });
      return {name: c, x0: Math.min.apply(null, xs), x1: Math.max.apply(null, xs)};
    });
    bands.sort(function (a, b) { return a.x0 - b.x0 || (a.name < b.name ? -1 : 1); });
    var banded = bands.every(function (b, i) { return i === 0 || bands[i - 1].x1 < b.x0; });
    var top = margin, bottom = H - margin;
    if (banded) {
      var lines = [];
      for (var i = 0; i + 1 < bands.length; i++) {
        var a = bands[i].name, b = bands[i + 1].name, x0 = bands[i].x1, x1 = bands[i + 1].x0;
        var on = nodes.filter(function (n) {
          return joins[n.id] && ((n.country === a && joins[n.id] === b) || (n.country === b && joins[n.id] === a)) &&
            n.X > x0 && n.X < x1;
        }).sort(function (p, q) { return p.Y - q.Y; });
        var pts;
        if (on.length) {
          pts = [[on[0].X, top]].concat(on.map(function (n) { return [n.X, n.Y]; }), [[on[on.length - 1].X, bottom]]);
        } else {
          var mid = (x0 + x1) / 2;
          pts = [[mid, top], [mid, bottom]];
        }
        lines.push(pts);
      }
      var shapes = bands.map(function (b, k) {
        var left = k === 0 ? [[margin, top], [margin, bottom]] : lines[k - 1];
        var right = k === bands.length - 1 ? [[W - margin, top], [W - margin, bottom]] : lines[k];
        var pts = left.concat(right.slice().reverse());
        var lx = (xAt(left, top) + xAt(right, top)) / 2;
        return {name: b.name, points: pts, label: [lx, top + 28]};
      });
      return {banded: true, shapes: shapes, borders: lines};
    }
    return {banded: false, borders: [], shapes: names.map(function (c) {
      var ns = nodes.filter(function (n) { return n.country === c; });
      var xs = ns.map(function (n) { return n.X; }), ys = ns.map(function (n) { return n.Y; });
      var x0 = Math.min.apply(null, xs) - 45, x1 = Math.max.apply(null, xs) + 45;
      var y0 = Math.min.apply(null, ys) - 55, y1 = Math.max.apply(null, ys) + 45;
      return {name: c, points: [[x0, y0], [x1, y0], [x1, y1], [x0, y1]], label: [(x0 + x1) / 2, y0 + 30]};
    })};
  }

  function xAt(line, y) {  // where a border polyline is at height y
    for (var i = 0; i + 1 < line.length; i++) {
      var a = line[i], b = line[i + 1];
      if ((y >= a[1] && y <= b[1]) || (y <= a[1] && y >= b[1])) {
        return b[1] === a[1] ? a[0] : a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]);
      }
    }
    return line[0][0];
  }

  // ---------------------------------------------------------------------------------------- shipments

  // Where a journey is at time t (days), as [x, y], or null when it is not under way then. A journey
  // {start, end, path, at} moves along its path in proportion to the days each leg takes; waits at posts
  // stretch it evenly to its real end. xy: node index -> [x, y].
  function journeyAt(j, t, xy, lastDay) {
    var total = j.at[j.at.length - 1], end = j.end === null || j.end === undefined ? lastDay + 1 : j.end;
    if (t < j.start || t > end) return null;
    var span = Math.max(end - j.start, 1e-9), p = j.path.length < 2 ? 0 : Math.min(1, (t - j.start) / span) * total;
    if (j.end === null || j.end === undefined) p = Math.min(total, t - j.start);
    for (var k = 0; k + 1 < j.path.length; k++) {
      if (p <= j.at[k + 1] || k + 2 === j.path.length) {
        var a = xy[j.path[k]], b = xy[j.path[k + 1]], leg = j.at[k + 1] - j.at[k];
        var f = leg > 0 ? Math.max(0, Math.min(1, (p - j.at[k]) / leg)) : 1;
        return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f];
      }
    }
    return xy[j.path[0]].slice();
  }

  // ---------------------------------------------------------------------------------------- widths

  //: Shipment legs per day at which the legend shows a route's width (a fixed scale: no spoilers).
  var WIDTH_STEPS = [1, 4, 16];

  function flowWidth(legs) { return legs > 0 ? Math.min(16, 2.5 + 2.2 * Math.sqrt(legs)) : 1.5; }

  window.ReplayMap = {placeLabels: placeLabels, overlap: overlap, countries: countries, journeyAt: journeyAt,
    flowWidth: flowWidth, WIDTH_STEPS: WIDTH_STEPS};
})();
