import { describe, expect, it } from 'vitest';
import { OperationKeys } from '../../../src/analysis/operation-keys.js';
import { originSignals } from '../../../src/analysis/origin-evidence.js';
import { DEFAULTS, detectOutliers } from '../../../src/analysis/outlier-detection.js';
import { rankRootCauses } from '../../../src/analysis/root-cause-ranking.js';
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
