// The relay engine: receives every VXLAN datagram from one end host and forwards it to the other,
// deciding each frame's fate with the direction's shaper. Peers are given by name or address and
// re-resolved, so a restarted container with a new address is followed.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { type Decision, DirectionShaper } from './direction-shaper.ts';
import { type Direction, isClean, type LinkModel } from './impairment-model.ts';
import { type PacketRecord, PacketRecordRing } from './packet-record.ts';
import { PcapngWriter } from './pcapng-writer.ts';
import { RelayCounters, type RelayStats } from './relay-stats.ts';
import { udpSocketDrops } from './socket-drops.ts';
import { TimerQueue } from './timer-queue.ts';
import { type FrameInfo, fingerprint, parseVxlan, probeSeq, VXLAN_HEADER } from './vxlan-frame.ts';

export const VXLAN_PORT = 4789;

export interface PeerSpec {
  host: string;
  port: number;
}

export interface RelayOptions {
  /** Peer 0 is the client side (its frames go `up`), peer 1 the server side. */
  peers: [PeerSpec, PeerSpec];
  listenAddress?: string;
  listenPort?: number;
  model: LinkModel;
  /** How many packet fates to keep (default 200,000). */
  recordCapacity?: number;
  /** Also impair ARP and neighbour discovery (off: a lab always comes up). */
  impairDiscovery?: boolean;
  /** Receive buffer to ask the kernel for (it caps it at net.core.rmem_max). */
  receiveBufferBytes?: number;
  /** How often names are resolved again, ms. */
  resolveEveryMs?: number;
  log?: (line: string) => void;
}

interface Peer extends PeerSpec {
  address: string | null;
  /** A DNS query is in flight: one at a time per peer. */
  resolving: boolean;
}

// Docker's DNS answers for containers that exist; for one that does not exist yet it may forward
// to upstream servers that never answer: queries are short and retried.
const dnsQuery = new Resolver({ timeout: 250, tries: 1 });

