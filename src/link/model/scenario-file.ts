// Scenarios by name (lab/scenarios/NAME.scenario), by path, or as inline text (steps separated by
// newlines or `;`, e.g. LAB_SCENARIO='0s none; 2s outage; 4s repeat'). Used by linkd, the CLI
// and startLab alike.
import { existsSync, readFileSync } from 'node:fs';
import { labDir, namesIn } from '../../common/data-files.ts';
import { SocklabError } from '../../common/errors.ts';
import { parseScenario, type Scenario } from './scenario.ts';

export const SCENARIO_DIR = labDir('scenarios');

export function scenarioNames(): string[] {
  return namesIn(SCENARIO_DIR, '.scenario');
}

/** A scenario from a name, a path to a .scenario file, or inline steps. */
export function loadScenario(spec: string): Scenario {
  const text = spec.trim();
  // Inline steps have a time and a spec separated by a space; names and paths have none.
  if (/\s/.test(text)) return parseScenario('inline', text);
  const path = text.includes('/') || text.endsWith('.scenario') ? text : `${SCENARIO_DIR}${text}.scenario`;
  if (!existsSync(path)) {
    throw new SocklabError(
      'scenario.not-found',
      `no scenario '${text}': the scenarios are ${scenarioNames().join(', ') || 'none'} (lab/scenarios/), or give a path to a .scenario file, or steps such as '0s none; 2s outage; 4s repeat'`,
    );
  }
  const name = path.replace(/^.*\//, '').replace(/\.scenario$/, '');
  return parseScenario(name, readFileSync(path, 'utf8'));
}
