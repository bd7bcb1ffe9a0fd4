import type { Impairment } from './impairment.ts';

const EXAMPLE = 'outage';

// A link that carries nothing: every frame, ARP included, is dropped and counted as the outage's
// (not as loss). Mostly a step of a timed scenario ("2 s down every 10 s"); netem has no such
// word, so the netem engine says it as `loss 100%`.
export const outage: Impairment<'outage'> = {
  key: 'outage',
  keyword: 'outage',
  syntax: 'outage',
  example: EXAMPLE,
  summary: 'the link carries nothing at all (ARP included) until the next change',
  parse: () => true,
  validate: (v) => (v === true ? [] : [`outage takes no value, got ${JSON.stringify(v)}; e.g. ${EXAMPLE}`]),
  format: () => 'outage',
  netem: () => ['loss', '100%'],
};
