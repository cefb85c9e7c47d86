/**
 * Time-varying load: a diurnal curve (trough at 04:00 UTC, peak at 16:00, ±35 %) times a slow
 * per-minute random walk (±15 %), around a mean rate. Arrivals are a non-homogeneous Poisson process
 * sampled by thinning, so they are deterministic for a seed. An optional surge multiplies the rate
 * over one interval (the realistic profile's busier incident window).
 */
import { deriveSeed, Random } from './random.js';
import type { LoadSurge } from './realism.js';

export type LoadShape = 'diurnal' | 'flat';

const US_PER_S = 1_000_000;
const US_PER_MIN = 60 * US_PER_S;
const US_PER_DAY = 86_400 * US_PER_S;
const DIURNAL_AMPLITUDE = 0.35;
const NOISE_AMPLITUDE = 0.15;

/** Traces per second at time t (µs since epoch). */
export function rateAt(meanRate: number, shape: LoadShape, seed: number, t: number, surge?: LoadSurge): number {
  const surged = surge && t >= surge.start && t < surge.end ? surge.factor : 1;
  if (shape === 'flat') return meanRate * surged;
  const dayPhase = ((t % US_PER_DAY) / US_PER_DAY) * 2 * Math.PI;
  const diurnal = 1 - DIURNAL_AMPLITUDE * Math.cos(dayPhase - (4 / 24) * 2 * Math.PI);
  return meanRate * diurnal * minuteNoise(seed, t) * surged;
}

function minuteNoise(seed: number, t: number): number {
  const minute = Math.floor(t / US_PER_MIN);
  const frac = (t - minute * US_PER_MIN) / US_PER_MIN;
  const at = (m: number) => 1 + NOISE_AMPLITUDE * (2 * new Random(deriveSeed(seed, 0x10ad, m)).next() - 1);
  return at(minute) * (1 - frac) + at(minute + 1) * frac;
}

/** Arrival times (µs) in [start, end), increasing. */
export function* arrivals(meanRate: number, shape: LoadShape, seed: number, start: number, end: number, surge?: LoadSurge): Generator<number> {
  const rnd = new Random(deriveSeed(seed, 0xa771));
  const maxRate = (shape === 'flat' ? meanRate : meanRate * (1 + DIURNAL_AMPLITUDE) * (1 + NOISE_AMPLITUDE)) * Math.max(1, surge?.factor ?? 1);
  let t = start;
  for (;;) {
    t += (-Math.log(1 - rnd.next()) / maxRate) * US_PER_S;
    if (t >= end) return;
    if (rnd.next() * maxRate < rateAt(meanRate, shape, seed, t, surge)) yield Math.floor(t);
  }
}
