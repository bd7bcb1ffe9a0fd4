import { formatChance, netemChance, parseChance, validateChance } from './chance.ts';
import type { Impairment } from './impairment.ts';

const EXAMPLE = 'corrupt 0.1%';

export const corrupt: Impairment<'corrupt'> = {
  key: 'corrupt',
  keyword: 'corrupt',
  syntax: 'corrupt PERCENT [CORRELATION]',
  example: EXAMPLE,
  summary: 'flip one random bit of the IP packet (the receiver’s checksum should catch it)',
  parse: (words, problems) => parseChance('corrupt', EXAMPLE, words, problems),
  validate: (v) => validateChance('corrupt', EXAMPLE, v),
  format: (v) => formatChance('corrupt', v),
  netem: (v) => netemChance('corrupt', v),
};
