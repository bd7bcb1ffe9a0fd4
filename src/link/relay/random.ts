// Seeded randomness for the relay: the same seed and the same packet sequence give the same
// decisions. Each direction and each impairment has a stream of its own, so that (say) adding
// jitter does not change which packets are lost.
import type { Distribution } from '../model/impairment-model.ts';

/** 32-bit FNV-1a of a string: turns (seed, direction, impairment) into a stream's seed. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** xoshiro128**: small, fast, and good enough for simulation; seeded through splitmix32. */
export class Random {
  #s = new Uint32Array(4);

  constructor(seed: number, stream = '') {
    let x = (seed ^ hashString(stream)) >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.#s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.#s.every((v) => v === 0)) this.#s[0] = 1;
  }

  /** Uniform in [0, 1). */
  next(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** murmur3's finalizer: every input bit reaches every output bit. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Uniform in [0, 1) as a pure function of a stream's seed and a key of two 32-bit numbers: no
 * state, so the value a key gets does not depend on which keys were drawn before it.
 */
export function keyedUniform(streamSeed: number, a: number, b: number): number {
  let h = mix32((streamSeed ^ Math.imul(a, 0x9e3779b1)) >>> 0);
  h = mix32((h ^ Math.imul(b + 0x7f4a7c15, 0x27d4eb2f)) >>> 0);
  return h / 4294967296;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * netem's correlated random numbers: each value leans on the previous one by `correlation`
 * percent (value = (1 − ρ)·fresh + ρ·last). With 0 it is plain uniform.
 */
export class CorrelatedRandom {
  readonly #rng: Random;
  readonly #rho: number;
  #last: number;

  constructor(rng: Random, correlationPercent: number) {
    this.#rng = rng;
    this.#rho = correlationPercent / 100;
    this.#last = rng.next();
  }

  next(): number {
    const fresh = this.#rng.next();
    if (this.#rho === 0) return fresh;
    this.#last = (1 - this.#rho) * fresh + this.#rho * this.#last;
    return this.#last;
  }
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const q0 = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  const tail = (q: number): number => {
    const r = Math.sqrt(-2 * Math.log(q));
    return (
      (((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) /
      ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1)
    );
  };
  if (q0 < 0.02425) return tail(q0);
  if (q0 > 1 - 0.02425) return -tail(1 - q0);
  const q = q0 - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

// netem's pareto table is a Pareto with shape 3, scaled to unit deviation around its mean.
const PARETO_SHAPE = 3;
const PARETO_MEAN = PARETO_SHAPE / (PARETO_SHAPE - 1);
const PARETO_SD = Math.sqrt(PARETO_SHAPE / ((PARETO_SHAPE - 1) ** 2 * (PARETO_SHAPE - 2)));
const paretoStd = (u: number): number =>
  ((1 - Math.min(u, 1 - 1e-12)) ** (-1 / PARETO_SHAPE) - PARETO_MEAN) / PARETO_SD;
// paretonormal mixes the two as netem's table does (a quarter normal, three quarters pareto),
// rescaled to unit deviation; the scale is computed once by numerical integration.
const mixRaw = (u: number): number => 0.25 * normalQuantile(u) + 0.75 * paretoStd(u);
const MIX_SD = (() => {
  const n = 200_000;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = mixRaw((i + 0.5) / n);
    s += x;
    s2 += x * x;
  }
  return Math.sqrt(s2 / n - (s / n) ** 2);
})();

/**
 * A zero-mean, unit-deviation value of `distribution` from a uniform `u` in [0, 1). Uniform
 * follows netem (±jitter, not unit deviation): delay is spread evenly over [delay − jitter, delay + jitter].
 */
export function distributionValue(distribution: Distribution, u: number): number {
  switch (distribution) {
    case 'uniform':
      return 2 * u - 1;
    case 'normal':
      return normalQuantile(u);
    case 'pareto':
      return paretoStd(u);
    case 'paretonormal':
      return mixRaw(u) / MIX_SD;
  }
}
