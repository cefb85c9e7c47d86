import { describe, expect, it } from 'vitest';
import { ChunkKeys } from '../../src/storage/sqlite/pending-postings.js';
import { Random } from '../../src/workload/random.js';

describe('ChunkKeys', () => {
  it('gathers each distinct key once with the OR of its service bits, first seen first, across table growth', () => {
    const rnd = new Random(5);
    const keys = new ChunkKeys();
    for (const distinct of [1, 100, 129, 3000]) {
      const pool = Array.from({ length: distinct }, () => rnd.int(1 << 30));
      const expected = new Map<number, number>();
      for (let i = 0; i < distinct * 4; i++) {
        const bit = 1 << rnd.int(30);
        keys.span(bit);
        const key = i < distinct ? pool[i] : rnd.pick(pool);
        keys.add(key);
        expected.set(key, (expected.get(key) ?? 0) | bit);
      }
      const pairs: number[] = [7];
      keys.moveTo(pairs);
      expect(pairs).toEqual([7, ...[...expected].flat()]);
      // moveTo starts afresh.
      const again: number[] = [];
      keys.moveTo(again);
      expect(again).toEqual([]);
    }
  });

  it('forgets what it gathered on clear', () => {
    const keys = new ChunkKeys();
    keys.span(1);
    keys.add(42);
    keys.clear();
    keys.span(2);
    keys.add(43);
    const pairs: number[] = [];
    keys.moveTo(pairs);
    expect(pairs).toEqual([43, 2]);
  });
});
