// The interval the verdicts judge loss by: exact, and it holds what a seeded simulation produces.
import { describe, expect, it } from 'vitest';
import { binomialInterval, correlatedInterval } from '../../../src/experiments/binomial.ts';
import { prng } from '../../support/sockets.ts';

describe('binomialInterval', () => {
  it('is exact at the edges and symmetric about p = 0.5', () => {
    expect(binomialInterval(100, 0)).toEqual([0, 0]);
    expect(binomialInterval(100, 1)).toEqual([100, 100]);
    const [lo, hi] = binomialInterval(1000, 0.5, 0.99);
    expect(lo + hi).toBe(1000);
    // Known quantiles of Binomial(1000, 0.5): the 0.5% and 99.5% points are 459 and 541.
    expect([lo, hi]).toEqual([459, 541]);
  });

  it('does not underflow for large n', () => {
    const [lo, hi] = binomialInterval(20_000, 0.64, 0.999);
    // Near the normal approximation here: mean 12800 ± 3.291 sd (sd 67.9).
    const half = 3.291 * Math.sqrt(20_000 * 0.64 * 0.36);
    expect(Math.abs(lo - (12_800 - half))).toBeLessThan(3);
    expect(Math.abs(hi - (12_800 + half))).toBeLessThan(3);
  });

  it('holds about 99% of seeded binomial draws', () => {
    const rand = prng(42);
    const n = 200;
    const p = 0.64;
    const [lo, hi] = binomialInterval(n, p, 0.99);
    let inside = 0;
    const runs = 2000;
    for (let r = 0; r < runs; r++) {
      let k = 0;
      for (let i = 0; i < n; i++) if (rand() < p) k++;
      if (k >= lo && k <= hi) inside++;
    }
    // Coverage of an exact interval is at least the confidence; with 2000 runs, ≥ 98.3% is 3 sd below 99%.
    expect(inside / runs).toBeGreaterThanOrEqual(0.983);
  });

  it('widens for correlated (bursty) trials and not otherwise', () => {
    const plain = binomialInterval(1000, 0.8);
    expect(correlatedInterval(1000, 0.8, 0)).toEqual(plain);
    const bursty = correlatedInterval(1000, 0.8, 0.65);
    expect(bursty[0]).toBeLessThan(plain[0]);
    expect(bursty[1]).toBeGreaterThan(plain[1]);
  });
});
