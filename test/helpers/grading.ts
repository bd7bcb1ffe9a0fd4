// Judging fixtures: each program is checked in a lab of its own (the netns backend: root, no
// Docker) and must fail exactly the verdicts named, passing every other.
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/grading/check.ts';
import type { CheckResult } from '../../src/grading/check-result.ts';
import { netnsUnavailable } from '../../src/lab/netns-lab.ts';
import type { Backend } from '../../src/lab/started-lab.ts';
import { ROOT } from './programs.ts';

export const fixture = (name: string): string => `${ROOT}test/fixtures/grading/${name}`;
export const textbook = (name: string): string => `${ROOT}lab/textbook/${name}`;

export interface Case {
  assignment: string;
  role: 'server' | 'client';
  file: string;
  /** The verdicts it must fail (by id); every other must pass. */
  fails: string[];
}

/** Checks a program and asserts which verdicts failed, with the reasons in the message. */
export async function expectVerdicts(c: Case, backend: Backend = 'netns'): Promise<CheckResult> {
  const r = await runCheck({ assignment: c.assignment, role: c.role, file: c.file, backend });
  const failed = r.verdicts.filter((v) => v.status !== 'pass').map((v) => v.id);
  const why = r.verdicts.map((v) => `${v.status} ${v.id}: ${v.reason}`).join('\n');
  expect(failed, why).toEqual(c.fails);
  const requiredFailed = r.verdicts.some((v) => v.required && v.status !== 'pass');
  expect(r.passed, why).toBe(!requiredFailed);
  return r;
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
