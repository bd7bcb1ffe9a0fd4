// The range a count of successes may fall in when each of n trials succeeds with probability p:
// exact binomial quantiles, computed in log space so that large n does not underflow. Loss is
// judged against this range, never against a fixed threshold.

export type Confidence = 0.95 | 0.99 | 0.999;

function logFactorials(n: number): Float64Array {
  const lf = new Float64Array(n + 1);
  for (let k = 2; k <= n; k++) lf[k] = lf[k - 1]! + Math.log(k);
  return lf;
}

/** [lo, hi] such that P(X < lo) ≤ α/2 and P(X > hi) ≤ α/2 for X ~ Binomial(n, p), α = 1 − confidence. */
export function binomialInterval(n: number, p: number, confidence: Confidence = 0.99): [number, number] {
  if (n <= 0) return [0, 0];
  if (p <= 0) return [0, 0];
  if (p >= 1) return [n, n];
  const tail = (1 - confidence) / 2;
  const lf = logFactorials(n);
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  const pmf = (k: number): number => Math.exp(lf[n]! - lf[k]! - lf[n - k]! + k * lp + (n - k) * lq);
  let lo = 0;
  for (let below = 0; lo < n && below + pmf(lo) <= tail; lo++) below += pmf(lo);
  let hi = n;
  for (let above = 0; hi > 0 && above + pmf(hi) <= tail; hi--) above += pmf(hi);
  return [lo, hi];
}

/**
 * The same interval when the trials are positively correlated (bursty loss): the count varies
 * as if there were n / inflation independent trials, where inflation = (1 + ρ) / (1 − ρ) for a
 * lag-one correlation ρ (a two-state Markov chain's variance factor).
 */
export function correlatedInterval(
  n: number,
  p: number,
  rho: number,
  confidence: Confidence = 0.99,
): [number, number] {
  const r = Math.min(0.99, Math.max(0, rho));
  if (r === 0) return binomialInterval(n, p, confidence);
  const nEff = Math.max(1, Math.round((n * (1 - r)) / (1 + r)));
  const [lo, hi] = binomialInterval(nEff, p, confidence);
  return [Math.floor((lo * n) / nEff), Math.min(n, Math.ceil((hi * n) / nEff))];
}
