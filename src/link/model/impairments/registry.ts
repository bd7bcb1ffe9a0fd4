// Every impairment, by keyword, in the order netem prints them. The parser, the validator, the
// text form, the netem engine and the CLI's choices all come from this list.
import { corrupt } from './corrupt.ts';
import { delay } from './delay.ts';
import { duplicate } from './duplicate.ts';
import type { Impairment } from './impairment.ts';
import { limit } from './limit.ts';
import { loss } from './loss.ts';
import { outage } from './outage.ts';
import { rate } from './rate.ts';
import { reorder } from './reorder.ts';
import { trace } from './trace.ts';

export const IMPAIRMENTS: readonly Impairment[] = [
  limit,
  delay,
  loss,
  duplicate,
  reorder,
  corrupt,
  rate,
  trace,
  outage,
] as Impairment[];

export const impairmentByKeyword = (word: string): Impairment | undefined =>
  IMPAIRMENTS.find((i) => i.keyword === word);

export const KEYWORDS: readonly string[] = IMPAIRMENTS.map((i) => i.keyword);
