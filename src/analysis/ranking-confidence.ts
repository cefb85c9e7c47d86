/**
 * Ranking confidence — how clearly the evidence singles out the first-ranked service, so a report
 * can say "no clear root cause" instead of always naming one.
 *
 * With s1 ≥ s2 ≥ … the ranked scores: margin = 1 − s2 / s1 (1 with a single candidate, 0 when
 * s1 = 0). Contenders are the services scoring at least half of s1: a factor of two is the
 * smallest lead read as a lead (the score is a product of a share and a per-trace log ratio, so
 * half the score is e.g. half the slow-down per trace at the same spread). `clear`: the first has
 * no contender; `likely`: one contender; `none`: two or more contenders (flat evidence), or no
 * service with a positive score.
 *
 * Reference: the top-1/top-2 margin used as a confidence measure for ranked predictions (Scheffer,
 * Decomain & Wrobel, "Active hidden Markov models for information extraction", IDA 2001, margin
 * sampling); RCAEval reports AC@k because the first answer is often not singled out.
 */
import { AnalysisInputError } from '../model/index.js';
import type { RankingConfidence } from './anomaly-report.js';

export const DEFAULTS = {
  /** A contender scores at least this share of the first's score. */
  contenderShare: 0.5,
};

/** Confidence of a ranking given best first as (name, score ≥ 0) pairs; undefined when empty. */
export function rankingConfidence(ranked: ReadonlyArray<{ name: string; score: number }>): RankingConfidence | undefined {
  if (ranked.length === 0) return undefined;
  for (let i = 0; i < ranked.length; i++) {
    const s = ranked[i].score;
    if (!(s >= 0) || !Number.isFinite(s)) throw new AnalysisInputError(`analysis/ranking-confidence: score ${s} of ${ranked[i].name} must be finite and ≥ 0`);
    if (i > 0 && s > ranked[i - 1].score) throw new AnalysisInputError('analysis/ranking-confidence: scores must be in descending order');
  }
  const s1 = ranked[0].score;
  if (s1 === 0) return { level: 'none', margin: 0, contenders: [], reason: 'no service holds evidence of originating the anomaly' };
  const margin = ranked.length > 1 ? 1 - ranked[1].score / s1 : 1;
  const contenders = ranked.filter((r) => r.score >= DEFAULTS.contenderShare * s1).map((r) => r.name);
  const first = ranked[0].name;
  if (contenders.length === 1) return { level: 'clear', margin, contenders, reason: `${first} scores more than twice any other service` };
  if (contenders.length === 2) return { level: 'likely', margin, contenders, reason: `${first} leads, but ${contenders[1]} scores within a factor of two` };
  return { level: 'none', margin, contenders, reason: `no clear root cause: ${contenders.length} services score within a factor of two of the first` };
}
