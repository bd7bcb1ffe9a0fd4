// The link a command's flags describe: a profile, or --impair/--up/--down (not both), plus a
// scenario; and how results are printed (JSON or text).
import { SocklabError } from '../common/errors.ts';
import { type ParsedLinkInput, parseLinkInput } from '../link/model/impairment-text.ts';
import { loadProfile } from '../link/model/profiles.ts';
import type { Scenario } from '../link/model/scenario.ts';
import { loadScenario } from '../link/model/scenario-file.ts';

export interface LinkFlags {
  impair?: string;
  up?: string;
  down?: string;
  seed?: number;
  profile?: string;
  scenario?: string;
}

/**
 * The model the flags give, parsed here once (netem's words become models at the edge), and the
 * scenario (--scenario, or the profile's).
 */
export function linkInput(spec: string | undefined, o: LinkFlags): ParsedLinkInput & { scenario?: Scenario } {
  const impair = spec ?? o.impair;
  const scenario = o.scenario ? loadScenario(o.scenario) : undefined;
  if (!o.profile) return { ...parseLinkInput({ impair, up: o.up, down: o.down, seed: o.seed }), scenario };
  if (impair !== undefined || o.up !== undefined || o.down !== undefined)
    throw new SocklabError(
      'usage.invalid',
      'give either --profile or an impairment (--impair/--up/--down), not both; e.g. --profile satellite',
    );
  const profile = loadProfile(o.profile);
  return {
    up: profile.model.up,
    down: profile.model.down,
    seed: o.seed ?? profile.model.seed,
    scenario: scenario ?? profile.scenario,
  };
}

export const print = (json: boolean | undefined, data: unknown, text: string): void => {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${text}\n`);
};
