// Statistics for asserting on random outcomes: a count of events is checked against the
// interval a binomial model allows, not against a fixed threshold.

/** z for a two-sided confidence level. */
const Z: Record<string, number> = { '0.95': 1.96, '0.99': 2.576, '0.999': 3.291 };

/** The range of counts a Binomial(n, p) lands in with the given confidence (normal approximation, with continuity). */
export function binomialInterval(
  n: number,
  p: number,
  confidence: 0.95 | 0.99 | 0.999 = 0.99,
): [number, number] {
  const z = Z[String(confidence)]!;
  const mean = n * p;
  const sd = Math.sqrt(n * p * (1 - p));
  return [Math.max(0, Math.floor(mean - z * sd - 0.5)), Math.min(n, Math.ceil(mean + z * sd + 0.5))];
}

export function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function sd(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}
