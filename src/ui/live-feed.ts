// What the live views show, as it happens: every few hundred milliseconds the link's model and
// scenario step, its counters, and the frames it decided since the last time (read incrementally
// from linkd's record, without their payloads: cheap for the relay). Shared by `socklab ui`
// (server-sent events to a page) and `socklab watch` (a terminal).
import type { StartedLab } from '../lab/started-lab.ts';
import type { ResultOf } from '../link/control/control-protocol.ts';
import type { PacketRecord } from '../link/control/packet-record.ts';
import type { RelayStats } from '../link/control/relay-stats.ts';
import type { ScenarioStatus } from '../link/control/scenario-runner.ts';
import { pathOf } from '../link/model/impairment-model.ts';
import { formatDirection } from '../link/model/impairment-text.ts';

export const FRAME_FATES = [
  'forwarded',
  'lost',
  'duplicated',
  'reordered',
  'corrupted',
  'queue-drop',
  'outage',
  'forged',
] as const;
export type FrameFate = (typeof FRAME_FATES)[number];

/** One frame as the views draw it: its fate, and what a hover shows. */
export interface FrameView {
  n: number;
  t: number;
  dir: 'up' | 'down';
  /** Whose path it took. */
  client: string;
  proto: PacketRecord['proto'];
  fate: FrameFate;
  sport: number;
  dport: number;
  len: number;
  seq: number;
  delayMs: number;
}

export interface LiveSnapshot {
  project: string;
  backend: string;
  engine: string;
  model: { up: string; down: string; seed: number };
  scenario: ScenarioStatus | null;
  /** Each client's path, in a lab of several (absent with one: the model above is its path). */
  paths?: ClientPathView[];
  stats: RelayStats;
  /** Frames since the previous snapshot (the newest ones when there were more than the views keep). */
  frames: FrameView[];
  /** Frames the views were too slow to be shown (the relay decided them all the same). */
  skipped: number;
}

export interface ClientPathView {
  client: string;
  up: string;
  down: string;
  /** A scenario on this client's path alone. */
  scenario?: ScenarioStatus;
}

/** Each client's path in words, and the scenario on it; none for a lab of one client. */
export function pathViews(shown: ResultOf<'show'>): ClientPathView[] | undefined {
  const clients = shown.clients ?? ['client'];
  if (clients.length < 2) return undefined;
  return clients.map((client) => {
    const scenario = shown.clientScenarios?.[client];
    return {
      client,
      up: formatDirection(pathOf(shown.model, client, 'up')),
      down: formatDirection(pathOf(shown.model, client, 'down')),
      ...(scenario ? { scenario } : {}),
    };
  });
}

/** One fate per frame: dropped ones by why; forwarded ones by what else happened to them. */
export function fateOf(r: PacketRecord): FrameFate {
  if (r.fate !== 'forwarded') return r.fate === 'lost' ? 'lost' : r.fate;
  if (r.corrupted) return 'corrupted';
  if (r.duplicated) return 'duplicated';
  if (r.reordered) return 'reordered';
  return 'forwarded';
}

export const frameView = (r: PacketRecord): FrameView => ({
  n: r.n,
  t: r.t,
  dir: r.dir,
  client: r.client ?? 'client',
  proto: r.proto,
  fate: fateOf(r),
  sport: r.sport,
  dport: r.dport,
  len: r.len,
  seq: r.seq,
  delayMs: r.delayMs,
});

export interface LiveFeedOptions {
  intervalMs?: number;
  /** At most this many frames per snapshot. */
  maxFrames?: number;
}

/** What the feed reads of a lab: its name, its backend and its link's control. */
export type FeedLab = Pick<StartedLab, 'project' | 'backend' | 'control'>;

export class LiveFeed {
  readonly #lab: FeedLab;
  readonly #intervalMs: number;
  readonly #maxFrames: number;
  #since = -1;
  /** The record's count of resets when last read. */
  #resets = 0;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(lab: FeedLab, o: LiveFeedOptions = {}) {
    this.#lab = lab;
    this.#intervalMs = o.intervalMs ?? 250;
    this.#maxFrames = o.maxFrames ?? 400;
  }

  /** One snapshot now. */
  async snapshot(): Promise<LiveSnapshot> {
    const control = this.#lab.control;
    const [shown, { stats }] = await Promise.all([
      control.call({ cmd: 'show' }),
      control.call({ cmd: 'stats' }),
    ]);
    // The first snapshot starts at the newest frames; after a reset the numbers begin again from 1
    // and so does the feed, from the reset's first frame: by the count of resets, since the new
    // numbers may have passed the old place by the time of this poll (a busy machine, a slow poll).
    // A linkd from before the count says none: then only numbers going back show a reset.
    const head = await control.call({ cmd: 'record', since: Number.MAX_SAFE_INTEGER, limit: 1 });
    const resets = head.resets ?? this.#resets;
    if (this.#since < 0) this.#since = Math.max(0, head.last - this.#maxFrames);
    else if (resets !== this.#resets || head.last < this.#since) this.#since = 0;
    this.#resets = resets;
    let skipped = 0;
    if (head.last - this.#since > this.#maxFrames) {
      skipped = head.last - this.#maxFrames - this.#since;
      this.#since = head.last - this.#maxFrames;
    }
    const rec = await control.call({ cmd: 'record', since: this.#since, limit: this.#maxFrames });
    // A reset between the two calls: these are the new numbers' frames from the old place; the
    // next poll starts the new ones from their first.
    if ((rec.resets ?? resets) !== resets) rec.records = [];
    if (rec.records.length) this.#since = rec.records.at(-1)!.n;
    return {
      project: this.#lab.project,
      backend: this.#lab.backend,
      engine: shown.engine,
      model: {
        up: formatDirection(shown.model.up),
        down: formatDirection(shown.model.down),
        seed: shown.model.seed,
      },
      scenario: shown.scenario,
      ...(pathViews(shown) ? { paths: pathViews(shown) } : {}),
      stats,
      frames: rec.records.map(frameView),
      skipped,
    };
  }

  /** What the feed does after a failed poll, in words. */
  get retrying(): string {
    return `retrying every ${(this.#intervalMs / 1000).toFixed(2).replace(/\.?0+$/, '')} s`;
  }

  /** Calls `on` with a snapshot every interval until stop(); a failed poll is reported, not fatal. */
  start(on: (s: LiveSnapshot) => void, onError: (e: Error) => void = () => {}): void {
    const tick = async (): Promise<void> => {
      if (this.#stopped) return;
      const t0 = performance.now();
      try {
        on(await this.snapshot());
      } catch (err) {
        onError(err as Error);
      }
      if (!this.#stopped)
        this.#timer = setTimeout(tick, Math.max(0, this.#intervalMs - (performance.now() - t0)));
    };
    void tick();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }
}
