// The text form, in netem's words: `delay 40ms 10ms distribution normal loss 10% rate 1mbit`.
// Parsing and validation happen before anything is applied, and report every problem at once.

import { ImpairmentError } from './impairment-error.ts';
import { DEFAULT_SEED, type DirectionModel, type LinkModel } from './impairment-model.ts';
import { type Impairment, Words } from './impairments/impairment.ts';
import { IMPAIRMENTS, impairmentByKeyword, KEYWORDS } from './impairments/registry.ts';

/** Parses one direction's impairment; throws ImpairmentError listing every problem. */
export function parseDirection(text: string): DirectionModel {
  const words = new Words(
    text
      .trim()
      .split(/\s+/)
      .filter((w) => w !== ''),
  );
  const problems: string[] = [];
  const model: Record<string, unknown> = {};
  for (let word = words.next(); word !== undefined; word = words.next()) {
    const imp = impairmentByKeyword(word.toLowerCase());
    if (!imp) {
      problems.push(
        `unknown impairment '${word}': the impairments are ${KEYWORDS.join(', ')}; e.g. delay 40ms loss 10%`,
      );
      break;
    }
    if (model[imp.key] !== undefined) {
      problems.push(`${imp.keyword} is given twice; give it once, e.g. ${imp.example}`);
      break;
    }
    const value = imp.parse(words, problems);
    if (value === undefined) break;
    model[imp.key] = value;
  }
  if (problems.length > 0) throw new ImpairmentError(problems);
  const parsed = model as DirectionModel;
  assertValidDirection(parsed);
  return parsed;
}

/** Problems with a direction's model, whether it was parsed or built in code. */
export function validateDirection(m: DirectionModel): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(m)) {
    if (!IMPAIRMENTS.some((i) => i.key === key)) {
      problems.push(
        `unknown impairment '${key}': the impairments are ${IMPAIRMENTS.map((i) => i.key).join(', ')}`,
      );
    }
  }
  for (const imp of IMPAIRMENTS as Impairment<keyof DirectionModel>[]) {
    const value = m[imp.key];
    if (value !== undefined) problems.push(...imp.validate(value as never));
  }
  if (m.reorder && m.reorder.percent > 0 && !(m.delay && m.delay.ms > 0)) {
    problems.push(
      'reorder needs a delay: packets sent at once overtake only delayed ones; e.g. delay 10ms reorder 25%',
    );
  }
  return problems;
}

export function assertValidDirection(m: DirectionModel): void {
  const problems = validateDirection(m);
  if (problems.length > 0) throw new ImpairmentError(problems);
}

export function formatDirection(m: DirectionModel): string {
  const parts = (IMPAIRMENTS as Impairment<keyof DirectionModel>[])
    .filter((imp) => m[imp.key] !== undefined)
    .map((imp) => imp.format(m[imp.key] as never));
  return parts.length > 0 ? parts.join(' ') : 'none';
}

/** `none`, `clean` or an empty string mean no impairment. */
export function parseDirectionOrNone(text: string | undefined): DirectionModel {
  const t = (text ?? '').trim();
  return t === '' || t === 'none' || t === 'clean' ? {} : parseDirection(t);
}

export interface LinkModelInput {
  /** Both directions. */
  impair?: string | DirectionModel;
  /** Client to server; fields given here replace those of `impair`. */
  up?: string | DirectionModel;
  /** Server to client. */
  down?: string | DirectionModel;
  seed?: number;
}

function direction(input: string | DirectionModel | undefined): DirectionModel {
  if (input === undefined) return {};
  if (typeof input === 'string') return parseDirectionOrNone(input);
  assertValidDirection(input);
  return input;
}

/** The whole link's model from its parts; validates everything before returning. */
export function buildLinkModel(input: LinkModelInput): LinkModel {
  const problems: string[] = [];
  const attempt = (what: string, x: string | DirectionModel | undefined): DirectionModel => {
    try {
      return direction(x);
    } catch (err) {
      if (!(err instanceof ImpairmentError)) throw err;
      problems.push(...err.problems.map((p) => (what ? `${what}: ${p}` : p)));
      return {};
    }
  };
  const both = attempt('', input.impair);
  const up = attempt('up', input.up);
  const down = attempt('down', input.down);
  const seed = input.seed ?? DEFAULT_SEED;
  if (!(Number.isSafeInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
    problems.push(`seed must be a whole number 0–4294967295, got ${seed}; e.g. seed 42`);
  }
  if (problems.length > 0) throw new ImpairmentError(problems);
  const merged = (d: DirectionModel): DirectionModel => {
    const m = { ...both, ...d };
    assertValidDirection(m);
    return m;
  };
  return { up: merged(up), down: merged(down), seed };
}

export function formatLinkModel(m: LinkModel): string {
  return `up: ${formatDirection(m.up)}; down: ${formatDirection(m.down)}; seed ${m.seed}`;
}
