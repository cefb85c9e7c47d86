import { describe, expect, it } from 'vitest';
import {
  accuracyAtK,
  addDetectionCounts,
  averageAtK,
  caseHitAtK,
  detectionCounts,
  detectionScores,
} from '../../../src/analysis/eval-metrics.js';
import type { RankingCase } from '../../../src/analysis/eval-metrics.js';
import { AnalysisInputError } from '../../../src/model/index.js';

// Four single-cause cases with the true cause at rank 1, 2, 4 and absent.
const cases: RankingCase[] = [
  { ranked: ['a', 'b', 'c'], truth: [['a']] },
  { ranked: ['b', 'a', 'c'], truth: [['a']] },
  { ranked: ['b', 'c', 'd', 'a', 'e'], truth: [['a']] },
  { ranked: ['b', 'c'], truth: [['a']] },
];

describe('AC@k and Avg@k', () => {
  it('AC@k is the share of cases with the cause in the top k', () => {
    expect(accuracyAtK(cases, 1)).toBe(0.25);
    expect(accuracyAtK(cases, 2)).toBe(0.5);
    expect(accuracyAtK(cases, 3)).toBe(0.5);
    expect(accuracyAtK(cases, 5)).toBe(0.75);
  });

  it('Avg@5 is the mean of AC@1..AC@5', () => {
    // (0.25 + 0.5 + 0.5 + 0.75 + 0.75) / 5 = 0.55
    expect(averageAtK(cases, 5)).toBeCloseTo(0.55, 12);
    expect(averageAtK(cases, 1)).toBe(0.25);
  });

  it('accepts any of a cause’s acceptable names (a database or its callers)', () => {
    const c: RankingCase = { ranked: ['frontend', 'order-service'], truth: [['orders-db', 'order-service']] };
    expect(caseHitAtK(c, 1)).toBe(0);
    expect(caseHitAtK(c, 2)).toBe(1);
  });

  it('two simultaneous causes score |found in top k| / min(k, 2), and a repeated name counts once', () => {
    const two: RankingCase = { ranked: ['x', 'a', 'x', 'b'], truth: [['a'], ['b']] };
    expect(caseHitAtK(two, 1)).toBe(0); // x
    expect(caseHitAtK(two, 2)).toBe(0.5); // x, a
    expect(caseHitAtK(two, 3)).toBe(1); // x, a, b (the second x is skipped)
    const first: RankingCase = { ranked: ['b', 'q'], truth: [['a'], ['b']] };
    expect(caseHitAtK(first, 1)).toBe(1);
    // One candidate cannot name both causes even when both accept it.
    const shared: RankingCase = { ranked: ['s', 't'], truth: [['s'], ['s']] };
    expect(caseHitAtK(shared, 2)).toBe(0.5);
  });

  it('rejects empty input and bad k instead of returning NaN', () => {
    expect(() => accuracyAtK([], 1)).toThrow(AnalysisInputError);
    expect(() => accuracyAtK([], 1)).toThrow(/no cases/);
    expect(() => caseHitAtK(cases[0], 0)).toThrow(/k must be a positive integer/);
    expect(() => caseHitAtK({ ranked: ['a'], truth: [] }, 1)).toThrow(/at least one true root cause/);
  });
});

describe('detection precision, recall, F1', () => {
  it('counts and scores predicted against labelled ids', () => {
    const counts = detectionCounts(['t1', 't2', 't3', 't4', 't4'], ['t2', 't3', 't4', 't5', 't6', 't7']);
    expect(counts).toEqual({ truePositives: 3, falsePositives: 1, falseNegatives: 3 });
    const s = detectionScores(counts);
    expect(s.precision).toBe(0.75);
    expect(s.recall).toBe(0.5);
    expect(s.f1).toBeCloseTo(0.6, 12); // 2·0.75·0.5 / 1.25
  });

  it('micro-averages by summing counts', () => {
    const sum = addDetectionCounts({ truePositives: 9, falsePositives: 1, falseNegatives: 0 }, { truePositives: 1, falsePositives: 0, falseNegatives: 9 });
    expect(detectionScores(sum)).toMatchObject({ precision: 10 / 11, recall: 10 / 19 });
  });

  it('handles empty sets without NaN', () => {
    expect(detectionScores(detectionCounts([], []))).toMatchObject({ precision: 1, recall: 1, f1: 1 });
    expect(detectionScores(detectionCounts([], ['a']))).toMatchObject({ precision: 1, recall: 0, f1: 0 });
    expect(detectionScores(detectionCounts(['a'], []))).toMatchObject({ precision: 0, recall: 1, f1: 0 });
  });
});

describe('hit ranks', () => {
  it('gives the rank of the first cause named and the rank by which all are named', async () => {
    const { hitRanks, shareWithin } = await import('../../../src/analysis/eval-metrics.js');
    expect(hitRanks({ ranked: ['a', 'b', 'c'], truth: [['b']] })).toEqual({ first: 2, all: 2 });
    expect(hitRanks({ ranked: ['x', 'b', 'x', 'y', 'a'], truth: [['a'], ['b']] })).toEqual({ first: 2, all: 4 });
    expect(hitRanks({ ranked: ['b', 'c'], truth: [['a'], ['b']] })).toEqual({ first: 1, all: null });
    expect(hitRanks({ ranked: [], truth: [['a']] })).toEqual({ first: null, all: null });
    expect(() => hitRanks({ ranked: ['a'], truth: [] })).toThrow(/at least one/);
    expect(shareWithin([1, 3, null, 5], 3)).toBe(0.5);
    expect(() => shareWithin([], 1)).toThrow(/no cases/);
  });
});
