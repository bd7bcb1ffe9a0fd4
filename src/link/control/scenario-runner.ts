// Runs a timed scenario on linkd's monotonic clock: applies each step's model when its time
// comes, loops when the scenario repeats, and says which step is active and when the next begins.
// Deadlines are computed from the scenario's start, so steps do not drift however late a timer fires.
import type { DirectionModel } from '../model/impairment-model.ts';
import { formatStep, type Scenario } from '../model/scenario.ts';

export interface ScenarioStatus {
  name: string;
  /** The active step, from 1. */
  step: number;
  steps: number;
  /** The active step in the scenario's words. */
  text: string;
  /** How many times the scenario has started over (0 on the first pass). */
  cycle: number;
  /** Since the scenario started, and since the active step began, ms. */
  elapsedMs: number;
  sinceMs: number;
  /** The step after this one (from 1) and when it begins, or null when the last step stays. */
  next: { step: number; inMs: number; text: string } | null;
}

export type ApplyStep = (step: { up: DirectionModel; down: DirectionModel }, index: number) => void;

export class ScenarioRunner {
  readonly #apply: ApplyStep;
  readonly #now: () => number;
  #scenario: Scenario | null = null;
  #start = 0;
  #cycle = 0;
  #index = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(apply: ApplyStep, now: () => number = () => performance.now()) {
    this.#apply = apply;
    this.#now = now;
  }

  get active(): boolean {
    return this.#scenario !== null;
  }

  /** Starts `scenario` now (its first step at once), replacing any that runs. */
  start(scenario: Scenario): void {
    this.stop();
    this.#scenario = scenario;
    this.#start = this.#now();
    this.#cycle = 0;
    this.#enter(0);
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#scenario = null;
  }

  status(): ScenarioStatus | null {
    const s = this.#scenario;
    if (!s) return null;
    const now = this.#now();
    const cycleStart = this.#start + this.#cycle * (s.repeatMs ?? 0);
    const step = s.steps[this.#index]!;
    const next = this.#nextDeadline();
    return {
      name: s.name,
      step: this.#index + 1,
      steps: s.steps.length,
      text: formatStep(step),
      cycle: this.#cycle,
      elapsedMs: Math.round(now - this.#start),
      sinceMs: Math.round(now - (cycleStart + step.atMs)),
      next: next
        ? {
            step: next.index + 1,
            inMs: Math.max(0, Math.round(next.at - now)),
            text: formatStep(s.steps[next.index]!),
          }
        : null,
    };
  }

  /** The next step and its deadline on the clock, or null when the last step stays. */
  #nextDeadline(): { index: number; at: number } | null {
    const s = this.#scenario!;
    const cycleStart = this.#start + this.#cycle * (s.repeatMs ?? 0);
    if (this.#index + 1 < s.steps.length)
      return { index: this.#index + 1, at: cycleStart + s.steps[this.#index + 1]!.atMs };
    if (s.repeatMs === null) return null;
    return { index: 0, at: cycleStart + s.repeatMs };
  }

  #enter(index: number): void {
    const s = this.#scenario!;
    this.#index = index;
    this.#apply(s.steps[index]!, index);
    const next = this.#nextDeadline();
    if (!next) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        if (this.#scenario !== s) return;
        if (next.index === 0) this.#cycle++;
        this.#enter(next.index);
      },
      Math.max(0, next.at - this.#now()),
    );
    this.#timer.unref();
  }
}

/** `scenario flap: step 2/2 (outage) for 1.2 s; next: step 1 (delay 10ms) in 0.8 s`. */
export function formatScenarioStatus(s: ScenarioStatus): string {
  const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const next = s.next ? `; next: step ${s.next.step} (${s.next.text}) in ${secs(s.next.inMs)}` : '; it stays';
  return `scenario ${s.name}: step ${s.step}/${s.steps} (${s.text}) for ${secs(s.sinceMs)}${next}`;
}
