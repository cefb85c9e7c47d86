/**
 * Spectrum scoring — suspiciousness of a node from how often it takes part in failing (abnormal)
 * and passing (normal) executions: ef/ep = abnormal/normal traces through the node, nf/np =
 * abnormal/normal traces not through it. Ochiai = ef / √((ef + nf)(ef + ep)); Jaccard =
 * ef / (ef + nf + ep); DStar (star 2) = ef² / (ep + nf), taken as ef² / 0.5 when ep + nf = 0 so
 * the perfect case stays finite and ranks first. Every score is 0 when ef = 0.
 *
 * Reference: Wong et al., "A Survey on Software Fault Localization" (TSE 2016); MicroRank (WWW'21)
 * uses Ochiai by default and evaluates DStar2 and Jaccard.
 */
import { AnalysisInputError } from '../model/index.js';
import type { SpectrumMethod } from './anomaly-report.js';

export const DEFAULTS = {
  method: 'ochiai' as SpectrumMethod,
  /** DStar's denominator when ep + nf = 0. */
  dstarZeroDenominator: 0.5,
};

export const SPECTRUM_METHODS: readonly SpectrumMethod[] = ['ochiai', 'jaccard', 'dstar'];

export interface SpectrumCounts {
  ef: number;
  ep: number;
  nf: number;
  np: number;
}

export function spectrumScore(c: SpectrumCounts, method: SpectrumMethod = DEFAULTS.method): number {
  for (const [k, v] of Object.entries(c)) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new AnalysisInputError(`analysis/spectrum-scoring: ${k} must be a finite number ≥ 0, got ${v}`);
  }
  const { ef, ep, nf } = c;
  if (ef === 0) return 0;
  switch (method) {
    case 'ochiai':
      return ef / Math.sqrt((ef + nf) * (ef + ep));
    case 'jaccard':
      return ef / (ef + nf + ep);
    case 'dstar':
      return (ef * ef) / (ep + nf > 0 ? ep + nf : DEFAULTS.dstarZeroDenominator);
    default:
      throw new AnalysisInputError(`analysis/spectrum-scoring: unknown method "${String(method)}": expected ${SPECTRUM_METHODS.join(', ')}`);
  }
}
