import { describe, expect, it } from 'vitest';
import { countTraces, runGenerate } from '../../../src/commands/run-generate.js';
import type { GenerateOptions } from '../../../src/commands/run-generate.js';
import { defaultTopology } from '../../../src/workload/default-topology.js';

const START = Date.UTC(2026, 2, 1, 10) * 1000;
const MIN = 60_000_000;

describe('generate progress total', () => {
  it.each(['clean', 'realistic'] as const)('equals the traces written (%s profile, diurnal load, a fault)', async (profile) => {
    const topology = defaultTopology();
    const opts: GenerateOptions = {
      topology,
      seed: 7,
      start: START,
      duration: 4 * MIN,
      rate: 5,
      load: 'diurnal',
      profile,
      faults: [{ type: 'latency', service: 'cart-service', delayMs: 300, fraction: 1, start: START + 2 * MIN, end: START + 4 * MIN }],
      sink: { kind: 'store', uri: 'memory:' },
    };
    const summary = await runGenerate(opts);
    expect(countTraces(opts)).toBe(summary.traces);
    // The old estimate, rate × duration, is not what is written.
    expect(summary.traces).not.toBe(5 * 4 * 60);
  });
});
