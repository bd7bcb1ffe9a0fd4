// The verdicts of one check as they are decided: each with its points (from the assignment),
// whether it is required, and its evidence; those that could not run say why. The summary (score,
// passed) is computed from them, never kept beside them.

import type { VerdictSpec } from './assignment.ts';
import type { CheckPlan } from './check.ts';
import {
  CHECK_SCHEMA,
  type CheckResult,
  type CheckTimings,
  type SandboxReport,
  type ServerKind,
  type VerdictEvidence,
  type VerdictResult,
} from './check-result.ts';
import type { Outcome } from './context.ts';
import { type VerdictId, verdictEntry } from './verdicts/registry.ts';

export class VerdictLog {
  readonly #plan: CheckPlan;
  readonly #timings: CheckTimings;
  readonly #t0: number;
  readonly #onVerdict?: (v: VerdictResult) => void;
  readonly #results: VerdictResult[] = [];

  constructor(plan: CheckPlan, timings: CheckTimings, t0: number, onVerdict?: (v: VerdictResult) => void) {
    this.#plan = plan;
    this.#timings = timings;
    this.#t0 = t0;
    this.#onVerdict = onVerdict;
  }

  /** The assignment's verdicts not decided yet, in its order. */
  pending(): VerdictSpec[] {
    return this.#plan.spec.verdicts.filter((v) => !this.#results.some((r) => r.id === v.id));
  }

  record(id: VerdictId, outcome: Outcome, evidence?: VerdictEvidence, ms?: number): void {
    // A verdict the check adds itself (compiles) is required and worth nothing.
    const spec = this.#plan.spec.verdicts.find((v) => v.id === id) ?? { id, points: 0, required: true };
    const v: VerdictResult = {
      id,
      name: verdictEntry(id).title,
      status: outcome.status,
      required: spec.required,
      points: outcome.status === 'pass' ? spec.points : 0,
      maxPoints: spec.points,
      reason: outcome.reason,
      ...(outcome.measured ? { measured: outcome.measured } : {}),
      ...(evidence ? { evidence } : {}),
    };
    if (ms !== undefined) this.#timings.verdictMs[id] = Math.round(ms);
    this.#results.push(v);
    this.#onVerdict?.(v);
  }

  /** Every verdict still pending fails, with why it could not run. */
  notRun(why: string): void {
    for (const v of this.pending()) this.record(v.id, { status: 'fail', reason: `not run: ${why}` });
  }

  result(output: string, kind: ServerKind | null, sandbox: SandboxReport | null = null): CheckResult {
    const p = this.#plan;
    const a = p.assignment;
    this.#timings.totalMs = Math.round(performance.now() - this.#t0);
    const results = this.#results;
    return {
      experiment: 'check',
      schema: CHECK_SCHEMA,
      assignment: a.name,
      title: a.title,
      role: p.role,
      program: p.name,
      protocol: a.protocol,
      framing: a.framing,
      port: p.port,
      seed: p.seed,
      profile: p.profile.name,
      backend: p.backend,
      kind,
      score: results.reduce((s, v) => s + (v.status === 'pass' ? v.points : 0), 0),
      maxScore: results.reduce((s, v) => s + v.maxPoints, 0),
      passed: results.every((v) => !v.required || v.status === 'pass'),
      verdicts: results,
      output,
      sandbox,
      timings: this.#timings,
    };
  }
}
