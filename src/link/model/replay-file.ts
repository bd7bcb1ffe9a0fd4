// Replay: a run's fates, saved so that the link can give the same flows the same fates again (a
// second program, a fixed student program, the same program after a change). The file holds what
// the relay decided for every frame, not the random draws: the replayed link applies each fate as
// it is, so a frame meets its recorded fate whatever the model, the seed or the machine's timing.
//
// A frame is found again by where it lies in its flow (flow-key.ts: direction, protocol and the
// server's port; never the client's ephemeral port, which changes every run): the n-th frame of the
// flow, or for a socklab probe (`<seq>:...`) its seq and which copy of it, since the network's
// timing may bring probes in another order (frame-draw.ts says the same for the random draws).
// Pure: built from records, parsed from text; the relay applies a ReplayPlan (direction-shaper.ts).

import type { PacketRecord } from '../control/packet-record.ts';
import { flowNameOf } from '../relay/flow-key.ts';
import { ProbeCopies } from '../relay/frame-draw.ts';
import { ImpairmentError } from './impairment-error.ts';
import { DIRECTIONS, type Direction, type LinkModel } from './impairment-model.ts';
import { buildLinkModel, modelInput } from './impairment-text.ts';

/** The file's format: a reader refuses any other. */
export const REPLAY_FORMAT = 1;

/** What became of one recorded frame: what the replayed link does to the frame in its place. */
export interface ReplayFate {
  fate: 'forwarded' | 'lost' | 'queue-drop' | 'outage';
  /** Arrival to the first copy's departure, ms (queueing, serialization and delay together). */
  delayMs: number;
  duplicated: boolean;
  corrupted: boolean;
  reordered: boolean;
}

/** One flow's fates: the n-th frame's in `order`, a probe's by `seq/copy`. */
export interface FlowReplay {
  order: ReplayFate[];
  probes: Record<string, ReplayFate>;
}

/** Per flow name (`up/udp/12000`): one direction of one client's path. */
export type DirectionReplay = Record<string, FlowReplay>;

/** Per client and direction: what each of the relay's shapers replays. */
export type ReplayPlan = Record<string, Partial<Record<Direction, DirectionReplay>>>;

/** The file: fates as short words (`F20.512d`: forwarded after 20.512 ms, duplicated; `L`: lost). */
export interface ReplayFile {
  socklab: 'replay';
  format: number;
  /** The socklab that wrote it: another one may find flows differently, and is refused. */
  version: string;
  /** The model in force when it was recorded: what decides frames the recording did not have. */
  model: LinkModel;
  /** How many frames it holds. */
  frames: number;
  /** Per client, per flow name. */
  flows: Record<string, Record<string, { order: string[]; probes?: Record<string, string> }>>;
}

const FATE_LETTER: Record<ReplayFate['fate'], string> = {
  forwarded: 'F',
  lost: 'L',
  'queue-drop': 'Q',
  outage: 'O',
};
const LETTER_FATE = Object.fromEntries(Object.entries(FATE_LETTER).map(([f, l]) => [l, f])) as Record<
  string,
  ReplayFate['fate']
>;
const FATE_WORD = /^([FLQO])(\d+(?:\.\d+)?)?(d?)(c?)(r?)$/;

export function encodeFate(f: ReplayFate): string {
  const delay = f.fate === 'forwarded' ? String(Math.round(f.delayMs * 1000) / 1000) : '';
  return `${FATE_LETTER[f.fate]}${delay}${f.duplicated ? 'd' : ''}${f.corrupted ? 'c' : ''}${f.reordered ? 'r' : ''}`;
}

export function decodeFate(word: string): ReplayFate | null {
  const m = FATE_WORD.exec(word);
  if (!m) return null;
  return {
    fate: LETTER_FATE[m[1]!]!,
    delayMs: m[2] ? Number(m[2]) : 0,
    duplicated: m[3] === 'd',
    corrupted: m[4] === 'c',
    reordered: m[5] === 'r',
  };
}

/** The flow a record's frame belongs to, named as the relay names it (flow-key.ts). */
export const recordFlow = (r: PacketRecord): string => flowNameOf(r.dir, r.proto, r.sport, r.dport);

/** Frames a replay neither holds nor checks: forged ones (never forwarded) and discovery (ARP, ND). */
export const replayable = (r: PacketRecord): boolean =>
  r.fate !== 'forged' && r.proto !== 'arp' && r.proto !== 'nd';

/**
 * Where each record's frame lies in its flow, by the relay's own rule: a probe by seq and copy
 * (counted as the shaper counts them), any other frame by its number among the flow's others.
 */
