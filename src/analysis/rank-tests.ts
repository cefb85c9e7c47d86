/**
 * Rank tests — Mann–Whitney U between two samples given ascending, its normal approximation, and
 * the normal tail used to hold a family of such tests at the level of one (Bonferroni).
 *
 * U counts the pairs (x, y) with x > y, ties counting one half; under "same distribution" its mean
 * is n₁n₂/2 and its variance n₁n₂(n₁ + n₂ + 1)/12 (without the tie correction, which would only
 * shrink the variance: leaving it out keeps z conservative). 2U/(n₁n₂) − 1 is Cliff's δ.
 *
 * Reference: Mann & Whitney, "On a test of whether one of two random variables is stochastically
 * larger than the other" (Ann. Math. Stat. 1947); Cliff, "Dominance statistics" (Psychological
 * Bulletin 1993); Dunn, "Multiple comparisons among means" (JASA 1961); erfc fit of Press et al.,
 * Numerical Recipes (erfcc, fractional error < 1.2e-7).
 */

/** Mann–Whitney U of ascending `x` over ascending `y`: pairs with x > y, plus half the ties. */
export function dominance(x: Float64Array, y: Float64Array): number {
  let u = 0;
  let lo = 0; // y[0 … lo) < x[i]
  let hi = 0; // y[0 … hi) ≤ x[i]
  for (let i = 0; i < x.length; i++) {
    while (lo < y.length && y[lo] < x[i]) lo++;
    if (hi < lo) hi = lo;
    while (hi < y.length && y[hi] <= x[i]) hi++;
    u += lo + (hi - lo) / 2;
  }
  return u;
}

/** z of U for samples of n₁ and n₂ values (0 when either is empty). */
export function mannWhitneyZ(u: number, n1: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 0;
  return (u - (n1 * n2) / 2) / Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12);
}

/** The z whose upper normal tail is the tail of `z` divided by `tests` (Bonferroni). */
export function familyWiseZ(z: number, tests: number): number {
  if (tests <= 1) return z;
  const target = Math.log(normalTail(z)) - Math.log(tests);
  let lo = z;
  let hi = z + 40;
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    if (Math.log(normalTail(mid)) > target) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** P(Z > z) for a standard normal Z, via erfc (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
export function normalTail(z: number): number {
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return (x >= 0 ? erfc : 2 - erfc) / 2;
}
