import { describe, expect, it } from 'vitest';
import { AnalysisInputError } from '../../../src/model/index.js';
import { OperationKeys } from '../../../src/analysis/operation-keys.js';
import { spanHasError, summarizeTrace } from '../../../src/analysis/span-tree.js';
import { spanFacts } from '../../../src/facts/dependency-spans.js';
import { span, trace, workload } from './fixtures.js';

const at = (s: ReturnType<typeof summarizeTrace>, keys: OperationKeys, service: string) => {
  for (let i = 0; i < s.key.length; i++) if (keys.key(s.key[i]).service === service) return i;
  throw new Error(`no span of ${service}`);
};

describe('analysis/span-tree summarizeTrace', () => {
  it('subtracts the union of overlapping children from self-time', () => {
    const keys = new OperationKeys();
    // root 0..100; children 10..40 and 30..60 overlap (union 10..60 = 50) and 80..90.
    const s = summarizeTrace(
      trace([
        { id: 'r', service: 'root', start: 0, duration: 100 },
        { id: 'a', parent: 'r', service: 'a', start: 10, duration: 30 },
        { id: 'b', parent: 'r', service: 'b', start: 30, duration: 30 },
        { id: 'c', parent: 'r', service: 'c', start: 80, duration: 10 },
      ]),
      keys,
      // Without kinds the root would be inferred a client of a, b, c and its time their gap.
      { inferKinds: false },
    );
    expect(s.selfTime[at(s, keys, 'root')]).toBe(40);
    expect(s.selfTime[at(s, keys, 'a')]).toBe(30);
    expect(s.duration).toBe(100);
    expect(s.depth[at(s, keys, 'b')]).toBe(1);
  });

  it('clips a child longer than its parent (clock skew) so self-time is never negative', () => {
    const keys = new OperationKeys();
    const s = summarizeTrace(
      trace([
        { id: 'r', service: 'root', start: 1000, duration: 100 },
        { id: 'k', parent: 'r', service: 'skewed', start: 950, duration: 300 },
        { id: 'l', parent: 'r', service: 'late', start: 1090, duration: 50 },
      ]),
      keys,
    );
    expect(s.selfTime[at(s, keys, 'root')]).toBe(0);
    expect(s.selfTime[at(s, keys, 'skewed')]).toBe(300);
    for (const v of s.selfTime) expect(v).toBeGreaterThanOrEqual(0);
  });

  it('makes spans whose parent is missing roots and measures the covered range', () => {
    const keys = new OperationKeys();
    const s = summarizeTrace(
      trace([
        { id: 'x', parent: 'gone', service: 'orphan', start: 500, duration: 100 },
        { id: 'y', parent: 'x', service: 'child', start: 520, duration: 20 },
        { id: 'z', parent: 'lost', service: 'other', start: 400, duration: 50 },
      ]),
      keys,
      { inferKinds: false },
    );
    expect(Array.from(s.parent)).toEqual([-1, 0, -1]);
    expect(s.root).toBe(2); // earliest of the parentless spans
    expect(s.duration).toBe(200); // 400 … 600: no true root, so the covered range
    expect(s.startTime).toBe(400);
    expect(s.selfTime[0]).toBe(80);
  });

  it('breaks parent cycles and drops exact duplicates', () => {
    const keys = new OperationKeys();
    const t = trace([
      { id: 'a', parent: 'b', service: 'a', start: 0, duration: 10 },
      { id: 'b', parent: 'a', service: 'b', start: 1, duration: 5 },
    ]);
    t.spans.push({ ...t.spans[0] });
    const s = summarizeTrace(t, keys);
    expect(s.key.length).toBe(2);
    expect(Array.from(s.parent).filter((p) => p < 0).length).toBe(1);
    expect(Math.min(...s.depth)).toBe(0);
  });

  it('attributes the client–server gap to the server span', () => {
    const keys = new OperationKeys();
    const s = summarizeTrace(
      trace([
        { id: 'r', service: 'front', start: 0, duration: 100, kind: 'server' },
        { id: 'c', parent: 'r', service: 'front', operation: 'call', start: 10, duration: 60, kind: 'client' },
        { id: 's', parent: 'c', service: 'back', start: 15, duration: 45, kind: 'server' },
      ]),
      keys,
    );
    expect(s.gap[at(s, keys, 'back')]).toBe(15);
    expect(s.gap[0]).toBe(-1);
    expect(s.gap[1]).toBe(-1);
  });

  it('treats a Zipkin shared span id as client → server', () => {
    const keys = new OperationKeys();
    const s = summarizeTrace(
      trace([
        { id: 'r', service: 'front', start: 0, duration: 100, kind: 'server' },
        { id: 'c', parent: 'r', service: 'front', start: 10, duration: 60, kind: 'client' },
        { id: 'c', parent: 'r', service: 'back', start: 12, duration: 50, kind: 'server' },
      ]),
      keys,
    );
    expect(s.parent[2]).toBe(1);
    expect(s.gap[2]).toBe(10);
  });

  it('names the uninstrumented peer of a leaf client span and the instance', () => {
    const keys = new OperationKeys();
    const s = summarizeTrace(
      trace([
        { id: 'r', service: 'svc', start: 0, duration: 100, kind: 'server', instance: 'svc-1' },
        { id: 'q', parent: 'r', service: 'svc', operation: 'SELECT', start: 10, duration: 50, kind: 'client', tags: [{ key: 'db.system', type: 'string', value: 'mysql' }, { key: 'peer.service', type: 'string', value: 'orders-db' }] },
      ]),
      keys,
    );
    expect(keys.name(s.peer[1])).toBe('orders-db');
    expect(s.peer[0]).toBe(-1);
    expect(keys.name(s.instance[0])).toBe('svc-1');
  });

  it('recognises error=true, OTel ERROR, HTTP 5xx and non-zero gRPC status', () => {
    const base = { id: 'a', service: 's', start: 0, duration: 1 };
    expect(spanHasError(span({ ...base, error: true }))).toBe(true);
    expect(spanHasError(span({ ...base, tags: [{ key: 'otel.status_code', type: 'string', value: 'ERROR' }] }))).toBe(true);
    expect(spanHasError(span({ ...base, tags: [{ key: 'http.status_code', type: 'int64', value: 503n }] }))).toBe(true);
    expect(spanHasError(span({ ...base, tags: [{ key: 'http.status_code', type: 'int64', value: 404n }] }))).toBe(false);
    expect(spanHasError(span({ ...base, tags: [{ key: 'rpc.grpc.status_code', type: 'int64', value: 14n }] }))).toBe(true);
    expect(spanHasError(span({ ...base, tags: [{ key: 'rpc.grpc.status_code', type: 'int64', value: 0n }] }))).toBe(false);
  });

  it('rejects an empty trace with a module-prefixed AnalysisInputError', () => {
    expect(() => summarizeTrace({ spans: [] }, new OperationKeys())).toThrowError(AnalysisInputError);
    expect(() => summarizeTrace({ spans: [] }, new OperationKeys())).toThrow(/^analysis\/span-tree: /);
  });
});

