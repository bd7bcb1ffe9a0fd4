// What `linkctl show` and `socklab status` print of linkd's `show`: the model of every path, who
// applies it, and the scenarios that run. A lab of one client prints what it always printed.
import { formatLinkModel } from '../model/impairment-text.ts';
import { dataPlaneText } from '../relay/native-data-plane.ts';
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

/** The data plane, in `socklab status` only where linkd fell back from the native one. */
export function fallbackLines(r: Pick<ShowResult, 'dataPlane'>): string[] {
  return r.dataPlane && r.dataPlane.name !== 'native' ? [`data plane: ${dataPlaneText(r.dataPlane)}`] : [];
}

export function formatShow(r: ShowResult): string {
  return [
    `${formatLinkModel(r.model)} (engine ${r.engine})`,
    ...(r.dataPlane ? [`data plane: ${dataPlaneText(r.dataPlane)}`] : []),
    ...(r.scenario ? [formatScenarioStatus(r.scenario)] : []),
    ...clientLines(r),
  ].join('\n');
}
