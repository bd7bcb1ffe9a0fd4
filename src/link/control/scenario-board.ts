// The scenarios that run on a link: at most one on every client's path, and one per client on
// that client's own. A step of the first sets every path (as a `set` without a client does); a
// step of a client's sets its path alone. Stopping the first (a `set` for every path) stops them all.
import type { DirectionModel } from '../model/impairment-model.ts';
import type { Scenario } from '../model/scenario.ts';
import { ScenarioRunner, type ScenarioStatus } from './scenario-runner.ts';

export type ApplyPathStep = (
  step: { up: DirectionModel; down: DirectionModel },
  index: number,
  status: ScenarioStatus | null,
  client: string | undefined,
) => void;

export class ScenarioBoard {
  readonly #apply: ApplyPathStep;
  readonly #now?: () => number;
  readonly #all: ScenarioRunner;
  readonly #own = new Map<string, ScenarioRunner>();

  constructor(apply: ApplyPathStep, now?: () => number) {
    this.#apply = apply;
    this.#now = now;
    this.#all = this.#runner(undefined);
  }

  #runner(client: string | undefined): ScenarioRunner {
    const runner: ScenarioRunner = new ScenarioRunner(
      (step, index) => this.#apply(step, index, runner.status(), client),
      this.#now,
    );
    return runner;
  }

  /** Starts a scenario on every path, or on one client's (replacing what ran there). */
  start(scenario: Scenario, client?: string): void {
    if (client === undefined) {
      this.stop();
      this.#all.start(scenario);
      return;
    }
    let r = this.#own.get(client);
    if (!r) {
      r = this.#runner(client);
      this.#own.set(client, r);
    }
    r.start(scenario);
  }

  /** Stops the scenario of one client's path, or (no client) every scenario. */
  stop(client?: string): void {
    if (client !== undefined) {
      this.#own.get(client)?.stop();
      return;
    }
    this.#all.stop();
    for (const r of this.#own.values()) r.stop();
  }

  /** The scenario on every path. */
  status(): ScenarioStatus | null {
    return this.#all.status();
  }

  /** The scenarios on one client's path, by client; undefined when none runs. */
  clientStatuses(): Record<string, ScenarioStatus> | undefined {
    const out: Record<string, ScenarioStatus> = {};
    for (const [client, r] of this.#own) {
      const s = r.status();
      if (s) out[client] = s;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  /** The scenario on one client's path, or (no client) on every path. */
  statusOf(client?: string): ScenarioStatus | null {
    return client === undefined ? this.status() : (this.#own.get(client)?.status() ?? null);
  }
}
