/**
 * The script inlined into the `deps --format html` page (plain ES2017, no network, no libraries).
 * It reads the JSON data block, lays the graph out with a Fruchterman–Reingold force layout whose
 * repulsion uses a grid (only nearby nodes repel, O(n) per step) — Fruchterman & Reingold, "Graph
 * drawing by force-directed placement", 1991, §"grid variant" — then draws SVG with zoom (wheel),
 * pan (drag), hover tooltips and click-to-focus. When done it sets `data-ready="1"` on <html>.
 * NOTE: kept free of backticks and dollar-brace so it can live in a template string.
 */
export const GRAPH_HTML_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('deps-data').textContent);
  var nodes = data.nodes, edges = data.edges, n = nodes.length;
  var SVG = 'http://www.w3.org/2000/svg';
  var svg = document.getElementById('graph');
  var viewport = document.getElementById('viewport');
  var tip = document.getElementById('tooltip');

  // --- layout -------------------------------------------------------------------------------
  var started = performance.now();
  var seed = 42;
  function rnd() { seed = (seed + 0x6d2b79f5) | 0; var t = Math.imul(seed ^ (seed >>> 15), 1 | seed); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; }
  var K = n < 40 ? 90 : n < 200 ? 64 : 48;
  var x = new Float64Array(n), y = new Float64Array(n), dx = new Float64Array(n), dy = new Float64Array(n);
  var spread = K * Math.sqrt(n + 1);
  for (var i = 0; i < n; i++) { var a = rnd() * 2 * Math.PI, r = spread * Math.sqrt(rnd()); x[i] = r * Math.cos(a); y[i] = r * Math.sin(a); }
  var iterations = n > 600 ? 160 : n > 150 ? 250 : 400;
  var temp = spread / 4, cool = temp / iterations;
  var cell = 2 * K, GRAVITY = n < 40 ? 0.01 : 0.03;
  for (var it = 0; it < iterations; it++) {
    dx.fill(0); dy.fill(0);
    var grid = new Map();
    for (i = 0; i < n; i++) {
      var key = (Math.floor(x[i] / cell) + 32768) * 65536 + (Math.floor(y[i] / cell) + 32768);
      var list = grid.get(key); if (list) list.push(i); else grid.set(key, [i]);
    }
    for (i = 0; i < n; i++) {
      var cx = Math.floor(x[i] / cell), cy = Math.floor(y[i] / cell);
      for (var gx = cx - 1; gx <= cx + 1; gx++) for (var gy = cy - 1; gy <= cy + 1; gy++) {
        var bucket = grid.get((gx + 32768) * 65536 + (gy + 32768)); if (!bucket) continue;
        for (var b = 0; b < bucket.length; b++) {
          var j = bucket[b]; if (j === i) continue;
          var ddx = x[i] - x[j], ddy = y[i] - y[j], d2 = ddx * ddx + ddy * ddy;
          if (d2 > cell * cell) continue;
          if (d2 < 0.01) { ddx = rnd() - 0.5; ddy = rnd() - 0.5; d2 = 0.5; }
          var f = (K * K) / d2;
          dx[i] += ddx * f; dy[i] += ddy * f;
        }
      }
    }
    for (var e = 0; e < edges.length; e++) {
      var s = edges[e].s, t = edges[e].t; if (s === t) continue;
      var ex = x[s] - x[t], ey = y[s] - y[t], d = Math.sqrt(ex * ex + ey * ey) || 0.01;
      var fa = d / K;
      dx[s] -= ex * fa; dy[s] -= ey * fa; dx[t] += ex * fa; dy[t] += ey * fa;
    }
    for (i = 0; i < n; i++) {
      dx[i] -= x[i] * GRAVITY; dy[i] -= y[i] * GRAVITY;
      var len = Math.sqrt(dx[i] * dx[i] + dy[i] * dy[i]);
      if (len > 0) { var m = Math.min(len, temp) / len; x[i] += dx[i] * m; y[i] += dy[i] * m; }
    }
    temp = Math.max(1, temp - cool);
  }

  var layoutMs = Math.round(performance.now() - started);

  // --- drawing ------------------------------------------------------------------------------
  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }
  var maxCalls = 1; for (i = 0; i < n; i++) maxCalls = Math.max(maxCalls, nodes[i].calls);
  var radius = new Float64Array(n);
  for (i = 0; i < n; i++) radius[i] = 5 + 9 * Math.sqrt(nodes[i].calls / maxCalls);
  var edgeLayer = document.getElementById('edges'), hitLayer = document.getElementById('edge-hits'), nodeLayer = document.getElementById('nodes');
  var edgeEls = [];
  for (e = 0; e < edges.length; e++) {
    var E = edges[e]; s = E.s; t = E.t;
    ex = x[t] - x[s]; ey = y[t] - y[s]; d = Math.sqrt(ex * ex + ey * ey) || 1;
    // A slight bend to the left of the direction of travel keeps A->B and B->A apart.
    var nx = -ey / d, ny = ex / d, bend = Math.min(0.12 * d, 40);
    var x1 = x[s] + (ex / d) * radius[s] + nx * bend * 0.25, y1 = y[s] + (ey / d) * radius[s] + ny * bend * 0.25;
    var x2 = x[t] - (ex / d) * (radius[t] + 2) + nx * bend * 0.25, y2 = y[t] - (ey / d) * (radius[t] + 2) + ny * bend * 0.25;
    var mx = (x[s] + x[t]) / 2 + nx * bend, my = (y[s] + y[t]) / 2 + ny * bend;
    var dpath = 'M' + x1.toFixed(1) + ',' + y1.toFixed(1) + 'Q' + mx.toFixed(1) + ',' + my.toFixed(1) + ' ' + x2.toFixed(1) + ',' + y2.toFixed(1);
    var cls = 'edge' + (E.errors > 0 ? ' error' : '') + (E.async ? ' async' : '');
    edgeEls.push(el('path', { d: dpath, 'class': cls, 'stroke-width': E.w, 'marker-end': E.errors > 0 ? 'url(#arrow-error)' : 'url(#arrow)' }, edgeLayer));
    el('path', { d: dpath, 'class': 'edge-hit', 'data-edge': e }, hitLayer);
  }
  var nodeEls = [];
  for (i = 0; i < n; i++) {
    var N = nodes[i];
    var g = el('g', { 'class': 'node' + (N.virtual ? ' virtual' : '') + (N.errors > 0 ? ' error' : ''), transform: 'translate(' + x[i].toFixed(1) + ',' + y[i].toFixed(1) + ')', 'data-node': i }, nodeLayer);
    el('circle', { r: radius[i].toFixed(1) }, g);
    var label = el('text', { x: (radius[i] + 3).toFixed(1), y: 4 }, g);
    label.textContent = N.id;
    nodeEls.push(g);
  }

  // --- zoom and pan -------------------------------------------------------------------------
  var view = { k: 1, tx: 0, ty: 0 };
  function apply() {
    viewport.setAttribute('transform', 'translate(' + view.tx + ',' + view.ty + ') scale(' + view.k + ')');
    svg.classList.toggle('labels-hidden', n > 150 && view.k < 1.2);
  }
  function fit() {
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (var j = 0; j < n; j++) { minX = Math.min(minX, x[j]); maxX = Math.max(maxX, x[j]); minY = Math.min(minY, y[j]); maxY = Math.max(maxY, y[j]); }
    if (n === 0) { minX = minY = -1; maxX = maxY = 1; }
    var box = svg.getBoundingClientRect(), w = box.width || 800, h = box.height || 600, pad = 60;
    view.k = Math.min((w - 2 * pad) / Math.max(1, maxX - minX), (h - 2 * pad) / Math.max(1, maxY - minY), 1.6);
    view.tx = w / 2 - view.k * (minX + maxX) / 2; view.ty = h / 2 - view.k * (minY + maxY) / 2;
    apply();
  }
  svg.addEventListener('wheel', function (ev) {
    ev.preventDefault();
    var rect = svg.getBoundingClientRect(), px = ev.clientX - rect.left, py = ev.clientY - rect.top;
    var factor = Math.exp(-ev.deltaY * 0.0015), k = Math.min(40, Math.max(0.02, view.k * factor));
    view.tx = px - (px - view.tx) * (k / view.k); view.ty = py - (py - view.ty) * (k / view.k); view.k = k;
    apply();
  }, { passive: false });
  var drag = null;
  svg.addEventListener('pointerdown', function (ev) { drag = { x: ev.clientX, y: ev.clientY, tx: view.tx, ty: view.ty, moved: false }; });
  window.addEventListener('pointermove', function (ev) {
    if (!drag) return;
    if (Math.abs(ev.clientX - drag.x) + Math.abs(ev.clientY - drag.y) > 3) drag.moved = true;
    view.tx = drag.tx + ev.clientX - drag.x; view.ty = drag.ty + ev.clientY - drag.y; apply();
  });
  window.addEventListener('pointerup', function () { setTimeout(function () { drag = null; }, 0); });
  document.getElementById('fit').addEventListener('click', fit);

  // --- hover and focus ----------------------------------------------------------------------
  function showTip(text, ev) {
    tip.textContent = text; tip.style.display = 'block';
    var w = window.innerWidth, left = ev.clientX + 14, top = ev.clientY + 14;
    if (left + tip.offsetWidth > w - 8) left = ev.clientX - tip.offsetWidth - 14;
    tip.style.left = left + 'px'; tip.style.top = top + 'px';
  }
  var hovered = null;
  svg.addEventListener('mouseover', function (ev) {
    var target = ev.target, eIdx = target.getAttribute && target.getAttribute('data-edge');
    var g = target.closest ? target.closest('[data-node]') : null;
    if (hovered) hovered.classList.remove('hover');
    hovered = null;
    if (eIdx !== null && eIdx !== undefined) { hovered = edgeEls[+eIdx]; hovered.classList.add('hover'); showTip(edges[+eIdx].tip, ev); }
    else if (g) { hovered = g; g.classList.add('hover'); showTip(nodes[+g.getAttribute('data-node')].tip, ev); }
    else tip.style.display = 'none';
  });
  svg.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  var focused = -1;
  function focus(idx) {
    focused = idx;
    svg.classList.toggle('focused', idx >= 0);
    var near = new Set(idx >= 0 ? [idx] : []);
    for (var k = 0; k < edges.length; k++) {
      var on = idx >= 0 && (edges[k].s === idx || edges[k].t === idx);
      edgeEls[k].classList.toggle('near', on);
      if (on) { near.add(edges[k].s); near.add(edges[k].t); }
    }
    for (var j = 0; j < n; j++) nodeEls[j].classList.toggle('near', near.has(j));
  }
  nodeLayer.addEventListener('click', function (ev) {
    if (drag && drag.moved) return;
    var g = ev.target.closest('[data-node]'); if (!g) return;
    var idx = +g.getAttribute('data-node'); focus(focused === idx ? -1 : idx);
  });
  document.getElementById('search').addEventListener('change', function (ev) {
    var q = ev.target.value.trim().toLowerCase(); if (!q) { focus(-1); return; }
    var hit = -1;
    for (var j = 0; j < n && hit < 0; j++) if (nodes[j].id.toLowerCase() === q) hit = j;
    for (j = 0; j < n && hit < 0; j++) if (nodes[j].id.toLowerCase().indexOf(q) >= 0) hit = j;
    if (hit < 0) return;
    focus(hit);
    var box = svg.getBoundingClientRect();
    view.k = Math.max(view.k, 1.5); view.tx = box.width / 2 - view.k * x[hit]; view.ty = box.height / 2 - view.k * y[hit]; apply();
  });
  fit();
  window.__deps = { nodes: n, edges: edges.length, drawnNodes: nodeLayer.childNodes.length, drawnEdges: edgeLayer.childNodes.length, layoutMs: layoutMs, totalMs: Math.round(performance.now() - started) };
  document.documentElement.setAttribute('data-ready', '1');
})();
`;
