import { formatChance, netemChance, parseChance, validateChance } from './chance.ts';
import type { Impairment } from './impairment.ts';

const EXAMPLE = 'duplicate 1%';

export const duplicate: Impairment<'duplicate'> = {
  key: 'duplicate',
  keyword: 'duplicate',
  syntax: 'duplicate PERCENT [CORRELATION]',
  example: EXAMPLE,
  summary: 'send a second copy of some packets',
  parse: (words, problems) => parseChance('duplicate', EXAMPLE, words, problems),
  validate: (v) => validateChance('duplicate', EXAMPLE, v),
  format: (v) => formatChance('duplicate', v),
  netem: (v) => netemChance('duplicate', v),
};
