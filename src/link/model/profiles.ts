// Lab profiles: named link settings in lab/profiles/NAME.profile. A profile is a few `key: value`
// lines (impair, up, down, seed, scenario) with # comments; the first comment describes it. A
// scenario (a name from lab/scenarios/, or steps) makes the link change over time. Lines for one
// client's own path (`client2: loss 30%`, `client3 up: delay 250ms`) apply to labs that have it.
// Parsing is pure and validates the impairments, so a bad profile fails before a lab is touched.
import { existsSync, readFileSync } from 'node:fs';
import { labDir, namesIn } from '../../common/data-files.ts';
import { SocklabError } from '../../common/errors.ts';
import { addClientPath, isClientKey } from './client-paths.ts';
import { ImpairmentError } from './impairment-error.ts';
import type { LinkModel } from './impairment-model.ts';
import { buildLinkModel, type PathInput } from './impairment-text.ts';
import type { Scenario } from './scenario.ts';
import { loadScenario } from './scenario-file.ts';

export const PROFILE_DIR = labDir('profiles');
const KEYS = ['impair', 'up', 'down', 'seed', 'scenario'] as const;

export interface Profile {
  name: string;
  description: string;
  model: LinkModel;
  scenario?: Scenario;
}

export function parseProfile(name: string, text: string): Profile {
  const fields: Record<string, string> = {};
  const clients: Record<string, PathInput> = {};
  let description = '';
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line.startsWith('#')) {
      // The comment above the settings describes the profile.
      if (Object.keys(fields).length === 0)
        description += `${description ? ' ' : ''}${line.replace(/^#\s*/, '')}`;
      continue;
    }
    if (!line) continue;
    const m = /^(\w+(?:\s+\w+)?)\s*:\s*(.*)$/.exec(line);
    if (m && isClientKey(m[1]!)) {
      const bad = addClientPath(clients, line);
      if (bad) throw new SocklabError('profile.invalid', `profile ${name}, line ${i + 1}: ${bad}`);
      continue;
    }
    if (!m || !(KEYS as readonly string[]).includes(m[1]!)) {
      throw new SocklabError(
        'profile.invalid',
        `profile ${name}, line ${i + 1}: expected one of ${KEYS.join(', ')} (or a client's path, client2: SPEC) followed by ':', got '${line}'; e.g. impair: delay 40ms loss 5%`,
      );
    }
    fields[m[1]!] = m[2]!;
  }
  const seed = fields.seed === undefined ? undefined : Number(fields.seed);
  try {
    return {
      name,
      description,
      model: buildLinkModel({
        impair: fields.impair,
        up: fields.up,
        down: fields.down,
        seed,
        ...(Object.keys(clients).length > 0 ? { paths: clients } : {}),
      }),
      ...(fields.scenario ? { scenario: loadScenario(fields.scenario) } : {}),
    };
  } catch (err) {
    if (err instanceof ImpairmentError || err instanceof SocklabError)
      throw new SocklabError('profile.invalid', `profile ${name}: ${err.message}`);
    throw err;
  }
}

export function profileNames(): string[] {
  return namesIn(PROFILE_DIR, '.profile');
}

/** A profile by name (lab/profiles/NAME.profile) or by path to a .profile file. */
export function loadProfile(nameOrPath: string): Profile {
  const path = nameOrPath.endsWith('.profile') ? nameOrPath : `${PROFILE_DIR}${nameOrPath}.profile`;
  if (!/^[\w.\-/]+$/.test(nameOrPath) || !existsSync(path)) {
    throw new SocklabError(
      'profile.not-found',
      `no profile '${nameOrPath}': the profiles are ${profileNames().join(', ')} (lab/profiles/), or give a path to a .profile file`,
    );
  }
  return parseProfile(nameOrPath.replace(/^.*\//, '').replace(/\.profile$/, ''), readFileSync(path, 'utf8'));
}
