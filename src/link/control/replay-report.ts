// How a replay went: which frames met their recorded fates, and which flows diverged (traffic the
// recording did not have, decided by the model instead). Worked out from the replayed run's own
// record, by the same places the relay looks fates up by (replay-file.ts), so the report says what
// the link did, not what it meant to do.
import { FlowPlaces, type ReplayFate, type ReplayPlan, replayable } from '../model/replay-file.ts';
import type { PacketRecord } from './packet-record.ts';

export interface DivergedFlow {
  client: string;
  flow: string;
  /** Frames the recording had no fate for. */
  frames: number;
  /** Frames of this flow the recording holds (0: a flow it never saw). */
  recorded: number;
  /** The record number of the first of them. */
  firstRecord: number;
}

export interface ReplayReport {
  /** Frames of the replayed run that a replay looks at (not discovery, not forged). */
  frames: number;
  /** Of those, frames that met their recorded fate. */
  replayed: number;
  /** Frames whose place the recording held but whose fate came out otherwise (0 unless the link broke its word). */
  differed: number;
  diverged: DivergedFlow[];
  /** Recorded flows this run met less of than the recording had (it stopped earlier, or sent less). */
  short: { client: string; flow: string; recorded: number; met: number }[];
}

const sameFate = (r: PacketRecord, f: ReplayFate): boolean =>
  r.fate === f.fate &&
  (f.fate !== 'forwarded' ||
    (r.duplicated === f.duplicated && r.corrupted === f.corrupted && r.reordered === f.reordered));

const lookup = (plan: ReplayPlan, r: PacketRecord, flow: string, place: string): ReplayFate | undefined => {
  const entry = plan[r.client]?.[r.dir]?.[flow];
  if (!entry) return undefined;
  return place.startsWith('#') ? entry.order[Number(place.slice(1))] : entry.probes[place];
};

/** The report for the records of a replayed run (all of them since the replay began, in order). */
export function replayReport(plan: ReplayPlan, records: PacketRecord[]): ReplayReport {
  const places = new FlowPlaces();
  const report: ReplayReport = { frames: 0, replayed: 0, differed: 0, diverged: [], short: [] };
  const diverged = new Map<string, DivergedFlow>();
  const met = new Map<string, number>();
  for (const r of records) {
    if (!replayable(r)) continue;
    report.frames++;
    const { client, flow, place } = places.take(r);
    const id = `${client} ${flow}`;
    const fate = lookup(plan, r, flow, place);
    if (fate) {
      met.set(id, (met.get(id) ?? 0) + 1);
      if (sameFate(r, fate)) report.replayed++;
      else report.differed++;
      continue;
    }
    const d = diverged.get(id);
    if (d) d.frames++;
    else
      diverged.set(id, {
        client,
        flow,
        frames: 1,
        recorded: recordedIn(plan, client, flow),
        firstRecord: r.n,
      });
  }
  report.diverged = [...diverged.values()];
  for (const [client, dirs] of Object.entries(plan))
    for (const flows of Object.values(dirs))
      for (const flow of Object.keys(flows ?? {})) {
        const recorded = recordedIn(plan, client, flow);
        const seen = met.get(`${client} ${flow}`) ?? 0;
        if (seen < recorded) report.short.push({ client, flow, recorded, met: seen });
      }
  return report;
}

function recordedIn(plan: ReplayPlan, client: string, flow: string): number {
  const dir = flow.split('/')[0] as 'up' | 'down';
  const entry = plan[client]?.[dir]?.[flow];
  return entry ? entry.order.length + Object.keys(entry.probes).length : 0;
}

/** The report in words: one line, then one per diverged flow. */
export function formatReplayReport(r: ReplayReport): string[] {
  const lines = [
    `replay: ${r.replayed} of ${r.frames} frames met their recorded fates${r.differed ? `, ${r.differed} did not` : ''}${r.diverged.length ? `; ${r.diverged.length} flow(s) diverged` : ''}`,
  ];
  for (const d of r.diverged)
    lines.push(
      d.recorded === 0
        ? `  diverged: ${d.client} ${d.flow} was not in the recording (${d.frames} frames, from record #${d.firstRecord}): the model decided them`
        : `  diverged: ${d.client} ${d.flow} had ${d.frames} frames beyond the recording's ${d.recorded} (from record #${d.firstRecord}): the model decided them`,
    );
  for (const s of r.short)
    lines.push(`  short: ${s.client} ${s.flow} met ${s.met} of the recording's ${s.recorded} frames`);
  return lines;
}
