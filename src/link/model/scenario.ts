// Timed scenarios: the link's model over time, one step per line, `TIME SPEC`:
//
//   # flap: the link goes down for 2 s every 10 s
//   0s    delay 10ms
//   8s    outage
//   10s   repeat
//
// TIME is an offset from the scenario's start (`0s`, `1.5s`, `250ms`); SPEC is netem's words for
// both directions, with `up:` and `down:` parts where they differ (`delay 5ms up: loss 10%`), or
// `outage` (the link carries nothing), or `none`. Each step replaces the whole model. An optional
// last line `TIME repeat` starts again from the first step at TIME. Pure: parsing validates
// everything and reports every problem, one line each with its line number.
import { stripComment } from '../../common/data-lines.ts';
import { ImpairmentError } from './impairment-error.ts';
import type { DirectionModel } from './impairment-model.ts';
import { buildLinkModel, formatDirection, validateDirection } from './impairment-text.ts';
import { parseTime } from './units.ts';

export interface ScenarioStep {
  /** Offset from the scenario's start, ms. */
  atMs: number;
  up: DirectionModel;
  down: DirectionModel;
}

export interface Scenario {
  name: string;
  steps: ScenarioStep[];
  /** The period after which the steps start again, or null to stay on the last step. */
  repeatMs: number | null;
}

export const MAX_STEPS = 10_000;
const EXAMPLE = '0s delay 10ms';

/** Splits `delay 5ms up: loss 10% down: none` into its parts: both, up, down. */
function specParts(spec: string): { both?: string; up?: string; down?: string } | string {
  const parts: Record<string, string[]> = {};
  let current = 'both';
  for (const word of spec.split(/\s+/).filter(Boolean)) {
    const marker = /^(up|down):(.*)$/i.exec(word);
    if (marker) {
      current = marker[1]!.toLowerCase();
      if (parts[current])
        return `${current}: is given twice; give each direction once, e.g. up: loss 5% down: delay 10ms`;
      parts[current] = [];
      if (marker[2]) parts[current]!.push(marker[2]);
    } else {
      const words = parts[current] ?? [];
      words.push(word);
      parts[current] = words;
    }
  }
  const text = (k: string): string | undefined => (parts[k] ? parts[k].join(' ') || 'none' : undefined);
  return { both: text('both'), up: text('up'), down: text('down') };
}

export function parseScenario(name: string, text: string): Scenario {
  const problems: string[] = [];
  const steps: ScenarioStep[] = [];
  let repeatMs: number | null = null;
  // The last step's time, whether or not its spec parsed: one bad line is one problem, not many.
  let previous: number | undefined;
  const lines = text.split(/\r?\n|;/);
  for (const [i, raw] of lines.entries()) {
    const line = stripComment(raw).trim();
    if (!line) continue;
    const at = `line ${i + 1}`;
    if (repeatMs !== null) {
      problems.push(`${at}: nothing may follow the repeat line; put 'TIME repeat' last`);
      continue;
    }
    const [timeWord, ...rest] = line.split(/\s+/);
    const time = parseTime(timeWord!);
    if ('error' in time) {
      problems.push(`${at}: a step starts with its time, ${time.error}; e.g. ${EXAMPLE}`);
      continue;
    }
    const spec = rest.join(' ');
    if (previous === undefined && time.ms !== 0 && spec !== 'repeat') {
      problems.push(`${at}: the first step must start at 0s, got ${timeWord}; e.g. ${EXAMPLE}`);
      previous = time.ms;
      continue;
    }
    if (previous !== undefined && time.ms <= previous) {
      problems.push(
        `${at}: times must increase, got ${timeWord} after ${previous} ms; e.g. 0s ... then 2s ...`,
      );
      continue;
    }
    previous = time.ms;
    if (spec === '') {
      problems.push(
        `${at}: ${timeWord} needs what the link does then (netem's words, outage, none or repeat); e.g. ${timeWord} loss 10%`,
      );
      continue;
    }
    if (spec === 'repeat') {
      if (previous === time.ms && steps.length === 0 && problems.length === 0)
        problems.push(`${at}: repeat needs steps before it; e.g. ${EXAMPLE}`);
      repeatMs = time.ms;
      continue;
    }
    const parts = specParts(spec);
    if (typeof parts === 'string') {
      problems.push(`${at}: ${parts}`);
      continue;
    }
    try {
      const model = buildLinkModel({ impair: parts.both, up: parts.up, down: parts.down });
      steps.push({ atMs: time.ms, up: model.up, down: model.down });
    } catch (err) {
      if (!(err instanceof ImpairmentError)) throw err;
      problems.push(...err.problems.map((p) => `${at}: ${p}`));
    }
  }
  if (steps.length === 0 && problems.length === 0)
    problems.push(`no steps: a scenario needs at least one line 'TIME SPEC'; e.g. ${EXAMPLE}`);
  if (steps.length > MAX_STEPS) problems.push(`at most ${MAX_STEPS} steps, got ${steps.length}`);
  if (problems.length > 0) throw new ImpairmentError(problems.map((p) => `scenario ${name}, ${p}`));
  return { name, steps, repeatMs };
}

/** Problems with a scenario built in code or received over the control socket. */
export function validateScenario(s: Scenario): string[] {
  const problems: string[] = [];
  if (!s || !Array.isArray(s.steps) || s.steps.length === 0)
    return [`a scenario needs at least one step; e.g. ${EXAMPLE}`];
  if (s.steps.length > MAX_STEPS) problems.push(`at most ${MAX_STEPS} steps, got ${s.steps.length}`);
  s.steps.forEach((step, i) => {
    if (!Number.isFinite(step.atMs) || step.atMs < 0)
      problems.push(`step ${i + 1}: its time must be 0 or more ms, got ${step.atMs}`);
    if (i === 0 && step.atMs !== 0) problems.push(`step 1 must start at 0 ms, got ${step.atMs}`);
    if (i > 0 && step.atMs <= s.steps[i - 1]!.atMs)
      problems.push(
        `step ${i + 1}: times must increase, got ${step.atMs} ms after ${s.steps[i - 1]!.atMs} ms`,
      );
    for (const d of ['up', 'down'] as const)
      problems.push(...validateDirection(step[d] ?? {}).map((p) => `step ${i + 1}, ${d}: ${p}`));
  });
  if (s.repeatMs !== null && !(Number.isFinite(s.repeatMs) && s.repeatMs > s.steps.at(-1)!.atMs))
    problems.push(`repeat must come after the last step (${s.steps.at(-1)!.atMs} ms), got ${s.repeatMs} ms`);
  return problems;
}

const seconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** One step's SPEC in the scenario's own words. */
export function formatStep(step: Pick<ScenarioStep, 'up' | 'down'>): string {
  const up = formatDirection(step.up);
  const down = formatDirection(step.down);
  return up === down ? up : `up: ${up} down: ${down}`;
}

export function formatScenario(s: Scenario): string {
  const lines = s.steps.map((st) => `${seconds(st.atMs)} ${formatStep(st)}`);
  if (s.repeatMs !== null) lines.push(`${seconds(s.repeatMs)} repeat`);
  return `${lines.join('\n')}\n`;
}
