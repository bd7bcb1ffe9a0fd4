// The relay engine: receives every VXLAN datagram from one end host and forwards it to the other,
// deciding each frame's fate with the direction's shaper. Peers are given by name or address and
// re-resolved, so a restarted container with a new address is followed.
//
// Threads. The link host has one address on each network, so each direction receives on its own
// side: each gets a thread of its own (socket, shaper, delay queue), and a bulk transfer's data and
// its ACKs are forwarded on two cores. Such a thread writes its counters, lateness and records to
// shared memory; this main thread serves the control socket from that memory, resolves names,
// writes captures, and counts datagrams that reach neither side. When both peers are reached from
// one local address (both on loopback, say), one thread forwards both directions on one socket.
// Until the peers are known (the link starts before the other hosts), the main thread's socket
// receives everything and counts it as foreign, as the relay did not know whom to forward it to.

import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { ipv4Number, labMac, macBytes } from '../../common/lab-address.ts';
import type { PacketRecord } from '../control/packet-record.ts';
import {
  COUNTERS,
  type DirectionStats,
  emptyDirectionStats,
  IO_COUNTS,
  type IoCounts,
  type RelayStats,
} from '../control/relay-stats.ts';
import { type ReplayReport, replayReport } from '../control/replay-report.ts';
import { formatEventRule } from '../model/event-rules.ts';
import {
  clientNames,
  DIRECTIONS,
  type Direction,
  type LinkModel,
  pathOf,
} from '../model/impairment-model.ts';
import type { ReplayPlan } from '../model/replay-file.ts';
import { DirectionMemory, LATENESS_SAMPLES } from './direction-memory.ts';
import { ForwarderThread } from './forwarder-thread.ts';
import { chooseDataPlane, type DataPlaneChoice } from './native-data-plane.ts';
import { PcapngWriter } from './pcapng-writer.ts';
import { localAddressToward, lookupPeer, lookupReplicas } from './peer-address.ts';
import { PacketRecordRing } from './record-ring.ts';
import type { ForwarderConfig, FromForwarder, PeerAddress } from './relay-messages.ts';
import type { DataPlaneInfo } from './relay-socket.ts';
import { udpSocketDrops } from './socket-drops.ts';
import { forwardingPriority, type PriorityAsk } from './thread-priority.ts';
import { bindUdp } from './udp-bind.ts';
import { VXLAN_HEADER } from './vxlan-frame.ts';

export const VXLAN_PORT = 4789;

export interface PeerSpec {
  host: string;
  port: number;
  /** Its lab0 address: frames from it with another inner source are forged (see innerSourceIs). */
  labAddress?: string;
  /** `host` is a scaled service and this peer its replica number (from 1), found by reverse lookup. */
  replica?: number;
}

export interface RelayOptions {
  /**
   * The clients (their frames go `up`), one or more, then the server, last. Each client's frames
   * take its own path: its own models, streams, counters.
   */
  peers: PeerSpec[];
  listenAddress?: string;
  listenPort?: number;
  /**
   * The local address facing each peer (client side, server side). Found from the routes once the
   * peers are known; given, it splits the directions even where routes cannot (two loopback
   * addresses in tests).
   */
  sides?: [string, string];
  model: LinkModel;
  /** How many packet fates to keep (default 200,000). */
  recordCapacity?: number;
  /** Also impair ARP and neighbour discovery (off: a lab always comes up). */
  impairDiscovery?: boolean;
  /** Receive buffer to ask the kernel for (it caps it at net.core.rmem_max). */
  receiveBufferBytes?: number;
  /** Which data plane carries the frames (default: native where it loads). */
  dataPlane?: DataPlaneChoice;
  /**
   * Whether the native plane may send runs of frames as one UDP_SEGMENT message (and take GRO):
   * not where a qdisc after linkd counts and times packets (the netem engine), since a run is one
   * packet to it. Default: yes (SOCKLAB_UDP_OFFLOAD=off says no).
   */
  udpOffload?: boolean;
  /** How often names are resolved again, ms. */
  resolveEveryMs?: number;
  log?: (line: string) => void;
}

interface Peer extends PeerSpec {
  address: string | null;
  /** A DNS query is in flight: one at a time per peer. */
  resolving: boolean;
}

