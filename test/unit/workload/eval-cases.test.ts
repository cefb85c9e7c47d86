import { describe, expect, it } from 'vitest';
import { defaultTopology } from '../../../src/workload/default-topology.js';
import { EVAL_CASE_KINDS, evalCaseKind, makeEvalCase, perturbTopology } from '../../../src/workload/eval-cases.js';
import { validateTopology } from '../../../src/workload/topology.js';

const topology = defaultTopology();

describe('eval cases', () => {
  it('any 8 consecutive seeds cover every fault kind; a case depends only on its seed', () => {
    expect(new Set([0, 1, 2, 3, 4, 5, 6, 7].map((i) => evalCaseKind(1_000_003 + i)))).toEqual(new Set(EVAL_CASE_KINDS));
    const a = makeEvalCase(topology, 12, evalCaseKind(12));
    const b = makeEvalCase(topology, 12, evalCaseKind(12));
    expect(b).toEqual(a);
  });

  it('puts every fault inside the incident window, after a fault-free baseline', () => {
    for (let seed = 1; seed <= 16; seed++) {
      const c = makeEvalCase(topology, seed, evalCaseKind(seed));
      expect(c.windowStart - c.start).toBe(15 * 60_000_000);
      expect(c.faults.length).toBe(c.kind === 'multi' ? 2 : 1);
      for (const f of c.faults) {
        expect(f.start).toBeGreaterThan(c.windowStart);
        expect(f.end).toBeLessThanOrEqual(c.windowEnd);
        expect(f.end - f.start).toBeGreaterThan((c.windowEnd - c.windowStart) / 2);
      }
      if (c.kind === 'partial') expect(c.faults[0].fraction).toBeLessThanOrEqual(0.5);
      if (c.kind === 'latency-instance') expect(c.faults[0].instance).toBeDefined();
      if (c.kind === 'latency-operation') expect(c.faults[0].operation).toBeDefined();
      if (c.kind === 'multi') expect(c.faults[0].service ?? c.faults[0].database).not.toBe(c.faults[1].service ?? c.faults[1].database);
    }
  });

  it('jitters the system per case within bounds and keeps it valid', () => {
    const p = perturbTopology(topology, 5);
    validateTopology(p, 'perturbed');
    expect(perturbTopology(topology, 5)).toEqual(p);
    expect(perturbTopology(topology, 6)).not.toEqual(p);
    for (const [name, s] of Object.entries(p.services)) {
      for (const [op, spec] of Object.entries(s.operations)) {
        const ratio = spec.selfMs / topology.services[name].operations[op].selfMs;
        expect(ratio).toBeGreaterThan(0.55);
        expect(ratio).toBeLessThan(1.65);
        expect(spec.calls).toEqual(topology.services[name].operations[op].calls);
      }
    }
  });
});
