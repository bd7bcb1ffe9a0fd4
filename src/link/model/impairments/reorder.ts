import { formatPercent } from '../units.ts';
import { formatChance, parseChance, validateChance } from './chance.ts';
import type { Impairment } from './impairment.ts';

const EXAMPLE = 'reorder 25%';

export const reorder: Impairment<'reorder'> = {
  key: 'reorder',
  keyword: 'reorder',
  syntax: 'reorder PERCENT [CORRELATION] [gap DISTANCE] (needs delay)',
  example: 'delay 10ms reorder 25%',
  summary: 'send that fraction at once while the rest wait out the delay, so they overtake',
  parse(words, problems) {
    const chance = parseChance('reorder', EXAMPLE, words, problems);
    if (!chance) return undefined;
    let gap = 1;
    if (words.peek() === 'gap') {
      words.next();
      const w = words.next();
      gap = Number(w);
      if (!Number.isInteger(gap))
        problems.push(
          `reorder gap must be a whole number of packets, got '${w ?? 'nothing'}'; e.g. reorder 25% gap 5`,
        );
    }
    return { ...chance, gap };
  },
  validate(v) {
    const problems = validateChance('reorder', EXAMPLE, v);
    if (!(Number.isInteger(v.gap) && v.gap >= 1 && v.gap <= 1_000_000)) {
      problems.push(`reorder gap must be 1–1000000 packets, got ${v.gap}; e.g. reorder 25% gap 5`);
    }
    return problems;
  },
  format(v) {
    return `${formatChance('reorder', v)}${v.gap !== 1 ? ` gap ${v.gap}` : ''}`;
  },
  netem(v) {
    return [
      'reorder',
      formatPercent(v.percent),
      ...(v.correlation ? [formatPercent(v.correlation)] : []),
      ...(v.gap !== 1 ? ['gap', String(v.gap)] : []),
    ];
  },
};
