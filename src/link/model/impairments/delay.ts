import { type DelaySpec, DISTRIBUTIONS, type Distribution } from '../impairment-model.ts';
import { formatPercent, formatTime, isNumberWord, parsePercent, parseTime } from '../units.ts';
import { checkPercent, type Impairment } from './impairment.ts';

const EXAMPLE = 'delay 40ms 10ms distribution normal';
const MAX_MS = 60_000;

export const delay: Impairment<'delay'> = {
  key: 'delay',
  keyword: 'delay',
  syntax: 'delay TIME [JITTER [CORRELATION]] [distribution uniform|normal|pareto|paretonormal]',
  example: EXAMPLE,
  summary: 'hold each packet for TIME, varied by JITTER',
  parse(words, problems) {
    const first = words.next();
    const t = first === undefined ? { error: 'nothing' } : parseTime(first);
    if ('error' in t) {
      problems.push(`delay needs a time, ${first === undefined ? 'got nothing' : t.error}; e.g. ${EXAMPLE}`);
      return undefined;
    }
    const spec: DelaySpec = { ms: t.ms, jitterMs: 0, correlation: 0, distribution: 'uniform' };
    if (isNumberWord(words.peek())) {
      const j = parseTime(words.next()!);
      if ('error' in j) problems.push(`delay jitter: ${j.error}; e.g. ${EXAMPLE}`);
      else spec.jitterMs = j.ms;
      if (isNumberWord(words.peek())) {
        const c = parsePercent(words.next()!);
        if ('error' in c) problems.push(`delay correlation: ${c.error}; e.g. delay 40ms 10ms 25%`);
        else spec.correlation = c.percent;
      }
    }
    if (words.peek() === 'distribution') {
      words.next();
      const d = words.next();
      if (!DISTRIBUTIONS.includes(d as Distribution)) {
        problems.push(
          `distribution must be one of ${DISTRIBUTIONS.join(', ')}, got '${d ?? 'nothing'}'; e.g. ${EXAMPLE}`,
        );
      } else spec.distribution = d as Distribution;
    }
    return spec;
  },
  validate(v) {
    const problems: string[] = [];
    if (!(Number.isFinite(v.ms) && v.ms >= 0 && v.ms <= MAX_MS))
      problems.push(`delay must be 0–60s, got ${v.ms}ms; e.g. ${EXAMPLE}`);
    if (!(Number.isFinite(v.jitterMs) && v.jitterMs >= 0 && v.jitterMs <= MAX_MS)) {
      problems.push(`delay jitter must be 0–60s, got ${v.jitterMs}ms; e.g. ${EXAMPLE}`);
    }
    problems.push(...checkPercent('delay correlation', v.correlation, 'delay 40ms 10ms 25%'));
    if (!DISTRIBUTIONS.includes(v.distribution)) {
      problems.push(
        `distribution must be one of ${DISTRIBUTIONS.join(', ')}, got '${v.distribution}'; e.g. ${EXAMPLE}`,
      );
    }
    return problems;
  },
  format(v) {
    let s = `delay ${formatTime(v.ms)}`;
    if (v.jitterMs || v.correlation) s += ` ${formatTime(v.jitterMs)}`;
    if (v.correlation) s += ` ${formatPercent(v.correlation)}`;
    if (v.jitterMs && v.distribution !== 'uniform') s += ` distribution ${v.distribution}`;
    return s;
  },
  netem(v) {
    const args = ['delay', formatTime(v.ms)];
    if (v.jitterMs || v.correlation) args.push(formatTime(v.jitterMs));
    if (v.correlation) args.push(formatPercent(v.correlation));
    // netem's default shape for jitter is uniform, and it has no table named uniform.
    if (v.jitterMs && v.distribution !== 'uniform') args.push('distribution', v.distribution);
    return args;
  },
};
