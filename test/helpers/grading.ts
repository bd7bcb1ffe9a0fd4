// Judging fixtures: each program is checked in a lab of its own (the netns backend: root, no
// Docker) and must fail exactly the verdicts named, passing every other.
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/grading/check.ts';
import type { CheckResult, VerdictResult } from '../../src/grading/check-result.ts';
import { netnsUnavailable } from '../../src/lab/netns/netns-lab.ts';
import type { Backend, StartedLab } from '../../src/lab/started-lab.ts';
import { ROOT } from '../support/programs.ts';

export const fixture = (name: string): string => `${ROOT}test/fixtures/grading/${name}`;
export const textbook = (name: string): string => `${ROOT}lab/textbook/${name}`;
/** A course's own assignment file (test/fixtures/assignments/NAME.yaml). */
export const courseAssignment = (name: string): string => `${ROOT}test/fixtures/assignments/${name}.yaml`;

export interface Case {
  assignment: string;
  role: 'server' | 'client';
  file: string;
  /** The verdicts it must fail (by id); every other must pass. */
  fails: string[];
  /**
   * Verdicts its one bug may also fail, by the lossy link's chance (the same bug met at random):
   * allowed either way, and said why where the case is written.
   */
  mayFail?: string[];
  /** What some verdicts' reasons must say (the rule they applied, how they counted). */
  reasons?: Record<string, RegExp>;
}

/** Checks a program (in a lab of its own, or in `lab`) and asserts which verdicts failed, with the reasons in the message. */
export async function expectVerdicts(
  c: Case,
  backend: Backend = 'netns',
  lab?: StartedLab,
): Promise<CheckResult> {
  const r = await runCheck({ assignment: c.assignment, role: c.role, file: c.file, backend, lab });
  const mayFail = c.mayFail ?? [];
  const failed = r.verdicts.filter((v) => v.status !== 'pass' && !mayFail.includes(v.id)).map((v) => v.id);
  const why = r.verdicts.map(explain([...c.fails, ...mayFail])).join('\n');
  expect(failed, why).toEqual(c.fails);
  const requiredFailed = r.verdicts.some((v) => v.required && v.status !== 'pass');
  expect(r.passed, why).toBe(!requiredFailed);
  for (const [id, pattern] of Object.entries(c.reasons ?? {}))
    expect(r.verdicts.find((v) => v.id === id)?.reason, why).toMatch(pattern);
  return r;
}

/** A verdict in a line; one that failed unexpectedly also with its times, exchange and link record. */
function explain(expectedFails: string[]) {
  return (v: VerdictResult): string => {
    const line = `${v.status} ${v.id}: ${v.reason}`;
    if (v.status === 'pass' || expectedFails.includes(v.id)) return line;
    const e = v.evidence;
    const link = (e?.link ?? []).map(
      (p) =>
        `  ${p.t.toFixed(1)} ${p.dir} ${p.proto} ${p.sport}→${p.dport} ${p.flags ?? ''} ${p.plen} B ${p.fate}`,
    );
    return [
      line,
      `  measured: ${JSON.stringify(v.measured ?? {})}`,
      ...(e?.exchange ?? []).map((x) => `  ${x.at.toFixed(1)} ${x.actor} ${x.what} ${x.text}`),
      ...link,
      `  output: ${e?.output ?? ''}`,
    ].join('\n');
  };
}

const unavailable = await netnsUnavailable();

/** A table of cases, each checked on the netns backend (skipped, with the reason, without root). */
export function gradingCases(title: string, cases: [string, Case][]): void {
  describe.skipIf(unavailable !== null)(`${title}${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
    it.each(cases)(
      '%s',
      async (_name, c) => {
        await expectVerdicts(c);
      },
      120_000,
    );
  });
}