describe('analysis/span-tree details: false', () => {
  it('skips instances and peers but keeps the tree and timings', () => {
    const keys = new OperationKeys();
    const t = trace([
      { id: 'r', service: 'svc', start: 0, duration: 100, kind: 'server', instance: 'svc-1' },
      { id: 'q', parent: 'r', service: 'svc', start: 10, duration: 50, kind: 'client', tags: [{ key: 'peer.service', type: 'string', value: 'db' }] },
    ]);
    const s = summarizeTrace(t, keys, { details: false });
    expect(Array.from(s.instance)).toEqual([-1, -1]);
    expect(Array.from(s.peer)).toEqual([-1, -1]);
    expect(s.selfTime[0]).toBe(50);
    expect(keys.nameCount).toBe(0);
  });

  it('infers client and server roles of spans without span.kind, and counts a client span\'s uncovered time once, as the callee gap', () => {
    const keys = new OperationKeys();
    const spans = [
      { id: 'r', service: 'web', start: 0, duration: 100 },
      { id: 'c', parent: 'r', service: 'web', operation: 'call-cart', start: 10, duration: 60 },
      { id: 's', parent: 'c', service: 'cart', start: 20, duration: 30 },
    ];
    const s = summarizeTrace(trace(spans), keys);
    const kindOf = (i: number) => keys.key(s.key[i]).spanKind;
    expect([kindOf(0), kindOf(1), kindOf(2)]).toEqual(['', 'client', 'server']);
    expect(s.gap[2]).toBe(30);
    expect(s.selfTime[1]).toBe(0);
    expect(s.selfTime[0]).toBe(40); // the root has a child of its own service: local work, no role
    // Switched off: no roles, no gap, the client keeps its uncovered time.
    const plain = summarizeTrace(trace(spans), keys, { inferKinds: false });
    expect(plain.gap[2]).toBe(-1);
    expect(plain.selfTime[1]).toBe(30);
    // With roles given and gapOnly off, the client keeps its uncovered time as self-time too.
    const kinds = summarizeTrace(trace(spans.map((x, i) => ({ ...x, kind: (['server', 'client', 'server'] as const)[i] }))), keys, { gapOnly: false });
    expect([kinds.gap[2], kinds.selfTime[1]]).toEqual([30, 30]);
  });
});

describe('analysis/span-tree with given facts', () => {
  it('gives every trace the summary it gets when the facts are read from its tags', () => {
    const { traces } = workload({ seed: 7, traces: 40, startTime: 0, intervalUs: 1000, slowService: 'svc-2', extraUs: 500, errorService: 'svc-1' });
    const small = trace([
      { id: 'a', parent: 'b', service: 'a', start: 0, duration: 10 },
      { id: 'b', parent: 'a', service: 'b', start: 1, duration: 5 },
    ]);
    small.spans.push({ ...small.spans[0] });
    const shared = trace([
      { id: 'r', service: 'front', start: 0, duration: 100, kind: 'server' },
      { id: 'c', parent: 'r', service: 'front', start: 10, duration: 60, kind: 'client' },
      { id: 'c', parent: 'r', service: 'back', start: 12, duration: 50, kind: 'server' },
    ]);
    // With duplicate spans (dropped with their facts) and a Zipkin shared span id among them.
    const all = traces.flatMap((t, i) => (i % 3 === 0 ? [t, small] : i % 3 === 1 ? [t, shared] : [t]));
    const plain = (s: ReturnType<typeof summarizeTrace>) => JSON.parse(JSON.stringify({ ...s, ...Object.fromEntries(Object.entries(s).filter(([, v]) => ArrayBuffer.isView(v)).map(([k, v]) => [k, Array.from(v as Int32Array)])) }));
    for (const options of [{}, { details: true, peers: false }, { details: false }]) {
      const freshKeys = new OperationKeys();
      const givenKeys = new OperationKeys();
      for (const t of all) {
        const fresh = plain(summarizeTrace(t, freshKeys, options));
        expect(plain(summarizeTrace(t, givenKeys, { ...options, facts: t.spans.map(spanFacts) }))).toEqual(fresh);
      }
    }
  });
});
