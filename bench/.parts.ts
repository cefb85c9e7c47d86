import { simpleTraces } from '../src/workload/simple-traces.js';
import { validateSpan, spanKind } from '../src/model/index.js';
import { encodeChunk, decodeChunk } from '../src/storage/sqlite/span-codec.js';
import { forEachSpanKey, serviceBit } from '../src/storage/sqlite/index-keys.js';
import type { Span } from '../src/model/index.js';
const traces = [...simpleTraces({ seed: 1, traces: 10000, spansPerTrace: 20, services: 10, startTime: 1e15, intervalUs: 1000 })];
const spans: Span[] = traces.flatMap((t) => t.spans);
function time(name: string, fn: () => void) {
  fn();
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let r = 0; r < 3; r++) fn();
  const c = process.cpuUsage(c0);
  console.log(name.padEnd(12), ((performance.now() - t0) / 3 / spans.length * 1000).toFixed(2), 'µs/span wall', ((c.user + c.system) / 3 / spans.length).toFixed(2), 'µs/span cpu');
}
time('validate', () => { for (const s of spans) validateSpan(s); });
let bodies: string[] = [];
time('encode', () => { bodies = traces.map((t) => encodeChunk(t.spans)); });
time('decode', () => { for (let i = 0; i < bodies.length; i++) decodeChunk(traces[i].spans[0].traceId, bodies[i]); });
let n = 0;
const add = (k: number) => { n += k & 1; };
time('keys', () => { for (const s of spans) forEachSpanKey(0, s, add); });
time('bits+kind', () => { for (const s of spans) n += serviceBit(s.process.serviceName) + spanKind(s).length; });
const m = new Map<number, number>();
time('map', () => { for (const s of spans) forEachSpanKey(0, s, (k) => m.set(k, (m.get(k) ?? 0) + 1)); });
console.log(n, bodies.reduce((a, b) => a + b.length, 0) / spans.length, 'bytes/span encoded');
