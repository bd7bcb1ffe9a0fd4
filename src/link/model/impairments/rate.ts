import { formatRate, parseRate } from '../units.ts';
import type { Impairment } from './impairment.ts';

const EXAMPLE = 'rate 1mbit';

export const rate: Impairment<'rate'> = {
  key: 'rate',
  keyword: 'rate',
  syntax: 'rate RATE (bit, kbit, mbit, gbit; bps, kbps, mbps are bytes)',
  example: EXAMPLE,
  summary: 'serialize frames at RATE: each waits its turn and takes size × 8 / RATE',
  parse(words, problems) {
    const w = words.next();
    const r = w === undefined ? { error: 'got nothing' } : parseRate(w);
    if ('error' in r) {
      problems.push(`rate needs a rate, ${w === undefined ? 'got nothing' : r.error}; e.g. ${EXAMPLE}`);
      return undefined;
    }
    return { bps: r.bps };
  },
  validate(v) {
    return Number.isFinite(v.bps) && v.bps >= 8 && v.bps <= 100e9
      ? []
      : [`rate must be 8bit–100gbit per second, got ${v.bps} bit/s; e.g. ${EXAMPLE}`];
  },
  format: (v) => `rate ${formatRate(v.bps)}`,
  netem: (v) => ['rate', formatRate(v.bps)],
};
