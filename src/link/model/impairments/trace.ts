import { loadTrace, type TraceSpec } from '../trace.ts';
import type { Impairment } from './impairment.ts';

const EXAMPLE = 'trace steady-12mbit';

// The rate of a recorded (or generated) link: frames leave only at the trace's delivery
// opportunities, waiting their turn in the queue as with `rate`. Relay engine only: netem has no
// delivery schedule.
export const trace: Impairment<'trace'> = {
  key: 'trace',
  keyword: 'trace',
  syntax: 'trace NAME|FILE (Mahimahi format: a delivery opportunity per line, ms)',
  example: EXAMPLE,
  summary: 'frames leave only at the delivery opportunities of a trace (lab/traces/ or a file), which loops',
  parse(words, problems) {
    const name = words.next();
    if (name === undefined) {
      problems.push(`trace needs a trace's name or file, got nothing; e.g. ${EXAMPLE}`);
      return undefined;
    }
    const t = loadTrace(name);
    if ('problems' in t) {
      problems.push(...t.problems);
      return undefined;
    }
    return t;
  },
  validate(v: TraceSpec) {
    const ok =
      typeof v.name === 'string' &&
      Array.isArray(v.times) &&
      v.times.length > 0 &&
      v.times.every((t, i) => Number.isInteger(t) && t >= 0 && (i === 0 || t >= v.times[i - 1]!)) &&
      v.periodMs === v.times.at(-1) &&
      v.periodMs > 0;
    return ok
      ? []
      : [
          `trace ${JSON.stringify(v.name)}: times must be whole ms, not decreasing, the last (the period) above 0; e.g. ${EXAMPLE}`,
        ];
  },
  format: (v) => `trace ${v.name}`,
  netem: () => {
    throw new Error('trace is the relay engine’s alone');
  },
};
