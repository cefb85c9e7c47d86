import { describe, expect, it } from 'vitest';
import { rankingConfidence } from '../../../src/analysis/ranking-confidence.js';

const r = (...scores: number[]) => scores.map((score, i) => ({ name: `s${i + 1}`, score }));

describe('analysis/ranking-confidence', () => {
  it('is clear when no other service scores half the first, with the margin to the second', () => {
    expect(rankingConfidence(r(10, 4, 1))).toMatchObject({ level: 'clear', margin: 0.6, contenders: ['s1'] });
    expect(rankingConfidence(r(3))).toMatchObject({ level: 'clear', margin: 1, contenders: ['s1'] });
  });
  it('is likely with one contender and none with two or more, or without evidence', () => {
    expect(rankingConfidence(r(10, 6, 1))).toMatchObject({ level: 'likely', contenders: ['s1', 's2'] });
    const flat = rankingConfidence(r(10, 9, 8, 1))!;
    expect(flat).toMatchObject({ level: 'none', contenders: ['s1', 's2', 's3'] });
    expect(flat.margin).toBeCloseTo(0.1, 12);
    expect(flat.reason).toMatch(/^no clear root cause/);
    expect(rankingConfidence(r(0, 0))).toMatchObject({ level: 'none', margin: 0, contenders: [] });
    expect(rankingConfidence([])).toBeUndefined();
  });
  it('rejects unsorted or invalid scores', () => {
    expect(() => rankingConfidence(r(1, 2))).toThrow(/descending/);
    expect(() => rankingConfidence(r(Number.NaN))).toThrow(/finite/);
  });
});
