// What `linkctl show` and `socklab status` print of linkd's `show`: the model of every path, who
// applies it, and the scenarios that run. A lab of one client prints what it always printed.
import { formatLinkModel } from '../model/impairment-text.ts';
import type { ResultOf } from './control-protocol.ts';
import { formatScenarioStatus } from './scenario-runner.ts';

export type ShowResult = ResultOf<'show'>;

/** The clients and their scenarios, a line each; nothing for a lab of one client. */
export function clientLines(r: Pick<ShowResult, 'clients' | 'clientScenarios'>): string[] {
  const clients = r.clients ?? ['client'];
  const own = Object.entries(r.clientScenarios ?? {}).map(
    ([client, s]) => `on ${client}'s path: ${formatScenarioStatus(s)}`,
  );
  return clients.length > 1 ? [`clients: ${clients.join(', ')}`, ...own] : own;
}

export function formatShow(r: ShowResult): string {
  return [
    `${formatLinkModel(r.model)} (engine ${r.engine})`,
    ...(r.scenario ? [formatScenarioStatus(r.scenario)] : []),
    ...clientLines(r),
  ].join('\n');
}
