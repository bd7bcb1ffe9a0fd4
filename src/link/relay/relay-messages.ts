// The seam between linkd's main thread and the threads that forward: what a forwarding thread is
// started with, and the typed messages each way. Per-frame facts (counters, the record, lateness)
// never travel as messages: they are written to shared memory (direction-memory.ts,
// packet-record.ts). Messages carry only changes (model, peers, capture) and their acknowledgements,
// plus captured frames while a capture runs.

import type { Direction, LinkModel } from '../model/impairment-model.ts';
import type { ReplayPlan } from '../model/replay-file.ts';
import type { DirectionBuffers } from './direction-memory.ts';
import type { DataPlaneName } from './relay-socket.ts';
import type { PriorityAsk, ThreadPriority } from './thread-priority.ts';
import type { InnerIdentity } from './vxlan-frame.ts';

export interface PeerAddress {
  /** null while the name has not resolved. */
  address: string | null;
  port: number;
}

export interface ForwarderConfig {
  /**
   * The directions this thread forwards. One: it receives on that direction's side only and
   * sends from the other side's address. Both: one socket does everything (the peers reach the
   * same local address, as on loopback).
   */
  directions: Direction[];
  /** Where to receive (port 0 only in the single-socket case: any free port). */
  receive: { address: string; port: number };
  /** The local address to send from (one direction: the side toward its destination). */
  sendFrom: string | null;
  receiveBufferBytes: number;
  /** The sockets' data plane, chosen once by the main thread (native-data-plane.ts). */
  dataPlane: DataPlaneName;
  /** The native plane's sockets ask for UDP GRO and UDP_SEGMENT. */
  offload: boolean;
  /** The native plane's held frames wake the thread on a timerfd. */
  timerfd: boolean;
  /** The scheduling priority the thread asks for (thread-priority.ts). */
  priority: PriorityAsk;
  /** The clients (from 0), then the server, last. */
  peers: PeerAddress[];
  /** Each peer's own lab0, in the same order: other inner sources are forged; null: not checked. */
  identities: (InnerIdentity | null)[];
  /** The clients' names, in order (`client`, `client2`, ...): whose path each frame takes. */
  clients: string[];
  model: LinkModel;
  /** A recorded run's fates, per client and direction; null: the model decides every frame. */
  replay: ReplayPlan | null;
  impairDiscovery: boolean;
  /** Per direction, a memory per client (in the clients' order). */
  memory: Record<Direction, DirectionBuffers[]>;
  record: { capacity: number; buffer: SharedArrayBuffer };
  /** The relay's start on the epoch clock (ms): record times count from it in every thread. */
  startEpochMs: number;
  capturing: boolean;
}

export type ToForwarder =
  /** `step`: the scenario step the model comes from, named in capture comments. */
  | { type: 'model'; id: number; model: LinkModel; step?: string }
  | { type: 'reset'; id: number }
  | { type: 'replay'; id: number; plan: ReplayPlan | null }
  | { type: 'peers'; peers: PeerAddress[] }
  | { type: 'capture'; id: number; on: boolean }
  | { type: 'close'; id: number };

export type FromForwarder =
  | { type: 'ready'; port: number; priority: ThreadPriority }
  | { type: 'ack'; id: number }
  | { type: 'log'; line: string }
  | { type: 'failed'; message: string; code?: string }
  | { type: 'frame'; data: Uint8Array; micros: number; comment: string; up: boolean };
