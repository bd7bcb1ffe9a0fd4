// A verdict: one property, checked, with the reason in numbers. `skip` says why the property does
// not apply to this run (no loss set, say); only `fail` makes a run fail.

export type VerdictStatus = 'pass' | 'fail' | 'skip';

export interface Verdict {
  name: string;
  status: VerdictStatus;
  reason: string;
}

export const pass = (name: string, reason: string): Verdict => ({ name, status: 'pass', reason });
export const fail = (name: string, reason: string): Verdict => ({ name, status: 'fail', reason });
export const skip = (name: string, reason: string): Verdict => ({ name, status: 'skip', reason });
export const check = (name: string, ok: boolean, reason: string): Verdict => (ok ? pass : fail)(name, reason);

export function allPassed(verdicts: Verdict[]): boolean {
  return verdicts.every((v) => v.status !== 'fail');
}
