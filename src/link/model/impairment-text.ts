// The text form, in netem's words: `delay 40ms 10ms distribution normal loss 10% rate 1mbit`.
// Parsing and validation happen before anything is applied, and report every problem at once.

import {
  EVENT_SYNTAX,
  type EventAction,
  type EventRule,
  formatEventRule,
  parseEventRule,
  startsEventRule,
  validateEventRules,
} from './event-rules.ts';
import { ImpairmentError } from './impairment-error.ts';
import {
  clientIndex,
  DEFAULT_SEED,
  type Direction,
  type DirectionModel,
  type LinkModel,
  MAX_CLIENTS,
} from './impairment-model.ts';
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
  const events: EventRule[] = [];
  for (let word = words.next(); word !== undefined; word = words.next()) {
    const lower = word.toLowerCase();
    if (startsEventRule(lower, words.peek()?.toLowerCase())) {
      const rule = parseEventRule(lower as EventAction, words, problems);
      if (rule === undefined) break;
      events.push(rule);
      continue;
    }
    if (lower === 'drop') {
      problems.push(`drop needs a protocol and an event: ${EVENT_SYNTAX}; e.g. drop tcp syn-ack #1`);
      break;
    }
    const imp = impairmentByKeyword(lower);
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
  if (events.length > 0) model.events = events;
  if (problems.length > 0) throw new ImpairmentError(problems);
  const parsed = model as DirectionModel;
  assertValidDirection(parsed);
  return parsed;
}

/** Problems with a direction's model, whether it was parsed or built in code. */
export function validateDirection(m: DirectionModel): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(m)) {
    if (key === 'events') continue;
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
  if (m.events !== undefined) {
    if (Array.isArray(m.events)) problems.push(...validateEventRules(m.events));
    else
      problems.push(
        `events must be a list of rules, e.g. [${JSON.stringify({ action: 'drop', proto: 'tcp', event: 'syn-ack', n: 1 })}]`,
      );
  }
  if (m.rate && m.trace)
    problems.push(`give rate or trace, not both: a trace is the link's rate; e.g. trace ${m.trace.name}`);
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
  for (const r of m.events ?? []) parts.push(formatEventRule(r));
  return parts.length > 0 ? parts.join(' ') : 'none';
}

/** `none`, `clean` or an empty string mean no impairment. */
export function parseDirectionOrNone(text: string | undefined): DirectionModel {
  const t = (text ?? '').trim();
  return t === '' || t === 'none' || t === 'clean' ? {} : parseDirection(t);
}

/** One path's parts: both directions, and each direction's own fields on top. */
export interface PathInput {
  /** Both directions. */
  impair?: string | DirectionModel;
  /** Client to server; fields given here replace those of `impair`. */
  up?: string | DirectionModel;
  /** Server to client. */
  down?: string | DirectionModel;
}

export interface LinkModelInput extends PathInput {
  seed?: number;
  /**
   * Paths of their own, by client name (`client2: { impair: 'loss 30%' }`): a direction a client
   * names replaces, for that client only, what the lines above say.
   */
  paths?: Record<string, PathInput>;
}

export interface ParsedPath {
  impair?: DirectionModel;
  up?: DirectionModel;
  down?: DirectionModel;
}

/** A LinkModelInput whose text has been parsed: the parts as models, each validated. */
export interface ParsedLinkInput extends ParsedPath {
  seed?: number;
  paths?: Record<string, ParsedPath>;
}

/** What is wrong with a client's name in a model (the lab's own count is linkd's to check). */
export function clientNameProblem(name: string): string | null {
  const i = clientIndex(name);
  return i >= 0 && i < MAX_CLIENTS
    ? null
    : `'${name}' is not a client's name: the clients are client, client2, ... client${MAX_CLIENTS}; e.g. client2`;
}

function direction(input: string | DirectionModel): DirectionModel {
  if (typeof input === 'string') return parseDirectionOrNone(input);
  assertValidDirection(input);
  return input;
}

