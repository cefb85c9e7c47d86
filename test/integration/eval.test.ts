import { describe, expect, it } from 'vitest';
import { runEval } from '../../src/commands/run-eval.js';
import { EVAL_CASE_KINDS } from '../../src/workload/eval-cases.js';
import { runCli } from '../support/cli.js';

const SMALL = { baselineUs: 8 * 60_000_000, windowUs: 4 * 60_000_000, rate: 1.5 };

describe('eval', () => {
  it('runs one case per fault kind end to end through runAnomalies and scores it', async () => {
    const seen: number[] = [];
    const report = await runEval({ cases: 8, seed: 101, heldOut: false, profile: 'clean', sizing: SMALL, onCase: (done) => seen.push(done) });
    expect(report.profile).toBe('clean');
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(report.seedRange).toBe('development');
    expect(report.seeds).toEqual({ first: 101, last: 108 });
    expect(report.byKind.map((k) => k.kind)).toEqual([...EVAL_CASE_KINDS]);
    for (const c of report.cases) {
      expect(c.windowTraces).toBeGreaterThan(100);
      expect(c.labelledAbnormal).toBeGreaterThan(0);
      expect(c.truth.length).toBe(c.kind === 'multi' ? 2 : 1);
      const { truePositives, falseNegatives } = c.detection;
      expect(truePositives + falseNegatives).toBe(c.labelledAbnormal);
      expect(c.hitAt1).toBe(c.firstHitRank === 1 ? 1 : c.kind === 'multi' ? c.hitAt1 : 0);
    }
    for (const s of [report.overall, ...report.byKind]) {
      for (const v of [s.ac1, s.ac3, s.avg5, s.precision, s.recall, s.f1]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
    }
    // With one cause per case a hit at 1 is a hit at 3 (with two, AC@3 needs both in the top 3).
    for (const s of report.byKind.filter((k) => k.kind !== 'multi')) expect(s.ac3).toBeGreaterThanOrEqual(s.ac1);
    // The overall row is the mean of the per-case hits.
    expect(report.overall.ac1).toBeCloseTo(report.cases.reduce((a, c) => a + c.hitAt1, 0) / 8, 12);
    // A working detector finds most labelled traces on these clear faults.
    expect(report.overall.recall).toBeGreaterThan(0.5);
    expect(report.overall.ac3).toBeGreaterThan(0.5);
  });

  it('prints a table and JSON from the CLI, and keeps development and held-out seeds apart', async () => {
    const table = await runCli(['eval', '--cases', '1', '--seed', '7', '-q']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^realistic profile, development seeds 7–7, 1 cases/);
    expect(table.stdout).toMatch(/│ overall +│ 1 +│ [01]\.\d{3} │/);
    // Realistic cases always have some abnormal traces, so every case reports its ranking's confidence.
    expect(table.stdout).toMatch(/\nreported confidence: (clear|likely|none) \d/);
    const json = await runCli(['eval', '--cases', '1', '--held-out', '--format', 'json', '-q']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.seedRange).toBe('held-out');
    expect(report.seeds.first).toBe(1_000_001);
    expect(report.profile).toBe('realistic');
    const bad = await runCli(['eval', '--cases', '5', '--seed', '999998']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/development seeds end at 999999/);
    const badProfile = await runCli(['eval', '--cases', '1', '--profile', 'realistic,noisy']);
    expect(badProfile.code).toBe(2);
    expect(badProfile.stderr).toMatch(/--profile: expected a comma-separated list of realistic, clean/);
  });

  it('prints each profile and then both overall rows side by side', async () => {
    const both = await runCli(['eval', '--cases', '1', '--seed', '3', '--profile', 'realistic,clean', '-q']);
    expect(both.code).toBe(0);
    expect(both.stdout).toMatch(/^realistic profile, development seeds 3–3/);
    expect(both.stdout).toMatch(/\nclean profile, development seeds 3–3/);
    expect(both.stdout).toMatch(/overall by generator profile:[\s\S]*│ realistic +│ 1 +│[\s\S]*│ clean +│ 1 +│/);
  });
});
