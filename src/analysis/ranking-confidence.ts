/**
 * How confidently a root-cause ranking names its first service (the report's RankingConfidence):
 * the relative margin between the scores of #1 and #2, judged against the sampling noise of #1's
 * evidence.
 *
 *   margin = 1 − score₂ / score₁                  (1 with a single scored service)
 *   noise  = 1 / √n,  n = the observations #1's score rests on: its origin traces, else the
 *            abnormal traces through it; when its score is its instance score (instance-evidence.ts:
 *            one instance slower than its siblings), the window spans of that instance the test
 *            compared
 *
 * The scores are functions of counts of abnormal traces (or, for an instance score, of a rank
 * statistic over the instance's n spans), and a count n seen in one window has a relative standard
 * error of about 1/√n (Poisson counting statistics); Cliff's δ over n values has a standard error of
 * the same order, at most 1/√n (Cliff 1993). So:
 *   none   — the margin is within one noise: another window of the same incident could reorder the
 *            lead; the services within the noise of #1 are its `contenders` ("no clear root cause").
 *   clear  — the margin exceeds two noises (the lead holds at about 95 %) and #1 holds the origin of
 *            most (> 50 %) abnormal traces, or its score is an instance score: that evidence is a
 *            family-wise significant test of its own, independent of how many traces it originates.
 *   likely — in between.
 */
import type { RankingConfidence, RootCause, RootCauseEvidence } from './anomaly-report.js';

/** What the confidence reads of a ranked service. */
export type ScoredService = Pick<RootCause, 'service' | 'score'> & {
  evidence: Pick<RootCauseEvidence, 'originTraces' | 'originShare' | 'ef'> & {
    /** The service's instance score (root-cause-ranking.ts RankedNode.instanceScore), when > 0. */
    instanceScore?: number;
    /** The window spans of the instance behind that score (instance-evidence.ts InstanceFinding.n). */
    instanceSpans?: number;
  };
};

/** `ranked`: the service ranking, best first. Undefined when nothing scored above 0. */
export function rankingConfidence(ranked: readonly ScoredService[]): RankingConfidence | undefined {
  const first = ranked[0];
  if (!first || !(first.score > 0)) return undefined;
  const second = ranked.length > 1 ? ranked[1] : undefined;
  const margin = second ? 1 - Math.max(0, second.score) / first.score : 1;
  // The ranking scores max(trace evidence, instance score): read the evidence that gave the score.
  const byInstance = first.evidence.instanceSpans !== undefined && (first.evidence.instanceScore ?? 0) >= first.score;
  const support = byInstance ? first.evidence.instanceSpans! : first.evidence.originTraces > 0 ? first.evidence.originTraces : first.evidence.ef;
  const noise = 1 / Math.sqrt(Math.max(1, support));
  const contenders = ranked.filter((r) => r.score >= first.score * (1 - noise)).map((r) => r.service);
  const share = first.evidence.originShare;
  const lead = `${pct(margin)} ahead of ${second?.service ?? 'no other service'}`;
  const noiseText = byInstance ? `the noise of its slow instance's ${support} spans is ±${pct(noise)}` : `the noise of its ${support} abnormal traces is ±${pct(noise)}`;
  if (second && margin <= noise) {
    return { level: 'none', margin, contenders, reason: `no clear root cause: ${contenders.join(', ')} score within the noise of each other (${first.service} is only ${lead}; ${noiseText})` };
  }
  if (margin > 2 * noise && byInstance) {
    return { level: 'clear', margin, contenders, reason: `${first.service} is ${lead} (${noiseText}) on one instance slower than its siblings` };
  }
  if (margin > 2 * noise && share > 0.5) {
    return { level: 'clear', margin, contenders, reason: `${first.service} is ${lead} (${noiseText}) and originates ${pct(share)} of the abnormal traces` };
  }
  const why = margin > 2 * noise ? `it originates only ${pct(share)} of the abnormal traces` : `its lead is under twice the noise (${noiseText})`;
  return { level: 'likely', margin, contenders, reason: `${first.service} is ${lead}, but ${why}` };
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}
