// Statistics for asserting on random outcomes: a count of events is checked against the
// interval a binomial model allows, not against a fixed threshold.

export { binomialInterval } from '../../src/experiments/binomial.ts';

export function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function sd(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}
