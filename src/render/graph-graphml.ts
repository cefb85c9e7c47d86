/**
 * `deps --format graphml`: GraphML 1.0 (yEd, Gephi, Cytoscape, networkx). Every figure of the
 * report is a typed data key; absent figures are omitted.
 */
import type { DependencyReport } from '../analysis/dependency-report.js';

type KeyType = 'string' | 'boolean' | 'long' | 'double';
const NODE_KEYS: [string, KeyType][] = [
  ['service', 'string'], ['operation', 'string'], ['virtual', 'boolean'], ['connectionType', 'string'], ['spans', 'long'], ['errorSpans', 'long'], ['calls', 'long'], ['errors', 'long'], ['errorRate', 'double'], ['ratePerSecond', 'double'], ['p50Us', 'long'], ['p90Us', 'long'], ['p99Us', 'long'],
];
const EDGE_KEYS: [string, KeyType][] = [
  ['calls', 'long'], ['errors', 'long'], ['errorRate', 'double'], ['asyncCalls', 'long'], ['ratePerSecond', 'double'], ['connectionType', 'string'], ['evidence', 'string'], ['p50Us', 'long'], ['p90Us', 'long'], ['p99Us', 'long'], ['clientP99Us', 'long'],
];

export function renderDepsGraphml(report: DependencyReport): string {
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
  ];
  for (const [name, type] of NODE_KEYS) out.push(`  <key id="n_${name}" for="node" attr.name="${name}" attr.type="${type}"/>`);
  for (const [name, type] of EDGE_KEYS) out.push(`  <key id="e_${name}" for="edge" attr.name="${name}" attr.type="${type}"/>`);
  out.push(`  <graph id="dependencies" edgedefault="directed">`);
  for (const n of report.nodes) {
    const data: Record<string, unknown> = {
      service: n.service, operation: n.operation, virtual: n.virtual, connectionType: n.connectionType || null, spans: n.spans, errorSpans: n.errorSpans, calls: n.calls, errors: n.errors, errorRate: n.errorRate, ratePerSecond: n.ratePerSecond, p50Us: n.duration?.p50Us, p90Us: n.duration?.p90Us, p99Us: n.duration?.p99Us,
    };
    out.push(`    <node id="${x(n.id)}">${dataXml('n', data)}</node>`);
  }
  report.edges.forEach((e, i) => {
    const data: Record<string, unknown> = {
      calls: e.calls, errors: e.errors, errorRate: e.errorRate, asyncCalls: e.asyncCalls, ratePerSecond: e.ratePerSecond, connectionType: e.connectionType || null, evidence: Object.keys(e.evidence).join(',') || null, p50Us: e.latency?.p50Us, p90Us: e.latency?.p90Us, p99Us: e.latency?.p99Us, clientP99Us: e.clientLatency?.p99Us,
    };
    out.push(`    <edge id="e${i}" source="${x(e.source)}" target="${x(e.target)}">${dataXml('e', data)}</edge>`);
  });
  out.push('  </graph>', '</graphml>');
  return `${out.join('\n')}\n`;
}

function dataXml(prefix: string, data: Record<string, unknown>): string {
  let s = '';
  for (const [k, v] of Object.entries(data)) if (v !== null && v !== undefined) s += `<data key="${prefix}_${k}">${x(String(v))}</data>`;
  return s;
}

function x(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
