import { describe, expect, it } from 'vitest';
import type { ScoredService } from '../../../src/analysis/ranking-confidence.js';
import { rankingConfidence } from '../../../src/analysis/ranking-confidence.js';

/** A ranked service whose score rests on `origins` origin traces of `abnormal` in all. */
function ranked(service: string, score: number, origins: number, abnormal = 100): ScoredService {
  return { service, score, evidence: { originTraces: origins, originShare: origins / abnormal, ef: abnormal } };
}

describe('rankingConfidence', () => {
  it('is clear when #1 leads by more than twice its counting noise and originates most abnormal traces', () => {
    // 64 origin traces: noise 1/8 = 12.5 %; margin 1 − 0.3/0.9 = 67 %.
    const c = rankingConfidence([ranked('cart', 0.9, 64), ranked('frontend', 0.3, 10), ranked('db', 0.1, 0)])!;
    expect(c.level).toBe('clear');
    expect(c.margin).toBeCloseTo(2 / 3, 12);
    expect(c.contenders).toEqual(['cart']);
    expect(c.reason).toBe('cart is 67% ahead of frontend (the noise of its 64 abnormal traces is ±13%) and originates 64% of the abnormal traces');
  });

  it('says "no clear root cause" when #1 and #2 are within the noise, naming every contender', () => {
    // 25 origin traces: noise 20 %; margin 10 %; #3 at 0.82 is within 20 % of 1, #4 is not.
    const c = rankingConfidence([ranked('search', 1, 25), ranked('catalog', 0.9, 24), ranked('pricing', 0.82, 20), ranked('ads', 0.5, 5)])!;
    expect(c.level).toBe('none');
    expect(c.margin).toBeCloseTo(0.1, 12);
    expect(c.contenders).toEqual(['search', 'catalog', 'pricing']);
    expect(c.reason).toMatch(/^no clear root cause: search, catalog, pricing score within the noise of each other/);
  });

  it('is likely when the lead is real but small, or when #1 originates only a minority of abnormal traces', () => {
    // noise 10 % (100 origin traces of 400); margin 15 %: above one noise, under two.
    const small = rankingConfidence([ranked('auth', 1, 100, 400), ranked('gateway', 0.85, 90, 400)])!;
    expect(small.level).toBe('likely');
    expect(small.reason).toMatch(/its lead is under twice the noise/);
    // A wide lead, but 30 of 100 abnormal traces start in #1.
    const minority = rankingConfidence([ranked('orders', 1, 30), ranked('users', 0.2, 5)])!;
    expect(minority.level).toBe('likely');
    expect(minority.reason).toMatch(/originates only 30% of the abnormal traces/);
  });

  it('uses the abnormal traces through #1 when it originates none, treats a lone service as margin 1, and gives nothing for an empty ranking', () => {
    const relay = rankingConfidence([ranked('gateway', 0.5, 0, 49), ranked('web', 0.45, 0, 49)])!;
    // noise 1/√49 = 14 %; margin 10 %.
    expect(relay.level).toBe('none');
    const alone = rankingConfidence([ranked('cart', 0.4, 9)])!;
    expect(alone.margin).toBe(1);
    expect(alone.contenders).toEqual(['cart']);
    expect(rankingConfidence([])).toBeUndefined();
    expect(rankingConfidence([ranked('x', 0, 0)])).toBeUndefined();
  });

  it('reads the instance evidence when the score of #1 is its instance score (one slow pod, no origin traces)', () => {
    // cart scores 0.6 through one pod's 100 spans (noise 10 %), originating no abnormal trace; margin 50 %.
    const pod: ScoredService = { service: 'cart', score: 0.6, evidence: { originTraces: 0, originShare: 0, ef: 0, instanceScore: 0.6, instanceSpans: 100 } };
    const c = rankingConfidence([pod, ranked('frontend', 0.3, 40)])!;
    expect(c.level).toBe('clear');
    expect(c.contenders).toEqual(['cart']);
    expect(c.reason).toBe("cart is 50% ahead of frontend (the noise of its slow instance's 100 spans is ±10%) on one instance slower than its siblings");
    // The same instance evidence on 16 spans (noise 25 %): a 30 % lead is real but under two noises.
    const few = rankingConfidence([{ ...pod, evidence: { ...pod.evidence, instanceSpans: 16 } }, ranked('frontend', 0.42, 40)])!;
    expect(few.level).toBe('likely');
    // An instance score below the trace evidence's score does not carry the lead: the traces do.
    const traces = rankingConfidence([{ service: 'cart', score: 0.9, evidence: { originTraces: 64, originShare: 0.64, ef: 100, instanceScore: 0.2, instanceSpans: 4 } }, ranked('frontend', 0.3, 10)])!;
    expect(traces.level).toBe('clear');
    expect(traces.reason).toMatch(/the noise of its 64 abnormal traces/);
  });
});
