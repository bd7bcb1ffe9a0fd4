// What one direction of the relay shares with linkd's main thread: its counters per protocol, its
// socket-level counts, the lateness of its delayed frames, how many frames wait in its delay queue,
// and its part of the packet record. All of it lives in SharedArrayBuffers, so that the thread that
// forwards a direction writes and the main thread (control socket, stats, record read-back) reads,
// with no message per frame. One writer per buffer: the direction's own thread.
import {
  COUNTERS,
  type Counter,
  type Counters,
  type DirectionStats,
  IO_COUNTS,
  type IoCounts,
} from '../control/relay-stats.ts';
import { INNER_PROTOCOLS, type InnerProtocol } from './vxlan-frame.ts';

export const LATENESS_SAMPLES = 4096;
/**
 * Slots after the per-protocol counters: foreign, malformed, send errors, in flight, lateness
 * index, then the thread's sockets' own counts (IO_COUNTS, written by the socket: native or not).
 */
const IO_FIRST = 5;
const EXTRA = IO_FIRST + IO_COUNTS.length;
const FOREIGN = 0;
const MALFORMED = 1;
const SEND_ERRORS = 2;
const IN_FLIGHT = 3;
const LATE_NEXT = 4;

export interface DirectionBuffers {
  counters: SharedArrayBuffer;
  lateness: SharedArrayBuffer;
}

const PROTO_INDEX: Record<InnerProtocol, number> = Object.fromEntries(
  INNER_PROTOCOLS.map((p, i) => [p, i]),
) as Record<InnerProtocol, number>;
const COUNTER_INDEX: Record<Counter, number> = Object.fromEntries(COUNTERS.map((c, i) => [c, i])) as Record<
  Counter,
  number
>;

export class DirectionMemory {
  readonly buffers: DirectionBuffers;
  readonly #counts: Float64Array;
  readonly #late: Float64Array;

  constructor(buffers?: DirectionBuffers) {
    this.buffers = buffers ?? {
      counters: new SharedArrayBuffer(8 * (INNER_PROTOCOLS.length * COUNTERS.length + EXTRA)),
      lateness: new SharedArrayBuffer(8 * LATENESS_SAMPLES),
    };
    this.#counts = new Float64Array(this.buffers.counters);
    this.#late = new Float64Array(this.buffers.lateness);
  }

  count(proto: InnerProtocol, counter: Counter): void {
    this.#counts[PROTO_INDEX[proto] * COUNTERS.length + COUNTER_INDEX[counter]]! += 1;
  }

  #extra(i: number): number {
    return INNER_PROTOCOLS.length * COUNTERS.length + i;
  }

  foreign(): void {
    this.#counts[this.#extra(FOREIGN)]! += 1;
  }
  malformed(): void {
    this.#counts[this.#extra(MALFORMED)]! += 1;
  }
  sendError(): void {
    this.#counts[this.#extra(SEND_ERRORS)]! += 1;
  }
  /** Frames added to (+1) or leaving (−1) the delay queue. */
  inFlight(delta: number): void {
    this.#counts[this.#extra(IN_FLIGHT)]! += delta;
  }

  /** Where the sockets of this memory's thread add their counts (relay-socket.ts: track). */
  io(): Float64Array {
    return new Float64Array(this.buffers.counters, 8 * this.#extra(IO_FIRST), IO_COUNTS.length);
  }

  /** How late a delayed frame left, ms. */
  late(ms: number): void {
    const i = this.#extra(LATE_NEXT);
    const k = this.#counts[i]!;
    this.#late[k % LATENESS_SAMPLES] = ms;
    this.#counts[i] = k + 1;
  }

  stats(): DirectionStats & {
    foreign: number;
    malformed: number;
    sendErrors: number;
    inFlight: number;
    io: IoCounts;
  } {
    const c = this.#counts;
    const row = (p: number): Counters =>
      Object.fromEntries(COUNTERS.map((name, j) => [name, c[p * COUNTERS.length + j]!])) as Counters;
    const byProtocol = Object.fromEntries(INNER_PROTOCOLS.map((p, i) => [p, row(i)])) as Record<
      InnerProtocol,
      Counters
    >;
    const total = Object.fromEntries(
      COUNTERS.map((name) => [name, INNER_PROTOCOLS.reduce((s, p) => s + byProtocol[p][name], 0)]),
    ) as Counters;
    return {
      total,
      byProtocol,
      foreign: c[this.#extra(FOREIGN)]!,
      malformed: c[this.#extra(MALFORMED)]!,
      sendErrors: c[this.#extra(SEND_ERRORS)]!,
      inFlight: c[this.#extra(IN_FLIGHT)]!,
      io: Object.fromEntries(IO_COUNTS.map((name, j) => [name, c[this.#extra(IO_FIRST + j)]!])) as IoCounts,
    };
  }

  /** The lateness samples kept (the newest LATENESS_SAMPLES). */
  lateness(): number[] {
    const n = Math.min(this.#counts[this.#extra(LATE_NEXT)]!, LATENESS_SAMPLES);
    return Array.from(this.#late.subarray(0, n));
  }

  /** Zeroes everything but the frames in flight, which are still on their way. */
  reset(): void {
    const inFlight = this.#counts[this.#extra(IN_FLIGHT)]!;
    this.#counts.fill(0);
    this.#counts[this.#extra(IN_FLIGHT)] = inFlight;
  }
}
