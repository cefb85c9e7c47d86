import { describe, expect, it } from 'vitest';
import { criticalPathTimes } from '../../../src/analysis/critical-path.js';
import { OperationKeys } from '../../../src/analysis/operation-keys.js';
import { summarizeTrace } from '../../../src/analysis/span-tree.js';
import type { SpanSpec } from './fixtures.js';
import { trace } from './fixtures.js';

function cp(specs: SpanSpec[]): Record<string, number> {
  const keys = new OperationKeys();
  const s = summarizeTrace(trace(specs), keys);
  const own = criticalPathTimes(s);
  const out: Record<string, number> = {};
  for (let i = 0; i < own.length; i++) out[keys.key(s.key[i]).service] = (out[keys.key(s.key[i]).service] ?? 0) + own[i];
  return out;
}

describe('analysis/critical-path criticalPathTimes', () => {
  it('follows the last-finishing child and sums to the root duration', () => {
    // root 0..100; a 10..50; b 20..70 (overlaps a, finishes last); c inside b 30..60.
    const r = cp([
      { id: 'r', service: 'root', start: 0, duration: 100 },
      { id: 'a', parent: 'r', service: 'a', start: 10, duration: 40 },
      { id: 'b', parent: 'r', service: 'b', start: 20, duration: 50 },
      { id: 'c', parent: 'b', service: 'c', start: 30, duration: 30 },
    ]);
    // root: 70..100 (30) + 0..10 (10); b: 20..30 + 60..70 = 20 → but a covers 10..20 (clipped at b's start)
    expect(r.root).toBe(40);
    expect(r.b).toBe(20);
    expect(r.c).toBe(30);
    expect(r.a).toBe(10);
    expect(r.root + r.a + r.b + r.c).toBe(100);
  });

  it('clips children that outlive the parent (clock skew, async)', () => {
    const r = cp([
      { id: 'r', service: 'root', start: 0, duration: 100 },
      { id: 'x', parent: 'r', service: 'x', start: 60, duration: 500 },
    ]);
    expect(r.x).toBe(40);
    expect(r.root).toBe(60);
  });

  it('gives a single span its whole duration', () => {
    expect(cp([{ id: 'r', service: 'only', start: 5, duration: 7 }]).only).toBe(7);
  });
});
