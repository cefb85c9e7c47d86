import { describe, expect, it } from 'vitest';
import { InstanceBaselineBuilder, instanceEvidence } from '../../../src/analysis/instance-evidence.js';
import { dominance, familyWiseZ, normalTail } from '../../../src/analysis/rank-tests.js';
import { OperationKeys } from '../../../src/analysis/operation-keys.js';
import { summarizeTrace } from '../../../src/analysis/span-tree.js';
import { TraceColumns } from '../../../src/analysis/trace-columns.js';
import { Random } from '../../../src/workload/random.js';
import { trace } from './fixtures.js';

/**
 * Calls api → back, `back` served by three pods; per pod a multiplier of its own time (self-time)
 * and of the network in front of it (gap). Times are log-normal with σ 0.3 around 2 ms.
 */
function calls(seed: number, n: number, podSelf: number[], podNet: number[] = [1, 1, 1]) {
  const rnd = new Random(seed);
  const logNormal = (medianUs: number) => medianUs * Math.exp(0.3 * Math.sqrt(-2 * Math.log(1 - rnd.next())) * Math.cos(2 * Math.PI * rnd.next()));
  return Array.from({ length: n }, (_, t) => {
    const pod = t % 3;
    const self = logNormal(2000) * podSelf[pod];
    const net = logNormal(400) * podNet[pod];
    const id = (t + seed * 100_000).toString(16).padStart(32, '0');
    return trace(
      [
        { id: 'root', service: 'api', operation: 'GET /', kind: 'server', start: 0, duration: self + net + 1000, instance: 'api-0' },
        { id: 'cli', parent: 'root', service: 'api', operation: 'Back/Get', kind: 'client', start: 100, duration: self + net, instance: 'api-0' },
        { id: 'srv', parent: 'cli', service: 'back', operation: 'Back/Get', kind: 'server', start: 100 + net / 2, duration: self, instance: `back-${pod}` },
      ],
      id,
    );
  });
}

function analyse(baseline: ReturnType<typeof calls>, window: ReturnType<typeof calls>) {
  const keys = new OperationKeys();
  const builder = new InstanceBaselineBuilder();
  for (const t of baseline) builder.add(summarizeTrace(t, keys));
  const cols = new TraceColumns();
  for (const t of window) {
    const s = summarizeTrace(t, keys);
    cols.add(s, new Float64Array(s.key.length));
  }
  const findings = instanceEvidence(cols.view(), builder.finish(), 3);
  return findings.map((f) => ({ ...f, service: keys.key(f.key).service, name: keys.name(f.instance) }));
}

describe('analysis/instance-evidence', () => {
  it('finds the one pod whose own time doubled while its siblings kept theirs, under a load step that slows all', () => {
    const found = analyse(calls(1, 600, [1, 1, 1]), calls(2, 600, [2.6, 1.3, 1.3]));
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toMatchObject({ service: 'back', name: 'back-0', signal: 'selfTime' });
    // ln(2.6 / 1.3) = 0.69: the shift is measured against the siblings, not the baseline.
    expect(found[0].shift).toBeGreaterThan(0.5);
    expect(found[0].shift).toBeLessThan(0.9);
    expect(found[0].delta).toBeGreaterThan(0.6);
  });

  it('finds a pod whose network alone slowed, from the gap of calls into it', () => {
    const found = analyse(calls(3, 600, [1, 1, 1]), calls(4, 600, [1, 1, 1], [1, 1, 6]));
    expect(found[0]).toMatchObject({ service: 'back', name: 'back-2', signal: 'gap' });
  });

  it('finds nothing when every pod slowed alike, or when a pod was already as slow in the baseline', () => {
    expect(analyse(calls(5, 600, [1, 1, 1]), calls(6, 600, [2, 2, 2]))).toEqual([]);
    expect(analyse(calls(7, 600, [2, 1, 1]), calls(8, 600, [2, 1, 1])).filter((f) => f.score > 0.1)).toEqual([]);
  });

  it('counts Mann–Whitney U with half ties, and holds the family of tests at one test’s tail', () => {
    expect(dominance(Float64Array.from([1, 2, 3]), Float64Array.from([0, 2, 5]))).toBe(1 + 1.5 + 2);
    expect(familyWiseZ(3, 1)).toBe(3);
    const z = familyWiseZ(3, 100);
    expect(normalTail(z) * 100).toBeCloseTo(normalTail(3), 6);
    expect(normalTail(0)).toBeCloseTo(0.5, 6);
    expect(normalTail(1.959964)).toBeCloseTo(0.025, 6);
  });
});
