// The error catalogue: every code has its exit code and cause, and the errors socklab raises carry
// codes from it (asserted here by code, never by their English).
import { describe, expect, it } from 'vitest';
import { ERRORS, isErrorCode, SocklabError } from '../../src/common/errors.ts';
import { loadAssignment, parseAssignment } from '../../src/grading/assignment.ts';
import { startLab } from '../../src/lab/start-lab.ts';
import { LinkControl } from '../../src/link/control/control-client.ts';
import { buildLinkModel } from '../../src/link/model/impairment-text.ts';
import { loadProfile } from '../../src/link/model/profiles.ts';
import { parseScenario } from '../../src/link/model/scenario.ts';
import { loadScenario } from '../../src/link/model/scenario-file.ts';

const codeOf = async (f: () => unknown): Promise<string> => {
  try {
    await f();
  } catch (err) {
    expect(err).toBeInstanceOf(SocklabError);
    return (err as SocklabError).code;
  }
  throw new Error('it did not fail');
};

describe('the error catalogue', () => {
  it('has, for every code, a namespace, an exit code of 1 or 2, and a cause', () => {
    for (const [code, e] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^[a-z]+\.[a-z-]+$/);
      expect([1, 2]).toContain(e.exit);
      expect(e.cause.length).toBeGreaterThan(10);
    }
    expect(isErrorCode('lab.not-running')).toBe(true);
    expect(isErrorCode('ETIMEDOUT')).toBe(false);
  });

  it('is what socklab raises, with the exit code the catalogue gives', async () => {
    expect(await codeOf(() => buildLinkModel({ impair: 'loss 140%' }))).toBe('impairment.invalid');
    expect(await codeOf(() => parseScenario('t', '1s loss 5%'))).toBe('impairment.invalid');
    expect(await codeOf(() => loadScenario('no-such-scenario'))).toBe('scenario.not-found');
    expect(await codeOf(() => loadProfile('moon'))).toBe('profile.not-found');
    expect(await codeOf(() => loadAssignment('moon'))).toBe('assignment.not-found');
    expect(await codeOf(() => parseAssignment('x', 'protocol: sctp\n'))).toBe('assignment.invalid');
    expect(await codeOf(() => startLab({ project: 'Bad Name' }))).toBe('usage.invalid');
    expect(new SocklabError('lab.ambiguous', 'x').exitCode).toBe(2);
    expect(new SocklabError('docker.no-engine', 'x').exitCode).toBe(1);
  });

  it("carries linkd's own code across the control socket", async () => {
    const control = new LinkControl(async () =>
      JSON.stringify({ ok: false, error: 'loss must be 0–100%, got 140%', code: 'impairment.invalid' }),
    );
    expect(
      await codeOf(() => control.call({ cmd: 'set', impair: { loss: { percent: 140 } } as never })),
    ).toBe('impairment.invalid');
    const odd = new LinkControl(async () => 'not json');
    expect(await codeOf(() => odd.call({ cmd: 'show' }))).toBe('link.bad-reply');
  });
});