/**
 * Parses the text of each part once (at the edge: a flag, a profile line, a request) and
 * validates the models; every problem of every part is reported at once.
 */
export function parseLinkInput(input: LinkModelInput): ParsedLinkInput {
  const problems: string[] = [];
  const out: ParsedLinkInput = parsePath(input, '', problems);
  for (const [name, path] of Object.entries(input.paths ?? {})) {
    const bad = clientNameProblem(name);
    if (bad) problems.push(bad);
    else {
      out.paths ??= {};
      out.paths[name] = parsePath(path, `${name} `, problems);
    }
  }
  if (input.seed !== undefined) {
    if (!(Number.isSafeInteger(input.seed) && input.seed >= 0 && input.seed <= 0xffffffff))
      problems.push(`seed must be a whole number 0–4294967295, got ${input.seed}; e.g. seed 42`);
    out.seed = input.seed;
  }
  if (problems.length > 0) throw new ImpairmentError(problems);
  return out;
}

function parsePath(input: PathInput, label: string, problems: string[]): ParsedPath {
  const out: ParsedPath = {};
  for (const what of ['impair', 'up', 'down'] as const) {
    const x = input[what];
    if (x === undefined) continue;
    try {
      out[what] = direction(x);
    } catch (err) {
      if (!(err instanceof ImpairmentError)) throw err;
      const where = what === 'impair' ? label.trim() : `${label}${what}`;
      problems.push(...err.problems.map((p) => (where ? `${where}: ${p}` : p)));
    }
  }
  return out;
}

/** One direction of a path: its own fields on top of both directions'; undefined when neither is named. */
export function pathDirection(p: ParsedPath, dir: Direction): DirectionModel | undefined {
  if (p.impair === undefined && p[dir] === undefined) return undefined;
  const m = { ...p.impair, ...p[dir] };
  assertValidDirection(m);
  return m;
}

/** The whole link's model from its parts; validates everything before returning. */
export function buildLinkModel(input: LinkModelInput): LinkModel {
  const parsed = parseLinkInput(input);
  const model: LinkModel = {
    up: pathDirection(parsed, 'up') ?? {},
    down: pathDirection(parsed, 'down') ?? {},
    seed: parsed.seed ?? DEFAULT_SEED,
  };
  for (const [name, path] of Object.entries(parsed.paths ?? {})) {
    const own: Partial<Record<Direction, DirectionModel>> = {};
    for (const dir of ['up', 'down'] as const) {
      const m = pathDirection(path, dir);
      if (m) own[dir] = m;
    }
    if (Object.keys(own).length > 0) {
      model.paths ??= {};
      model.paths[name] = own;
    }
  }
  return model;
}

/** A model as the parts that build it: to validate a model that came over a socket. */
export function modelInput(m: LinkModel): LinkModelInput {
  return {
    up: m.up,
    down: m.down,
    seed: m.seed,
    ...(m.paths ? { paths: Object.fromEntries(Object.entries(m.paths).map(([k, c]) => [k, { ...c }])) } : {}),
  };
}

/** The clients' own paths in words, `;`-separated: `client2 up: loss 30%; client3 down: delay 250ms` ('' for none). */
export function formatClientPaths(clients: LinkModel['paths']): string {
  return Object.entries(clients ?? {})
    .flatMap(([name, c]) =>
      (['up', 'down'] as const).filter((d) => c[d]).map((d) => `${name} ${d}: ${formatDirection(c[d]!)}`),
    )
    .join('; ');
}

/** `up: …; down: …; seed N`, with each client's own path after the lab's (`client2 up: loss 30%`). */
export function formatLinkModel(m: LinkModel): string {
  const own = formatClientPaths(m.paths);
  return `up: ${formatDirection(m.up)}; down: ${formatDirection(m.down)}${own ? `; ${own}` : ''}; seed ${m.seed}`;
}
