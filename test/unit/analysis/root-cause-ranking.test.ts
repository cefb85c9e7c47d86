import { describe, expect, it } from 'vitest';
import { OperationKeys } from '../../../src/analysis/operation-keys.js';
import { originSignals } from '../../../src/analysis/origin-evidence.js';
import { DEFAULTS, detectOutliers } from '../../../src/analysis/outlier-detection.js';
import { liftToOperations, rankRootCauses } from '../../../src/analysis/root-cause-ranking.js';
import { normalTraces, prepare, threeTier, traceIdOf } from './fixtures.js';

const WINDOW = { start: 10_000_000_000, end: 10_100_000_000 };

function rank(windowExtra: ReturnType<typeof threeTier>[], options: Parameters<typeof rankRootCauses>[1] = {}) {
  const { keys, baselines, window } = prepare(normalTraces(400, 0, 1), [...normalTraces(60, WINDOW.start, 5000), ...windowExtra]);
  const d = detectOutliers(window, WINDOW, baselines, keys, DEFAULTS);
  const origins = originSignals(window.parent, d.spanSignals);
  // Service level, with leaf client spans credited to their peer.
  const names = new OperationKeys();
  const nodeOf = new Int32Array(window.spanCount);
  for (let i = 0; i < window.spanCount; i++) nodeOf[i] = names.internName(window.peer[i] >= 0 ? keys.name(window.peer[i]) : keys.key(window.key[i]).service);
  const ranked = rankRootCauses({ window, abnormalTrace: d.abnormalTrace, origins, nodeOf, nodeCount: names.nameCount }, options);
  return ranked.map((r) => ({ ...r, name: names.name(r.node), instance: r.topInstance ? keys.name(r.topInstance.id) : undefined }));
}

const slowDb = Array.from({ length: 10 }, (_, i) => threeTier(traceIdOf(9000 + i), WINDOW.start + i * 1_000_000 + 500, { front: 84_000, mid: 83_000, db: 80_000 }));
const slowMid = Array.from({ length: 10 }, (_, i) => threeTier(traceIdOf(9100 + i), WINDOW.start + i * 1_000_000 + 700, { front: 96_000, mid: 95_000, db: 2000 }, { instance: i < 8 ? 'mid-2' : 'mid-1' }));

describe('analysis/root-cause-ranking rankRootCauses', () => {
  it('ranks the slow database peer first with its evidence', () => {
    const r = rank(slowDb);
    expect(r[0].name).toBe('db');
    expect(r[0]).toMatchObject({ ef: 10, nf: 0, originTraces: 10, originShare: 1 });
    expect(r[0].signals.latency).toBe(10);
    expect(r[0].exampleTraceIds).toHaveLength(3);
    expect(r[0].criticalPathShare).toBeGreaterThan(0.85);
    // The relays keep a small score.
    const front = r.find((x) => x.name === 'front')!;
    expect(front.originTraces).toBe(0);
    expect(front.score).toBeLessThan(r[0].score * 0.2);
  });

  it('ranks a service slowed in its own code first and names the instance', () => {
    const r = rank(slowMid);
    expect(r[0].name).toBe('mid');
    expect(r[0].signals.selfTime).toBe(10);
    expect(r[0].instance).toBe('mid-2');
    expect(r[0].topInstance!.share).toBeCloseTo(0.8, 6);
  });

  it('ranks both origins of two simultaneous faults above the relays, with every method and PageRank', () => {
    for (const method of ['ochiai', 'jaccard', 'dstar'] as const) {
      for (const pagerank of [false, true]) {
        const r = rank([...slowDb, ...slowMid], { method, pagerank });
        expect(new Set([r[0].name, r[1].name])).toEqual(new Set(['db', 'mid']));
        if (pagerank) expect(r[0].pagerankWeight).toBeGreaterThan(0);
        for (const x of r) expect(Number.isFinite(x.score)).toBe(true);
      }
    }
  });

  it('returns nothing when no trace is abnormal', () => {
    expect(rank([])).toEqual([]);
  });

  it('rejects inconsistent input', () => {
    const { window } = prepare([], normalTraces(2, 0, 1));
    expect(() => rankRootCauses({ window, abnormalTrace: new Uint8Array(2), origins: new Uint8Array(1), nodeOf: new Int32Array(8), nodeCount: 1 })).toThrow(/^analysis\/root-cause-ranking: /);
    expect(() => rankRootCauses({ window, abnormalTrace: new Uint8Array(2), origins: new Uint8Array(8), nodeOf: new Int32Array(8).fill(3), nodeCount: 1 })).toThrow(/out of range/);
  });
});

