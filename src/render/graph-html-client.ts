/**
 * The script inlined into the `deps --format html` page (plain ES2017, no network, no libraries).
 * It reads the JSON data block (nodes with their laid-out boxes, see graph-layout.ts), draws SVG with
 * zoom (wheel), pan (drag), hover tooltips and click-to-focus. When done it sets `data-ready="1"` on <html>.
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

  // --- drawing (positions come from the layered layout computed by the renderer) -----------
  var started = performance.now();
  var x = new Float64Array(n), y = new Float64Array(n);
  for (var i = 0; i < n; i++) { x[i] = nodes[i].x; y[i] = nodes[i].y; }
  var layoutMs = 0;
  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }
  var edgeLayer = document.getElementById('edges'), hitLayer = document.getElementById('edge-hits'), nodeLayer = document.getElementById('nodes');
  var edgeEls = [];
  for (var e = 0; e < edges.length; e++) {
    var E = edges[e], s = nodes[E.s], t = nodes[E.t], dpath;
    if (E.s === E.t) {
      var lx = s.x + s.w / 2, ly = s.y - s.h / 2;
      dpath = 'M' + (lx - 6) + ',' + ly + 'C' + (lx - 6) + ',' + (ly - 18) + ' ' + (lx + 14) + ',' + (ly - 18) + ' ' + (lx + 2) + ',' + (ly + 4);
    } else {
      // From the caller's right side to the callee's left side (or back round when it points left).
      var forward = t.x >= s.x;
      var x1 = forward ? s.x + s.w / 2 : s.x - s.w / 2, x2 = forward ? t.x - t.w / 2 - 2 : t.x + t.w / 2 + 2;
      var c = Math.max(30, Math.abs(x2 - x1) / 2) * (forward ? 1 : -1);
      dpath = 'M' + x1.toFixed(1) + ',' + s.y.toFixed(1) + 'C' + (x1 + c).toFixed(1) + ',' + s.y.toFixed(1) + ' ' + (x2 - c).toFixed(1) + ',' + t.y.toFixed(1) + ' ' + x2.toFixed(1) + ',' + t.y.toFixed(1);
    }
    var cls = 'edge' + (E.level !== 'ok' ? ' ' + E.level : '') + (E.async ? ' async' : '');
    edgeEls.push(el('path', { d: dpath, 'class': cls, 'stroke-width': E.w, 'marker-end': E.level !== 'ok' ? 'url(#arrow-' + E.level + ')' : 'url(#arrow)' }, edgeLayer));
    el('path', { d: dpath, 'class': 'edge-hit', 'data-edge': e }, hitLayer);
  }
  var nodeEls = [];
  for (i = 0; i < n; i++) {
    var N = nodes[i];
    var g = el('g', { 'class': 'node' + (N.virtual ? ' virtual' : '') + (N.level !== 'ok' ? ' ' + N.level : '') + (N.suspect ? ' suspect' : ''), transform: 'translate(' + N.x + ',' + N.y + ')', 'data-node': i }, nodeLayer);
    el('rect', { x: -N.w / 2, y: -N.h / 2, width: N.w, height: N.h, rx: 4 }, g);
    var label = el('text', { x: 0, y: 4, 'text-anchor': 'middle' }, g);
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
    for (var j = 0; j < n; j++) { minX = Math.min(minX, x[j] - nodes[j].w / 2); maxX = Math.max(maxX, x[j] + nodes[j].w / 2); minY = Math.min(minY, y[j] - nodes[j].h / 2); maxY = Math.max(maxY, y[j] + nodes[j].h / 2); }
    if (n === 0) { minX = minY = -1; maxX = maxY = 1; }
    var box = svg.getBoundingClientRect(), w = box.width || 800, h = box.height || 600, pad = 20, top = 44;
    view.k = Math.min((w - 2 * pad) / Math.max(1, maxX - minX), (h - top - 2 * pad) / Math.max(1, maxY - minY), 1.6);
    view.tx = w / 2 - view.k * (minX + maxX) / 2; view.ty = top + (h - top) / 2 - view.k * (minY + maxY) / 2;
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
