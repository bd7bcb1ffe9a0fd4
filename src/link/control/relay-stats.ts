// Counters of the relay, per direction and per inner protocol. forwarded counts frames sent
// (duplicates included), so received − droppedLoss − droppedQueue − droppedOutage − droppedForged
// + duplicated = forwarded once nothing is waiting in the delay queue.
import type { Direction } from '../model/impairment-model.ts';
import { INNER_PROTOCOLS, type InnerProtocol } from '../relay/vxlan-frame.ts';

export const COUNTERS = [
  'received',
  'forwarded',
  'droppedLoss',
  'droppedQueue',
  'droppedOutage',
  /** Frames whose inner source was not the sending peer's own lab0 (a program forging frames). */
  'droppedForged',
  'duplicated',
  'reordered',
  'corrupted',
] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counters = Record<Counter, number>;

/**
 * What the relay's sockets did, all threads together: system calls, the datagrams the kernel handed
 * over or took (a coalesced one, UDP GRO or UDP_SEGMENT, counts once) and the frames they held.
 * native/batch-udp.c writes them in this order.
 */
export const IO_COUNTS = [
  'receiveCalls',
  'receivedDatagrams',
  'receivedFrames',
  /** Received datagrams that held several frames (UDP GRO), split back into them. */
  'coalesced',
  /** Datagrams cut short by the receive slot: counted and dropped, never half-handled. */
  'truncated',
  'sendCalls',
  'sentDatagrams',
  'sentFrames',
] as const;
export type IoCounts = Record<(typeof IO_COUNTS)[number], number>;

export interface DirectionStats {
  total: Counters;
  byProtocol: Record<InnerProtocol, Counters>;
}

export interface RelayStats {
  up: DirectionStats;
  down: DirectionStats;
  /** Datagrams from anyone but the two peers: dropped. */
  foreign: number;
  /** Datagrams from a peer that are not VXLAN: dropped. */
  malformed: number;
  /** Sends that the kernel refused. */
  sendErrors: number;
  /** Datagrams the kernel dropped because the relay's receive buffer was full: not the model's doing. */
  unintendedDrops: number;
  /** Frames waiting in the delay queue now. */
  inFlight: number;
  /** The data plane's system calls and datagrams against its frames (absent from older linkd). */
  io?: IoCounts;
  /** How late delayed frames left the relay against their due time (last 4096), ms. */
  lateMs: { p50: number; p99: number; max: number } | null;
  /** Each client's path, by client, in a lab of several (up and down above are their sums). */
  clients?: Record<string, { up: DirectionStats; down: DirectionStats }>;
}

/** The counters of one client's path, as a lab of that one client would have them (totals for a lab of one). */
export function pathStats(stats: RelayStats, client: string): RelayStats {
  const own = stats.clients?.[client];
  if (!own) return stats;
  const { clients: _all, ...rest } = stats;
  return { ...rest, up: own.up, down: own.down };
}

const zero = (): Counters => Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Counters;

export function emptyDirectionStats(): DirectionStats {
  return {
    total: zero(),
    byProtocol: Object.fromEntries(INNER_PROTOCOLS.map((p) => [p, zero()])) as Record<
      InnerProtocol,
      Counters
    >,
  };
}

export class RelayCounters {
  up = emptyDirectionStats();
  down = emptyDirectionStats();
  foreign = 0;
  malformed = 0;
  sendErrors = 0;

  count(dir: Direction, proto: InnerProtocol, counter: Counter, n = 1): void {
    const d = this[dir];
    d.total[counter] += n;
    d.byProtocol[proto][counter] += n;
  }

  reset(): void {
    this.up = emptyDirectionStats();
    this.down = emptyDirectionStats();
    this.foreign = 0;
    this.malformed = 0;
    this.sendErrors = 0;
  }
}
