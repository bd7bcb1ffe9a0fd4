// The shape shared by duplicate and corrupt: `KEYWORD PERCENT [CORRELATION]`.
import type { ChanceSpec } from '../impairment-model.ts';
import { formatPercent, isNumberWord, parsePercent } from '../units.ts';
import { checkPercent, type Words } from './impairment.ts';

export function parseChance(
  keyword: string,
  example: string,
  words: Words,
  problems: string[],
): ChanceSpec | undefined {
  const first = words.next();
  const p = first === undefined ? { error: 'nothing' } : parsePercent(first);
  if ('error' in p) {
    problems.push(
      `${keyword} needs a percentage, got ${first === undefined ? 'nothing' : `'${first}'`}; e.g. ${example}`,
    );
    return undefined;
  }
  let correlation = 0;
  if (isNumberWord(words.peek())) {
    const c = parsePercent(words.next()!);
    if ('error' in c) problems.push(`${keyword} correlation: ${c.error}; e.g. ${example} 25%`);
    else correlation = c.percent;
  }
  return { percent: p.percent, correlation };
}

export function validateChance(keyword: string, example: string, v: ChanceSpec): string[] {
  return [
    ...checkPercent(keyword, v.percent, example),
    ...checkPercent(`${keyword} correlation`, v.correlation, `${example} 25%`),
  ];
}

export function formatChance(keyword: string, v: ChanceSpec): string {
  return `${keyword} ${formatPercent(v.percent)}${v.correlation ? ` ${formatPercent(v.correlation)}` : ''}`;
}

export function netemChance(keyword: string, v: ChanceSpec): string[] {
  return [keyword, formatPercent(v.percent), ...(v.correlation ? [formatPercent(v.correlation)] : [])];
}
