import type { LossSpec } from '../impairment-model.ts';
import { formatPercent, isNumberWord, parsePercent } from '../units.ts';
import { checkPercent, type Impairment, type Words } from './impairment.ts';

const EXAMPLE = 'loss 10%';
const GE_EXAMPLE = 'loss gemodel 1% 30% 50% 0%';

function percentWords(words: Words, max: number): { values: number[]; bad?: string } {
  const values: number[] = [];
  while (values.length < max && isNumberWord(words.peek())) {
    const w = words.next()!;
    const p = parsePercent(w);
    if ('error' in p) return { values, bad: w };
    values.push(p.percent);
  }
  return { values };
}

export const loss: Impairment<'loss'> = {
  key: 'loss',
  keyword: 'loss',
  syntax: 'loss [random] PERCENT [CORRELATION] | loss gemodel P [R [1-H [1-K]]]',
  example: EXAMPLE,
  summary: 'drop packets at random, or in bursts (Gilbert–Elliott)',
  parse(words, problems) {
    if (words.peek() === 'random') words.next();
    if (words.peek() === 'gemodel') {
      words.next();
      const { values, bad } = percentWords(words, 4);
      if (bad || values.length === 0) {
        problems.push(
          `loss gemodel needs 1 to 4 percentages (p r 1-h 1-k), got ${bad ? `'${bad}'` : 'none'}; e.g. ${GE_EXAMPLE}`,
        );
        return undefined;
      }
      const [p, r = 100 - p, oneMinusH = 100, oneMinusK = 0] = values as [number, ...number[]];
      return { model: 'gemodel', p, r, oneMinusH, oneMinusK };
    }
    const { values, bad } = percentWords(words, 2);
    if (bad || values.length === 0) {
      problems.push(
        `loss needs a percentage, got ${bad ? `'${bad}'` : words.peek() ? `'${words.peek()}'` : 'nothing'}; e.g. ${EXAMPLE}`,
      );
      return undefined;
    }
    return { model: 'random', percent: values[0]!, correlation: values[1] ?? 0 };
  },
  validate(v: LossSpec) {
    if (v.model === 'random') {
      return [
        ...checkPercent('loss', v.percent, EXAMPLE),
        ...checkPercent('loss correlation', v.correlation, 'loss 10% 25%'),
      ];
    }
    return [
      ...checkPercent('gemodel p (good to bad)', v.p, GE_EXAMPLE),
      ...checkPercent('gemodel r (bad to good)', v.r, GE_EXAMPLE),
      ...checkPercent('gemodel 1-h (loss in the bad state)', v.oneMinusH, GE_EXAMPLE),
      ...checkPercent('gemodel 1-k (loss in the good state)', v.oneMinusK, GE_EXAMPLE),
    ];
  },
  format(v) {
    if (v.model === 'random')
      return `loss ${formatPercent(v.percent)}${v.correlation ? ` ${formatPercent(v.correlation)}` : ''}`;
    return ['loss', 'gemodel', ...[v.p, v.r, v.oneMinusH, v.oneMinusK].map(formatPercent)].join(' ');
  },
  netem(v) {
    if (v.model === 'random') {
      return [
        'loss',
        'random',
        formatPercent(v.percent),
        ...(v.correlation ? [formatPercent(v.correlation)] : []),
      ];
    }
    return ['loss', 'gemodel', ...[v.p, v.r, v.oneMinusH, v.oneMinusK].map(formatPercent)];
  },
};
