import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PendingPostings } from '../../src/storage/sqlite/pending-postings.js';

/** The (chunk, earliest start) pairs addMatching gives, in its order. */
function matching(pending: PendingPostings, key: number, tMin: number, tMax: number, serviceMask: number): [number, number][] {
  const found: [number, number][] = [];
  pending.addMatching(key, tMin, tMax, serviceMask, { add: (chunk, earliestStart) => found.push([chunk, earliestStart]) });
  return found;
}

describe('PendingPostings', () => {
  it('finds exactly the entries of a key overlapping a window whose service mask meets the query, in chunk order, and counts every entry of the key', () => {
    const chunk = fc.record({
      start: fc.integer({ min: 0, max: 1000 }),
      width: fc.integer({ min: 0, max: 200 }),
      keys: fc.uniqueArray(fc.record({ key: fc.integer({ min: 1, max: 5 }), mask: fc.integer({ min: 1, max: 7 }) }), { minLength: 1, maxLength: 5, selector: (k) => k.key }),
    });
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 60 }), fc.integer({ min: -100, max: 1300 }), fc.integer({ min: 0, max: 1500 }), fc.integer({ min: 1, max: 7 }), (chunks, tMin, width, serviceMask) => {
        const pending = new PendingPostings();
        chunks.forEach((c, i) => {
          const pairs = c.keys.flatMap((k) => [k.key, k.mask]);
          pending.addChunk(i + 1, 1, c.start, c.start + c.width, pairs, 0, pairs.length);
        });
        const tMax = tMin + width;
        for (let key = 1; key <= 5; key++) {
          const expected: [number, number][] = [];
          let all = 0;
          chunks.forEach((c, i) => {
            const entry = c.keys.find((k) => k.key === key);
            if (!entry) return;
            all++;
            if (c.start + c.width >= tMin && c.start <= tMax && (entry.mask & serviceMask) !== 0) expected.push([i + 1, c.start]);
          });
          expect(matching(pending, key, tMin, tMax, serviceMask)).toEqual(expected);
          expect(pending.count(key)).toBe(all);
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
      const walked = matching(pending, key, 0, 1e9, -1).length;
      expect(pending.count(key)).toBe(walked);
      total += walked;
    }
    for (let key = 5000; key < 5003; key++) total += pending.count(key);
    expect(total).toBe(15_000);
    // Chunks 10 … 20 overlap [100, 200]; key 5000 is in every third chunk from 3 on.
    expect(matching(pending, 5000, 100, 200, -1).map(([chunk]) => chunk)).toEqual([12, 15, 18]);
  });
});
