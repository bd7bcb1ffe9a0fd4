import type { Impairment } from './impairment.ts';

const EXAMPLE = 'rate 1mbit limit 100';

export const limit: Impairment<'limit'> = {
  key: 'limit',
  keyword: 'limit',
  syntax: 'limit PACKETS',
  example: EXAMPLE,
  summary: 'how many packets may wait for the rate limiter; more are dropped at the tail (default 1000)',
  parse(words, problems) {
    const w = words.next();
    const n = Number(w);
    if (w === undefined || !/^\d+$/.test(w)) {
      problems.push(
        `limit needs a whole number of packets, got ${w === undefined ? 'nothing' : `'${w}'`}; e.g. ${EXAMPLE}`,
      );
      return undefined;
    }
    return n;
  },
  validate(v) {
    return Number.isInteger(v) && v >= 1 && v <= 10_000_000
      ? []
      : [`limit must be 1–10000000 packets, got ${v}; e.g. ${EXAMPLE}`];
  },
  format: (v) => `limit ${v}`,
  netem: (v) => ['limit', String(v)],
};
