// The link a command's flags describe: a profile, or --impair/--up/--down (not both), clients' own
// paths (--paths, or the profile's lines), plus a scenario; and how results are printed.
import { SocklabError } from '../common/errors.ts';
import { parseClientPaths } from '../link/model/client-paths.ts';
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
  /** Clients' own paths: `client2: loss 30%; client3 down: delay 250ms`. */
  paths?: string;
}

/**
 * The model the flags give, parsed here once (netem's words become models at the edge), and the
 * scenario (--scenario, or the profile's).
 */
export function linkInput(spec: string | undefined, o: LinkFlags): ParsedLinkInput & { scenario?: Scenario } {
  const impair = spec ?? o.impair;
  const scenario = o.scenario ? loadScenario(o.scenario) : undefined;
  const given = o.paths === undefined ? {} : parseLinkInput({ paths: parseClientPaths(o.paths) }).paths;
  const paths = (more: ParsedLinkInput['paths']) =>
    more || Object.keys(given ?? {}).length > 0 ? { paths: { ...more, ...given } } : {};
  if (!o.profile)
    return {
      ...parseLinkInput({ impair, up: o.up, down: o.down, seed: o.seed }),
      ...paths(undefined),
      scenario,
    };
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
    ...paths(profile.model.paths),
    scenario: scenario ?? profile.scenario,
  };
}

export const print = (json: boolean | undefined, data: unknown, text: string): void => {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${text}\n`);
};