describe('analysis/root-cause-ranking with span severity', () => {
  /** 10 abnormal traces; busy node 0 in each (a mild drift), node 1 in two (a large fault). */
  function input() {
    const rows: Array<{ t: number; node: number; sev: number }> = [];
    for (let t = 0; t < 10; t++) {
      rows.push({ t, node: 0, sev: 0.4 });
      if (t < 2) rows.push({ t, node: 1, sev: 3 });
    }
    const n = rows.length;
    const traceOffset = new Int32Array(11);
    rows.forEach((r) => traceOffset[r.t + 1]++);
    for (let t = 0; t < 10; t++) traceOffset[t + 1] += traceOffset[t];
    const window = {
      spanCount: n,
      traceCount: 10,
      traceIds: Array.from({ length: 10 }, (_, t) => traceIdOf(t)),
      traceOffset,
      traceStart: new Float64Array(10),
      traceDuration: new Float64Array(10).fill(1000),
      traceRoot: Int32Array.from(traceOffset.subarray(0, 10)),
      key: new Int32Array(n),
      parent: new Int32Array(n).fill(-1),
      duration: new Float64Array(n),
      selfTime: new Float64Array(n),
      gap: new Float64Array(n).fill(-1),
      error: new Uint8Array(n),
      instance: new Int32Array(n).fill(-1),
      peer: new Int32Array(n).fill(-1),
      criticalPath: new Float64Array(n),
    };
    return {
      window,
      abnormalTrace: new Uint8Array(10).fill(1),
      origins: new Uint8Array(n).fill(2),
      nodeOf: Int32Array.from(rows.map((r) => r.node)),
      nodeCount: 2,
      severity: { own: Float64Array.from(rows.map((r) => r.sev)), gap: new Float64Array(n), gapRow: new Int32Array(n).fill(-1) },
    };
  }

  it('ranks a low-traffic node with a large shift above a busy node with a small one, by mean severity over its traces', () => {
    const r = rankRootCauses(input());
    expect(r.map((x) => x.node)).toEqual([1, 0]);
    expect(r[0].severity).toBeCloseTo(3, 12);
    expect(r[1].severity).toBeCloseTo(0.4, 12);
    // The spectrum still multiplies: node 1 is in 2 of 10 abnormal traces.
    expect(r[0].score).toBeCloseTo(3 * r[0].spectrum, 12);
    // Without severities, the origin share decides and the busy node wins.
    const { severity: _, ...plain } = input();
    expect(rankRootCauses(plain).map((x) => x.node)).toEqual([0, 1]);
    // Without the spectrum factor the score is the severity alone.
    expect(rankRootCauses(input(), { spectrum: false })[0].score).toBeCloseTo(3, 12);
  });

  it('ranks a node with an instance score but no abnormal trace, and lifts a service to its best operation', () => {
    const { window } = prepare(normalTraces(10, 0, 1), normalTraces(10, WINDOW.start, 5000));
    const nodeOf = new Int32Array(window.spanCount);
    const instanceScore = Float64Array.from([0, 0.7]);
    const r = rankRootCauses({ window, abnormalTrace: new Uint8Array(window.traceCount), origins: new Uint8Array(window.spanCount), nodeOf, nodeCount: 2, instanceScore });
    expect(r.map((x) => [x.node, x.score, x.instanceScore])).toEqual([[1, 0.7, 0.7]]);
    expect(r[0].criticalPathShare).toBe(0);
    const byService = [
      { ...r[0], node: 0, score: 0.5 },
      { ...r[0], node: 1, score: 0.2 },
    ];
    // Operations 10 and 11 belong to service 1, operation 12 to service 0.
    liftToOperations(byService, [{ ...r[0], node: 11, score: 0.9 }, { ...r[0], node: 12, score: 0.1 }, { ...r[0], node: 10, score: 0.3 }], (op) => (op === 12 ? 0 : 1));
    expect(byService.map((x) => [x.node, x.score])).toEqual([[1, 0.9], [0, 0.5]]);
  });

  it('ranks a node with an operation-shift score but no abnormal trace, at the larger of its scores', () => {
    const { window } = prepare(normalTraces(10, 0, 1), normalTraces(10, WINDOW.start, 5000));
    const nodeOf = new Int32Array(window.spanCount);
    const input = { window, abnormalTrace: new Uint8Array(window.traceCount), origins: new Uint8Array(window.spanCount), nodeOf, nodeCount: 3 };
    const r = rankRootCauses({ ...input, instanceScore: Float64Array.from([0, 0.2, 0.6]), shiftScore: Float64Array.from([0, 0.4, 0.3]) });
    expect(r.map((x) => [x.node, x.score, x.shiftScore])).toEqual([[2, 0.6, 0.3], [1, 0.4, 0.4]]);
    expect(() => rankRootCauses({ ...input, shiftScore: new Float64Array(2) })).toThrow(/shiftScore length/);
  });
});
