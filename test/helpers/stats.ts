// Statistics for asserting on random outcomes: a count of events is checked against the
// interval a binomial model allows, not against a fixed threshold.

export { binomialInterval, correlatedInterval } from '../../src/experiments/binomial.ts';

/** z of a two-sided 99.9% interval. */
export const Z999 = 3.2905;

/** 99.9% interval of the mean of n samples from a distribution with this mean and deviation. */
export function meanInterval(mu: number, sigma: number, n: number): [number, number] {
  const half = (Z999 * sigma) / Math.sqrt(n);
  return [mu - half, mu + half];
}

/** 99.9% interval of a sample's deviation (normal samples, large n: se of s ≈ σ/√(2(n−1))). */
export function sdInterval(sigma: number, n: number): [number, number] {
  const half = (Z999 * sigma) / Math.sqrt(2 * (n - 1));
  return [sigma - half, sigma + half];
}

export function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function sd(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}
