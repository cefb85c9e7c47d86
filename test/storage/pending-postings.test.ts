import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PendingPostings } from '../../src/storage/sqlite/pending-postings.js';

describe('PendingPostings.count', () => {
  it('counts the entries of a key overlapping a window, as walking them does, whether or not the window covers them all', () => {
    const chunk = fc.record({ start: fc.integer({ min: 0, max: 1000 }), width: fc.integer({ min: 0, max: 200 }), keys: fc.uniqueArray(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 5 }) });
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 60 }), fc.integer({ min: -100, max: 1300 }), fc.integer({ min: 0, max: 1500 }), (chunks, tMin, width) => {
        const pending = new PendingPostings();
        chunks.forEach((c, i) => {
          const pairs = c.keys.flatMap((k) => [k, 1]);
          pending.addChunk(i + 1, 1, c.start, c.start + c.width, pairs, 0, pairs.length);
        });
        const tMax = tMin + width;
        for (let key = 1; key <= 5; key++) {
          const walked = [...pending.matching(key, tMin, tMax, -1)].length;
          expect(pending.count(key, tMin, tMax)).toBe(walked);
          expect(pending.count(key, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)).toBe([...pending.matching(key, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, -1)].length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every entry and count when the log and the chain table grow past their first sizes', () => {
    const pending = new PendingPostings();
    // 5,000 chunks of 3 keys each (15,000 entries > 4,096) over 2,000 keys (> 1,024 chains).
    for (let chunk = 1; chunk <= 5000; chunk++) {
      const pairs = [chunk % 2000, 1, (chunk * 7) % 2000, 2, 5000 + (chunk % 3), 4];
      pending.addChunk(chunk, 1, chunk * 10, chunk * 10 + 5, pairs, 0, pairs.length);
    }
    let total = 0;
    for (let key = 0; key < 2000; key++) {
      const walked = [...pending.matching(key, 0, 1e9, -1)].length;
      expect(pending.count(key, 0, 1e9)).toBe(walked);
      total += walked;
    }
    for (let key = 5000; key < 5003; key++) total += pending.count(key, 0, 1e9);
    expect(total).toBe(15_000);
    expect(pending.count(5000, 100, 200)).toBe([...pending.matching(5000, 100, 200, -1)].length);
  });
});
