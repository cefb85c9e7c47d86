import { describe, expect, it } from 'vitest';
import { inferSpanKinds } from '../../../src/analysis/span-kind-inference.js';

/** childStart/childList from a parent array (children in index order). */
function children(parent: number[]): { childStart: Int32Array; childList: Int32Array } {
  const n = parent.length;
  const childStart = new Int32Array(n + 1);
  for (const p of parent) if (p >= 0) childStart[p + 1]++;
  for (let i = 0; i < n; i++) childStart[i + 1] += childStart[i];
  const fill = childStart.slice(0, n);
  const childList = new Int32Array(childStart[n]);
  parent.forEach((p, i) => {
    if (p >= 0) childList[fill[p]++] = i;
  });
  return { childStart, childList };
}

function infer(kinds: string[], parent: number[], service: string[]): { kinds: string[]; count: number } {
  const { childStart, childList } = children(parent);
  const k = [...kinds];
  const count = inferSpanKinds(k, Int32Array.from(parent), service, childStart, childList);
  return { kinds: k, count };
}

describe('analysis/span-kind-inference', () => {
  it('makes a span whose children are all in other services a client, and its children servers', () => {
    // web root → web call span → cart handler → cart db span (same service: local work).
    const r = infer(['', '', '', ''], [-1, 0, 1, 2], ['web', 'web', 'cart', 'cart']);
    expect(r.kinds).toEqual(['', 'client', 'server', '']);
    expect(r.count).toBe(2);
  });

  it('leaves spans with a child of their own service, leaves, and given kinds alone', () => {
    // root has one child in its own service and one in another: local work, not a call.
    expect(infer(['', '', ''], [-1, 0, 0], ['web', 'web', 'cart']).kinds).toEqual(['', '', '']);
    // A given kind is kept; a given client still names its kind-less remote children servers.
    expect(infer(['internal', ''], [-1, 0], ['web', 'cart']).kinds).toEqual(['internal', '']);
    expect(infer(['client', ''], [-1, 0], ['web', 'cart']).kinds).toEqual(['client', 'server']);
    // A child with another given kind (a consumer) makes it no call.
    expect(infer(['', 'consumer'], [-1, 0], ['web', 'queue']).kinds).toEqual(['', 'consumer']);
    expect(infer([''], [-1], ['web']).count).toBe(0);
  });

  it('rejects columns of different lengths', () => {
    expect(() => inferSpanKinds(['', ''], Int32Array.from([-1]), ['a', 'b'], new Int32Array(3), new Int32Array(0))).toThrow(/kinds/);
  });
});