export class FlowPlaces {
  readonly #order = new Map<string, number>();
  readonly #copies = new Map<string, ProbeCopies>();

  /** The record's client, flow and place (`#3`, or `5/0` for a probe); call in record order. */
  take(r: PacketRecord): { client: string; flow: string; place: string } {
    const flow = recordFlow(r);
    const id = `${r.client} ${flow}`;
    if (r.seq >= 0) {
      let copies = this.#copies.get(id);
      if (!copies) {
        copies = new ProbeCopies();
        this.#copies.set(id, copies);
      }
      return { client: r.client, flow, place: `${r.seq}/${copies.take(r.seq)}` };
    }
    const n = this.#order.get(id) ?? 0;
    this.#order.set(id, n + 1);
    return { client: r.client, flow, place: `#${n}` };
  }
}

const fateOf = (r: PacketRecord): ReplayFate => ({
  fate: r.fate === 'forged' ? 'lost' : r.fate,
  delayMs: r.delayMs,
  duplicated: r.duplicated,
  corrupted: r.corrupted,
  reordered: r.reordered,
});

/** The file for a run: its records (all of them, from the first, in order) and its model. */
export function replayFromRecords(records: PacketRecord[], model: LinkModel, version: string): ReplayFile {
  const flows: ReplayFile['flows'] = {};
  const places = new FlowPlaces();
  let frames = 0;
  for (const r of records) {
    if (!replayable(r)) continue;
    const { client, flow, place } = places.take(r);
    flows[client] ??= {};
    flows[client][flow] ??= { order: [] };
    const entry = flows[client][flow];
    const word = encodeFate(fateOf(r));
    if (place.startsWith('#')) entry.order.push(word);
    else {
      entry.probes ??= {};
      entry.probes[place] = word;
    }
    frames++;
  }
  return { socklab: 'replay', format: REPLAY_FORMAT, version, model, frames, flows };
}

/** One line: the file, what is wrong, and what to do. */
const bad = (source: string, what: string): ImpairmentError =>
  new ImpairmentError([
    `replay file ${source}: ${what}; record the run again with this socklab (socklab record -o FILE)`,
  ]);

/**
 * Reads a replay file, checked: its format, the socklab that wrote it (`version`: this one's), its
 * model and every fate. The plan is what the relay applies.
 */
export function parseReplayFile(
  text: string,
  source: string,
  version: string,
): { file: ReplayFile; plan: ReplayPlan } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw bad(source, `not JSON (${(err as Error).message})`);
  }
  const f = raw as Partial<ReplayFile> | null;
  if (!f || typeof f !== 'object' || f.socklab !== 'replay')
    throw bad(source, 'not a socklab replay file (it lacks "socklab": "replay")');
  if (f.format !== REPLAY_FORMAT)
    throw bad(source, `format ${String(f.format)}, but this socklab reads format ${REPLAY_FORMAT}`);
  if (f.version !== version)
    throw bad(source, `written by socklab ${String(f.version)}, this is socklab ${version}`);
  let model: LinkModel;
  try {
    model = buildLinkModel(modelInput(f.model as LinkModel));
  } catch (err) {
    throw bad(source, `its model is not valid (${(err as Error).message.split('\n')[0]})`);
  }
  if (!f.flows || typeof f.flows !== 'object') throw bad(source, 'it has no "flows"');
  const plan: ReplayPlan = {};
  for (const [client, flows] of Object.entries(f.flows)) {
    for (const [flow, entry] of Object.entries(flows ?? {})) {
      const dir = flow.split('/')[0] as Direction;
      if (!DIRECTIONS.includes(dir))
        throw bad(source, `flow '${flow}' names no direction (up/... or down/...)`);
      const fate = (word: unknown, where: string): ReplayFate => {
        const d = typeof word === 'string' ? decodeFate(word) : null;
        if (!d)
          throw bad(
            source,
            `${client} ${flow} ${where}: '${String(word)}' is not a fate (e.g. F20.5, L, Q, O)`,
          );
        return d;
      };
      const order = Array.isArray(entry?.order) ? entry.order.map((w, i) => fate(w, `#${i}`)) : [];
      const probes: Record<string, ReplayFate> = {};
      for (const [place, w] of Object.entries(entry?.probes ?? {})) {
        if (!/^\d+\/\d+$/.test(place))
          throw bad(source, `${client} ${flow}: probe '${place}' is not seq/copy`);
        probes[place] = fate(w, `probe ${place}`);
      }
      plan[client] ??= {};
      plan[client][dir] ??= {};
      plan[client][dir][flow] = { order, probes };
    }
  }
  return { file: { ...(f as ReplayFile), model }, plan };
}