/** The IPv4 address /etc/hosts gives a name, if any. */
export function hostsFileAddress(name: string, text = readHostsFile()): string | null {
  for (const line of text.split('\n')) {
    const [addr, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (addr && isIP(addr) === 4 && names.includes(name)) return addr;
  }
  return null;
}

function readHostsFile(): string {
  try {
    return readFileSync('/etc/hosts', 'utf8');
  } catch {
    return '';
  }
}

interface Pending {
  data: Buffer;
  to: Peer;
  dir: Direction;
  proto: FrameInfo['proto'];
  comment: string;
  /** The record of the frame this is the first copy of (its real departure is noted), or 0. */
  record: number;
  arrived: number;
}

export class LinkRelay {
  readonly #socket: Socket;
  readonly #peers: [Peer, Peer];
  readonly #counters = new RelayCounters();
  readonly #record: PacketRecordRing;
  readonly #queue: TimerQueue<Pending>;
  readonly #opts: RelayOptions;
  readonly #log: (line: string) => void;
  readonly #start = performance.now();
  #model: LinkModel;
  #shapers: Record<Direction, DirectionShaper>;
  #pending: Record<Direction, number> = { up: 0, down: 0 };
  #capture: PcapngWriter | null = null;
  #dropsBase = 0;
  #dropsSeen = 0;
  #resolver: NodeJS.Timeout | null = null;
  /** How late delayed frames left, ms: the last 4096, for the delay-fidelity figures. */
  readonly #lateness = new Float64Array(4096);
  #latenessNext = 0;
  #watcher: NodeJS.Timeout | null = null;

  private constructor(socket: Socket, opts: RelayOptions) {
    this.#socket = socket;
    this.#opts = opts;
    this.#log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.#peers = opts.peers.map((p) => ({
      ...p,
      address: isIP(p.host) ? p.host : null,
      resolving: false,
    })) as [Peer, Peer];
    this.#record = new PacketRecordRing(opts.recordCapacity ?? 200_000);
    this.#model = opts.model;
    this.#shapers = this.#makeShapers(opts.model);
    this.#queue = new TimerQueue((p, at) => {
      this.#pending[p.dir]--;
      this.#lateness[this.#latenessNext++ % this.#lateness.length] = performance.now() - at;
      this.#send(p);
    });
  }

  static async start(opts: RelayOptions): Promise<LinkRelay> {
    const rcvbuf = opts.receiveBufferBytes ?? 64 << 20;
    const socket = createSocket({ type: 'udp4', recvBufferSize: rcvbuf, sendBufferSize: rcvbuf });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(opts.listenPort ?? VXLAN_PORT, opts.listenAddress ?? '0.0.0.0', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const relay = new LinkRelay(socket, opts);
    // Not awaited: the peers may not exist yet (the link starts first); until they resolve,
    // their datagrams are counted as foreign, and names are tried again every 100 ms.
    relay.#scheduleResolve(0, opts.resolveEveryMs ?? 2000);
    relay.#dropsBase = udpSocketDrops(relay.address.port) ?? 0;
    socket.on('message', (msg, rinfo) => relay.#onDatagram(msg, rinfo));
    // Sends go without a callback (one less allocation per frame); their errors arrive here.
    socket.on('error', (err) => {
      relay.#counters.sendErrors++;
      relay.#log(`linkd: socket error: ${err.message}`);
    });
    relay.#watcher = setInterval(() => relay.#checkDrops(), 1000);
    relay.#watcher.unref();
    return relay;
  }

  get address(): { address: string; port: number } {
    return this.#socket.address();
  }

  get model(): LinkModel {
    return this.#model;
  }

  /** Changes the impairment at run time; frames already in the delay queue keep their times. */
  setModel(model: LinkModel): void {
    this.#model = model;
    this.#shapers = this.#makeShapers(model);
  }

  stats(): RelayStats {
    this.#checkDrops();
    const c = this.#counters;
    return {
      up: c.up,
      down: c.down,
      foreign: c.foreign,
      malformed: c.malformed,
      sendErrors: c.sendErrors,
      unintendedDrops: this.#dropsSeen,
      inFlight: this.#queue.size,
      lateMs: this.#latenessSummary(),
    };
  }

  #latenessSummary(): RelayStats['lateMs'] {
    const n = Math.min(this.#latenessNext, this.#lateness.length);
    if (n === 0) return null;
    const xs = Array.from(this.#lateness.subarray(0, n)).sort((a, b) => a - b);
    const at = (p: number): number => Math.round(xs[Math.min(n - 1, Math.ceil(p * n) - 1)]! * 1000) / 1000;
    return { p50: at(0.5), p99: at(0.99), max: at(1) };
  }

  /** Zeroes the counters and the record, and restarts the random streams from the seed. */
  reset(): void {
    this.#counters.reset();
    this.#record.clear();
    this.#dropsBase = udpSocketDrops(this.address.port) ?? this.#dropsBase;
    this.#dropsSeen = 0;
    this.#latenessNext = 0;
    this.#shapers = this.#makeShapers(this.#model);
  }

  record(
    since = 0,
    limit?: number,
    opts: { head?: boolean } = {},
  ): { records: PacketRecord[]; last: number; overwritten: number } {
    return {
      records: this.#record.read(since, limit, opts),
      last: this.#record.last,
      overwritten: this.#record.overwritten,
    };
  }

  async startCapture(path: string): Promise<void> {
    await this.stopCapture();
    this.#capture = new PcapngWriter(path);
  }

  async stopCapture(): Promise<{ path: string; frames: number } | null> {
    const cap = this.#capture;
    this.#capture = null;
    if (!cap) return null;
    await cap.close();
    return { path: cap.path, frames: cap.frames };
  }

  async close(): Promise<void> {
    if (this.#resolver) clearTimeout(this.#resolver);
    if (this.#watcher) clearInterval(this.#watcher);
    this.#queue.close();
    await this.stopCapture();
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  #makeShapers(model: LinkModel): Record<Direction, DirectionShaper> {
    return {
      up: new DirectionShaper(model.up, model.seed, 'up'),
      down: new DirectionShaper(model.down, model.seed, 'down'),
    };
  }

  /** Resolves now and again later: every 100 ms while a peer is unknown, then every `everyMs`. */
  #scheduleResolve(inMs: number, everyMs: number): void {
    this.#resolver = setTimeout(async () => {
      await this.#resolvePeers();
      this.#scheduleResolve(this.#peers.every((p) => p.address) ? everyMs : 100, everyMs);
    }, inMs);
    this.#resolver.unref();
  }

  async #resolvePeers(): Promise<void> {
    await Promise.all(
      this.#peers.map(async (peer) => {
        if (isIP(peer.host) || peer.resolving) return;
        peer.resolving = true;
        try {
          // /etc/hosts first, then DNS. Not getaddrinfo: on a name Docker's DNS does not know yet
          // it can hang for seconds in libuv's thread pool, and the process cannot exit until it
          // returns. Not found (not up yet, or gone for a moment): the last address stays.
          const address =
            hostsFileAddress(peer.host) ?? (await dnsQuery.resolve4(peer.host).catch(() => null))?.[0];
          if (address) this.#setAddress(peer, address);
        } finally {
          peer.resolving = false;
        }
      }),
    );
  }

  #setAddress(peer: Peer, address: string): void {
    if (address === peer.address) return;
    if (peer.address) this.#log(`linkd: peer ${peer.host} moved from ${peer.address} to ${address}`);
    peer.address = address;
  }

  #checkDrops(): void {
    const now = udpSocketDrops(this.address.port);
    if (now === null) return;
    const seen = now - this.#dropsBase;
    if (seen > this.#dropsSeen) {
      this.#log(
        `linkd: the kernel dropped ${seen - this.#dropsSeen} datagrams because linkd's receive buffer was full (${seen} in all): these losses are not the model's`,
      );
      this.#dropsSeen = seen;
    }
  }

  #peerIndex(rinfo: RemoteInfo): number {
    const [a, b] = this.#peers;
    const sameAddress = a.address === b.address;
    for (let i = 0; i < 2; i++) {
      const p = this.#peers[i]!;
      if (p.address === rinfo.address && (!sameAddress || p.port === rinfo.port)) return i;
    }
    return -1;
  }

  #onDatagram(msg: Buffer, rinfo: RemoteInfo): void {
    const from = this.#peerIndex(rinfo);
    if (from < 0) {
      this.#counters.foreign++;
      return;
    }
    const info = parseVxlan(msg);
    if (!info) {
      this.#counters.malformed++;
      return;
    }
    const dir: Direction = from === 0 ? 'up' : 'down';
    const to = this.#peers[1 - from]!;
    const now = performance.now();
    const proto = info.proto;
    this.#counters.count(dir, proto, 'received');
    const shaper = this.#shapers[dir];
    const discovery = proto === 'arp' || proto === 'nd';
    let decision: Decision;
    // An outage stops discovery too: the link is down, not impaired.
    const bypass = discovery && !this.#opts.impairDiscovery && !shaper.model.outage;
    if (bypass || (isClean(shaper.model) && this.#pending[dir] === 0)) {
      decision = {
        fate: 'forwarded',
        copies: [{ data: msg, at: now, reordered: false }],
        duplicated: false,
        corrupted: false,
        reordered: false,
        delayMs: 0,
      };
    } else {
      decision = shaper.decide(msg, info, now);
    }
    const record = this.#account(dir, info, msg, now, decision);
    for (const [i, copy] of decision.copies.entries()) {
      const label =
        i > 0 ? 'duplicate' : decision.corrupted ? 'corrupted' : copy.reordered ? 'reordered' : 'forwarded';
      const pending: Pending = {
        data: copy.data,
        to,
        dir,
        proto,
        comment: `${dir} ${label}`,
        record: i === 0 ? record : 0,
        arrived: now,
      };
      if (copy.at <= now && this.#pending[dir] === 0) this.#send(pending);
      else {
        this.#pending[dir]++;
        this.#queue.add(copy.at, pending);
      }
    }
  }

  /** Counts the decision and records it; returns the record's number. */
  #account(dir: Direction, info: FrameInfo, msg: Buffer, now: number, d: Decision): number {
    const proto = info.proto;
    if (d.fate === 'lost') this.#counters.count(dir, proto, 'droppedLoss');
    if (d.fate === 'queue-drop') this.#counters.count(dir, proto, 'droppedQueue');
    if (d.fate === 'outage') this.#counters.count(dir, proto, 'droppedOutage');
    if (d.duplicated) this.#counters.count(dir, proto, 'duplicated');
    if (d.reordered) this.#counters.count(dir, proto, 'reordered');
    if (d.corrupted) this.#counters.count(dir, proto, 'corrupted');
    const n = this.#record.add(
      {
        t: now - this.#start,
        dir,
        proto,
        src: info.src,
        dst: info.dst,
        sport: info.sport,
        dport: info.dport,
        len: msg.length - VXLAN_HEADER,
        plen: info.payloadLength,
        flags: info.tcpFlags,
        fp: fingerprint(msg, info),
        seq: probeSeq(msg, info),
        fate: d.fate,
        duplicated: d.duplicated,
        corrupted: d.corrupted,
        reordered: d.reordered,
        delayMs: d.delayMs,
      },
      msg,
      proto === 'udp' || proto === 'tcp' ? info.payloadOffset : -1,
    );
    if (this.#capture && d.fate !== 'forwarded') {
      const why = d.fate === 'lost' ? 'loss' : d.fate === 'outage' ? 'outage' : 'queue full';
      this.#capture.write(msg.subarray(VXLAN_HEADER), nowMicros(), `${dir} DROPPED (${why})`, dir === 'up');
    }
    return n;
  }

  #send(p: Pending): void {
    const to = p.to;
    if (!to.address) {
      this.#counters.sendErrors++;
      return;
    }
    this.#socket.send(p.data, to.port, to.address);
    this.#counters.count(p.dir, p.proto, 'forwarded');
    if (p.record > 0) this.#record.departed(p.record, performance.now() - p.arrived);
    this.#capture?.write(p.data.subarray(VXLAN_HEADER), nowMicros(), p.comment, p.dir === 'up');
  }
}

const EPOCH_MICROS = BigInt(Date.now()) * 1000n - BigInt(Math.round(performance.now() * 1000));
function nowMicros(): bigint {
  return EPOCH_MICROS + BigInt(Math.round(performance.now() * 1000));
}
