// The lab's profiles: every shipped one parses and means what its comment says.
import { describe, expect, it } from 'vitest';
import { expectedLoss } from '../../../src/link/model/impairment-model.ts';
import { loadProfile, parseProfile, profileNames } from '../../../src/link/model/profiles.ts';

describe('profiles', () => {
  it('ships clean, lossy-wifi, satellite, congested and bursty, each described', () => {
    expect(profileNames()).toEqual(['bursty', 'clean', 'congested', 'lossy-wifi', 'pinger-lab', 'satellite']);
    for (const name of profileNames())
      expect(loadProfile(name).description).toMatch(new RegExp(`^${name}: `));
  });

  it('bursty is Gilbert–Elliott with about 11% long-run loss', () => {
    const { model } = loadProfile('bursty');
    expect(model.up.loss?.model).toBe('gemodel');
    expect(expectedLoss(model.up)).toBeCloseTo(0.8 * (5 / 35), 5);
  });

  it('satellite delays a quarter second each way; congested limits only the uplink', () => {
    expect(loadProfile('satellite').model.down.delay?.ms).toBe(250);
    const c = loadProfile('congested').model;
    expect(c.up.rate?.bps).toBe(2_000_000);
    expect(c.down.rate).toBeUndefined();
  });

  it('refuses a bad line or a bad impairment with the line and the rule', () => {
    expect(() => parseProfile('x', 'impair: loss 5%\nspeed: fast')).toThrow(
      /profile x, line 2: expected one of impair, up, down, seed/,
    );
    expect(() => parseProfile('x', 'impair: loss 500%')).toThrow(/profile x: loss must be 0–100%, got 500%/);
    expect(() => loadProfile('moon')).toThrow(/no profile 'moon': the profiles are bursty, clean/);
  });
});