const WILDCARD = new Set(['', '0.0.0.0']);

export class LinkRelay {
  readonly #opts: RelayOptions;
  readonly #log: (line: string) => void;
  readonly #peers: Peer[];
  /** The clients' names, in the peers' order. */
  readonly #clients: string[];
  /** Per direction, a memory per client. */
  readonly #memory: Record<Direction, DirectionMemory[]>;
  readonly #record: PacketRecordRing;
  /** How many times the record was cleared: its numbers began again that often. */
  #resets = 0;
  readonly #start = performance.now();
  /** Receives until the forwarding threads do, then whatever reaches neither side. */
  #socket: Socket | null;
  #port: number;
  #foreign = 0;
  #threads: ForwarderThread[] = [];
  #starting: Promise<void> | null = null;
  #closed = false;
  #model: LinkModel;
  readonly #dataPlane: DataPlaneInfo;
  readonly #priority: PriorityAsk;
  /** A replay in force, and the last record number before it began. */
  #replay: { plan: ReplayPlan; after: number } | null = null;
  #capture: PcapngWriter | null = null;
  #dropsBase = 0;
  #dropsSeen = 0;
  #resolver: NodeJS.Timeout | null = null;
  #watcher: NodeJS.Timeout | null = null;

  private constructor(socket: Socket, opts: RelayOptions, dataPlane: DataPlaneInfo, priority: PriorityAsk) {
    this.#dataPlane = dataPlane;
    this.#priority = priority;
    this.#socket = socket;
    this.#port = socket.address().port;
    this.#opts = opts;
    this.#log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.#peers = opts.peers.map((p) => ({
      ...p,
      address: isIP(p.host) ? p.host : null,
      resolving: false,
    }));
    this.#clients = clientNames(opts.peers.length - 1);
    const memories = () => this.#clients.map(() => new DirectionMemory());
    this.#memory = { up: memories(), down: memories() };
    this.#record = new PacketRecordRing(opts.recordCapacity ?? 200_000);
    this.#model = opts.model;
  }

  static async start(opts: RelayOptions): Promise<LinkRelay> {
    // Chosen before anything binds: a plane asked for and missing is refused at once.
    const dataPlane = chooseDataPlane(opts.dataPlane ?? 'auto', opts.udpOffload ?? true);
    const priority = forwardingPriority();
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    await bindUdp(socket, opts.listenPort ?? VXLAN_PORT, opts.listenAddress ?? '0.0.0.0');
    const relay = new LinkRelay(socket, opts, dataPlane, priority);
    socket.on('message', () => relay.#foreign++);
    socket.on('error', (err) => relay.#log(`linkd: socket error: ${err.message}`));
    relay.#dropsBase = udpSocketDrops(relay.#port) ?? 0;
    relay.#watcher = setInterval(() => relay.#checkDrops(), 1000);
    relay.#watcher.unref();
    // Addresses given: the threads start now. Names: once they resolve (not awaited: the link
    // starts before its peers exist); names are tried every 100 ms until then.
    if (relay.#peers.every((p) => p.address)) await relay.#startForwarding();
    relay.#scheduleResolve(0, opts.resolveEveryMs ?? 2000);
    return relay;
  }

  get address(): { address: string; port: number } {
    return { address: this.#opts.listenAddress ?? '0.0.0.0', port: this.#port };
  }

  get model(): LinkModel {
    return this.#model;
  }

  /** Which data plane carries the frames, and why where it is not the native one. */
  get dataPlane(): DataPlaneInfo {
    return this.#dataPlane;
  }

  /**
   * Whether the forwarding threads run: they start once every peer's address is known (a
   * container's name resolves only once it is up), and what arrives before is not forwarded.
   */
  get forwarding(): boolean {
    return this.#threads.length > 0;
  }

  /** The clients' names, in order (`client`, `client2`, ...). */
  get clients(): readonly string[] {
    return this.#clients;
  }

  /** How the directions are forwarded: one thread each, one thread for both, or not yet. */
  get threads(): 'per-direction' | 'shared' | 'waiting-for-peers' {
    return this.#threads.length === 2
      ? 'per-direction'
      : this.#threads.length === 1
        ? 'shared'
        : 'waiting-for-peers';
  }

  /**
   * Changes the impairment at run time; frames already in the delay queue keep their times.
   * Resolves once every direction applies it: a frame that arrives later meets the new model.
   * `step` names the scenario step it comes from in capture comments.
   */
  async setModel(model: LinkModel, step?: string): Promise<void> {
    this.#model = model;
    await Promise.all(this.#threads.map((t) => t.ask({ type: 'model', model, ...(step ? { step } : {}) })));
  }

  /**
   * Gives the frames from now the fates of a recorded run, each in its place of its flow (null
   * ends it). Every flow starts again from its first recorded place.
   */
  async setReplay(plan: ReplayPlan | null): Promise<void> {
    this.#replay = plan ? { plan, after: this.#record.last } : null;
    await Promise.all(this.#threads.map((t) => t.ask({ type: 'replay', plan })));
  }

  /** How the replay in force went so far: null when none is. */
  replayReport(): ReplayReport | null {
    const r = this.#replay;
    if (!r) return null;
    const records: PacketRecord[] = [];
    for (let since = r.after; ; ) {
      const page = this.#record.read(since, 50_000);
      records.push(...page);
      if (page.length < 50_000) break;
      since = page.at(-1)!.n;
    }
    return replayReport(r.plan, records);
  }

  stats(): RelayStats {
    this.#checkDrops();
    const each = (d: Direction) => this.#memory[d].map((m) => m.stats());
    const up = each('up');
    const down = each('down');
    const all = [...up, ...down];
    const sum = (key: 'foreign' | 'malformed' | 'sendErrors' | 'inFlight'): number =>
      all.reduce((n, s) => n + s[key], 0);
    const pick = (s: DirectionStats): DirectionStats => ({ total: s.total, byProtocol: s.byProtocol });
    const stats: RelayStats = {
      up: sumDirections(up),
      down: sumDirections(down),
      foreign: sum('foreign') + this.#foreign,
      malformed: sum('malformed'),
      sendErrors: sum('sendErrors'),
      unintendedDrops: this.#dropsSeen,
      inFlight: sum('inFlight'),
      io: Object.fromEntries(IO_COUNTS.map((k) => [k, all.reduce((n, s) => n + s.io[k], 0)])) as IoCounts,
      lateMs: latenessSummary(DIRECTIONS.flatMap((d) => this.#memory[d].flatMap((m) => m.lateness()))),
    };
    // Each path's own counters, where there are several (one client: the totals are its own).
    if (this.#clients.length > 1)
      stats.clients = Object.fromEntries(
        this.#clients.map((name, k) => [name, { up: pick(up[k]!), down: pick(down[k]!) }]),
      );
    return stats;
  }

  /** Zeroes the counters and the record, and restarts the random streams from the seed. */
  async reset(): Promise<void> {
    // Each thread zeroes what it writes; with no thread yet, nobody writes.
    if (this.#threads.length === 0) for (const d of DIRECTIONS) for (const m of this.#memory[d]) m.reset();
    await Promise.all(this.#threads.map((t) => t.ask({ type: 'reset' })));
    this.#record.clear();
    this.#resets++;
    // The streams restarted, a replay's places too: its report starts again.
    if (this.#replay) this.#replay.after = this.#record.last;
    this.#foreign = 0;
    this.#dropsBase = udpSocketDrops(this.#port) ?? this.#dropsBase;
    this.#dropsSeen = 0;
  }

  record(
    since = 0,
    limit?: number,
    opts: { head?: boolean } = {},
  ): { records: PacketRecord[]; last: number; overwritten: number; resets: number } {
    return {
      // A rule is named by the model in force now: one changed since names its own rule.
      records: this.#record.read(since, limit, {
        ...opts,
        ruleName: (client, dir, index) => {
          const rule = pathOf(this.#model, client, dir).events?.[index];
          return rule ? formatEventRule(rule) : `#${index + 1}`;
        },
      }),
      last: this.#record.last,
      overwritten: this.#record.overwritten,
      resets: this.#resets,
    };
  }

  async startCapture(path: string): Promise<void> {
    await this.stopCapture();
    this.#capture = new PcapngWriter(path);
    await Promise.all(this.#threads.map((t) => t.ask({ type: 'capture', on: true })));
  }

  async stopCapture(): Promise<{ path: string; frames: number } | null> {
    const cap = this.#capture;
    if (!cap) return null;
    // A thread's frames come before its acknowledgement: all of them are in the file.
    await Promise.all(this.#threads.map((t) => t.ask({ type: 'capture', on: false })));
    this.#capture = null;
    await cap.close();
    return { path: cap.path, frames: cap.frames };
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#resolver) clearTimeout(this.#resolver);
    if (this.#watcher) clearInterval(this.#watcher);
    await this.#starting?.catch(() => {});
    await Promise.all(this.#threads.map((t) => t.close()));
    this.#threads = [];
    await this.stopCapture();
    const socket = this.#socket;
    this.#socket = null;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  /** Starts the forwarding threads once, when both peers' addresses are known. */
  #startForwarding(): Promise<void> {
    this.#starting ??= this.#spawn().catch((err: Error) => {
      this.#log(`linkd: cannot forward: ${err.message}`);
      throw err;
    });
    return this.#starting;
  }

  async #spawn(): Promise<void> {
    const peers = this.#peers;
    const listen = this.#opts.listenAddress ?? '0.0.0.0';
    const sides =
      this.#opts.sides ??
      (WILDCARD.has(listen)
        ? await Promise.all(peers.map((p) => localAddressToward(p.address!, p.port)))
        : [null, null]);
    const clientSide = sides[0]!;
    const serverSide = sides.at(-1)!;
    const base = {
      receiveBufferBytes: this.#opts.receiveBufferBytes ?? 64 << 20,
      dataPlane: this.#dataPlane.name,
      offload: this.#dataPlane.offload ?? false,
      timerfd: this.#dataPlane.timerfd ?? false,
      priority: this.#priority,
      peers: this.#peerAddresses(),
      identities: this.#opts.peers.map((p) =>
        p.labAddress ? { ip: ipv4Number(p.labAddress), mac: macBytes(labMac(p.labAddress)) } : null,
      ) as ForwarderConfig['identities'],
      clients: this.#clients,
      model: this.#model,
      replay: this.#replay?.plan ?? null,
      impairDiscovery: this.#opts.impairDiscovery === true,
      memory: {
        up: this.#memory.up.map((m) => m.buffers),
        down: this.#memory.down.map((m) => m.buffers),
      },
      record: { capacity: this.#record.capacity, buffer: this.#record.buffer },
      startEpochMs: performance.timeOrigin + this.#start,
      capturing: this.#capture !== null,
    };
    const events = { frame: (m: FrameMessage) => this.#onFrame(m), log: this.#log };
    if (this.#closed) return;
    let configs: ForwarderConfig[];
    if (clientSide && serverSide && clientSide !== serverSide) {
      configs = [
        {
          ...base,
          directions: ['up'],
          receive: { address: clientSide, port: this.#port },
          sendFrom: serverSide,
        },
        {
          ...base,
          directions: ['down'],
          receive: { address: serverSide, port: this.#port },
          sendFrom: clientSide,
        },
      ];
    } else {
      // One socket for both directions, where the main thread's is: that one makes way.
      const socket = this.#socket!;
      this.#socket = null;
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      configs = [
        {
          ...base,
          directions: ['up', 'down'],
          receive: { address: listen, port: this.#port },
          sendFrom: null,
        },
      ];
    }
    const started = await Promise.allSettled(configs.map((c) => ForwarderThread.start(c, events)));
    const threads = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed || this.#closed) {
      await Promise.all(threads.map((t) => t.close()));
      if (failed) throw (failed as PromiseRejectedResult).reason;
      return;
    }
    this.#threads = threads;
    // Every thread asks the same; the first one's answer stands for them (show, status).
    this.#dataPlane.priority = threads[0]?.priority;
    // What changed while the threads started: a peer that moved, a new model, a capture.
    this.#postPeers();
    if (this.#model !== base.model) await this.setModel(this.#model);
    if ((this.#replay?.plan ?? null) !== base.replay)
      await Promise.all(threads.map((t) => t.ask({ type: 'replay', plan: this.#replay?.plan ?? null })));
    if ((this.#capture !== null) !== base.capturing)
      await Promise.all(threads.map((t) => t.ask({ type: 'capture', on: this.#capture !== null })));
  }

  #onFrame(m: FrameMessage): void {
    const frame = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
    this.#capture?.write(frame.subarray(VXLAN_HEADER), BigInt(m.micros), m.comment, m.up);
  }

  #peerAddresses(): PeerAddress[] {
    return this.#peers.map((p) => ({ address: p.address, port: p.port }));
  }

  #postPeers(): void {
    for (const t of this.#threads) t.post({ type: 'peers', peers: this.#peerAddresses() });
  }

  /** Resolves now and again later: every 100 ms while a peer is unknown, then every `everyMs`. */
  #scheduleResolve(inMs: number, everyMs: number): void {
    if (this.#closed || this.#peers.every((p) => isIP(p.host))) return;
    this.#resolver = setTimeout(async () => {
      await this.#resolvePeers();
      if (this.#peers.every((p) => p.address)) this.#startForwarding().catch(() => {});
      this.#scheduleResolve(this.#peers.every((p) => p.address) ? everyMs : 100, everyMs);
    }, inMs);
    this.#resolver.unref();
  }

  async #resolvePeers(): Promise<void> {
    let moved = false;
    const found = (peer: Peer, address: string | null | undefined): void => {
      // Not found (not up yet, or gone for a moment): the last address stays.
      if (!address || address === peer.address) return;
      const who = peer.replica === undefined ? peer.host : `${peer.host} #${peer.replica}`;
      if (peer.address) this.#log(`linkd: peer ${who} moved from ${peer.address} to ${address}`);
      peer.address = address;
      moved = true;
    };
    // A scaled service's replicas are found together, by one look at the name.
    const scaled = new Map<string, Peer[]>();
    for (const p of this.#peers)
      if (p.replica !== undefined) scaled.set(p.host, [...(scaled.get(p.host) ?? []), p]);
    await Promise.all([
      ...this.#peers
        .filter((p) => p.replica === undefined)
        .map(async (peer) => {
          if (peer.resolving) return;
          peer.resolving = true;
          try {
            found(peer, await lookupPeer(peer.host));
          } finally {
            peer.resolving = false;
          }
        }),
      ...[...scaled].map(async ([host, replicas]) => {
        if (replicas[0]!.resolving) return;
        replicas[0]!.resolving = true;
        try {
          const byNumber = await lookupReplicas(host);
          for (const peer of replicas) found(peer, byNumber.get(peer.replica!));
        } finally {
          replicas[0]!.resolving = false;
        }
      }),
    ]);
    if (moved) this.#postPeers();
  }

  #checkDrops(): void {
    const now = udpSocketDrops(this.#port);
    if (now === null) return;
    const seen = now - this.#dropsBase;
    if (seen > this.#dropsSeen) {
      this.#log(
        `linkd: the kernel dropped ${seen - this.#dropsSeen} datagrams because linkd's receive buffer was full (${seen} in all): these losses are not the model's`,
      );
      this.#dropsSeen = seen;
    }
  }
}

type FrameMessage = Extract<FromForwarder, { type: 'frame' }>;

/** Several paths' counters of one direction, added up. */
function sumDirections(parts: DirectionStats[]): DirectionStats {
  const out = emptyDirectionStats();
  for (const p of parts)
    for (const c of COUNTERS) {
      out.total[c] += p.total[c];
      for (const proto of Object.keys(out.byProtocol) as (keyof DirectionStats['byProtocol'])[])
        out.byProtocol[proto][c] += p.byProtocol[proto][c];
    }
  return out;
}

function latenessSummary(samples: number[]): RelayStats['lateMs'] {
  const n = Math.min(samples.length, 2 * LATENESS_SAMPLES);
  if (n === 0) return null;
  const xs = samples.sort((a, b) => a - b);
  const at = (p: number): number => Math.round(xs[Math.min(n - 1, Math.ceil(p * n) - 1)]! * 1000) / 1000;
  return { p50: at(0.5), p99: at(0.99), max: at(1) };
}
