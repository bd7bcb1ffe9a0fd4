// demux: the seeds' demultiplexing, across hosts. Clients on several hosts send numbered datagrams
// at once to the server's one UDP socket (port 12000); the server tells them apart only by source
// address and port, and each reply must go back to the socket that asked. Each client's datagrams
// have a size of their own (64 + k bytes), so a reply sent to the wrong socket shows twice: in that
// client's result (the bytes match none of its own) and in the link's record (a frame addressed to
// one source that carries another's size). Each client is judged by its own path.
import { PROGRAM as UDP_ECHO_CLIENT, type UdpClientResult } from '../apps/udp-echo-client.ts';
import type { LabHost } from '../lab/lab-host.ts';
import { runProgram } from '../lab/run-program.ts';
import type { StartedLab } from '../lab/start-lab.ts';
import { clientAddress } from '../lab/started-lab.ts';
import type { PacketRecord } from '../link/control/packet-record.ts';
import { clientIndex, type LinkModel, pathModel } from '../link/model/impairment-model.ts';
import { linkQuiet } from './compare.ts';
import { type CrossCheck, crossCheck } from './link-evidence.ts';
import { crossCheckVerdict, udpDeliveryVerdict } from './link-verdicts.ts';
import { check, type Verdict } from './verdict.ts';

/** The port of the lab's UDP echo server: one socket for every client. */
const ECHO_PORT = 12000;

export interface DemuxOptions {
  /** Client sockets, spread over the lab's client hosts (default: one per host). */
  clients?: number;
  /** Datagrams per client. */
  count?: number;
  intervalMs?: number;
  /** The server's port (default the lab's UDP echo server, 12000): another server of one socket. */
  port?: number;
  /** The client hosts to spread them over (default: all of the lab's). */
  hosts?: readonly LabHost[];
}

export interface DemuxClient {
  /** The client's number, from 0; its datagrams are 64 + number bytes. */
  client: number;
  host: string;
  address: string;
  size: number;
  /** Its path's model. */
  model: LinkModel;
  udp: UdpClientResult;
  /** The source (`address:port`) the server saw it as, from the record; null when none reached it. */
  source: string | null;
  /** Replies on the link addressed to this client's socket that carried another client's size. */
  misdirected: number;
  crossCheck: CrossCheck;
}

export interface DemuxResult {
  experiment: 'demux';
  model: LinkModel;
  hosts: number;
  clients: DemuxClient[];
  /** Every source the server's socket received from, in the record. */
  sources: string[];
  /** How long all clients were sending at the same time, by the record's clock (ms). */
  overlapMs: number;
  verdicts: Verdict[];
}

/** Which host each client socket runs on: round the hosts, so that N ≤ hosts puts one on each. */
export function spreadClients(n: number, hosts: readonly LabHost[]): LabHost[] {
  return Array.from({ length: n }, (_, k) => hosts[k % hosts.length]!);
}

const endpoint = (address: string, port: number): string => `${address}:${port}`;

const toPort =
  (port: number) =>
  (r: PacketRecord): boolean =>
    r.proto === 'udp' && r.dir === 'up' && r.dport === port;
const fromPort =
  (port: number) =>
  (r: PacketRecord): boolean =>
    r.proto === 'udp' && r.dir === 'down' && r.sport === port;

export async function demux(lab: StartedLab, opts: DemuxOptions = {}): Promise<DemuxResult> {
  const over = opts.hosts ?? lab.clients;
  const n = opts.clients ?? over.length;
  const count = opts.count ?? 200;
  const serverPort = opts.port ?? ECHO_PORT;
  const udpTo = toPort(serverPort);
  const udpFrom = fromPort(serverPort);
  const hosts = spreadClients(n, over);
  const plan = hosts.map((host, k) => {
    const model = pathModel(lab.model, host.name);
    const delays = [model.up, model.down].map((d) => (d.delay?.ms ?? 0) + 3 * (d.delay?.jitterMs ?? 0));
    return {
      client: k,
      host,
      address: clientAddress(clientIndex(host.name)),
      size: 64 + k,
      model,
      // Long enough that a delayed reply is not mistaken for a lost one.
      timeoutMs: Math.max(2000, 4 * (delays[0]! + delays[1]!)),
    };
  });
  await linkQuiet(lab);
  await lab.resetLink();
  const results = await Promise.all(
    plan.map((p) =>
      runProgram(p.host, UDP_ECHO_CLIENT, {
        host: 'server',
        port: serverPort,
        count,
        interval: opts.intervalMs ?? 10,
        size: p.size,
        timeout: p.timeoutMs,
        'per-seq': true,
      }),
    ),
  );
  const records = await lab.linkRecord();
  const requests = records.filter(udpTo);
  const replies = records.filter(udpFrom);
  // A client's source: the port its datagrams of its own size left from its own address.
  const sourceOf = plan.map((p) => {
    const mine = requests.filter((r) => r.src === p.address && r.plen === p.size);
    const ports = [...new Set(mine.map((r) => r.sport))];
    return ports.length === 1 ? endpoint(p.address, ports[0]!) : null;
  });
  const sizeOf = new Map(plan.map((p, k) => [sourceOf[k], p.size]));
  const sources = [
    ...new Set(requests.filter((r) => r.fate === 'forwarded').map((r) => endpoint(r.src, r.sport))),
  ].sort();
  const clients: DemuxClient[] = plan.map((p, k) => {
    const source = sourceOf[k]!;
    const port = source ? Number(source.split(':')[1]) : -1;
    const own = records.filter(
      (r) =>
        (udpTo(r) && r.src === p.address && r.sport === port) ||
        (udpFrom(r) && r.dst === p.address && r.dport === port),
    );
    const toIt = replies.filter((r) => r.dst === p.address && r.dport === port);
    return {
      client: k,
      host: p.host.name,
      address: p.address,
      size: p.size,
      model: p.model,
      udp: results[k]!,
      source,
      misdirected: toIt.filter((r) => r.plen !== p.size || r.client !== p.host.name).length,
      crossCheck: crossCheck(results[k]!.rtts ?? [], own),
    };
  });
  const spans = plan.map((_, k) => {
    const t = requests.filter((r) => endpoint(r.src, r.sport) === sourceOf[k]).map((r) => r.t);
    return t.length ? [Math.min(...t), Math.max(...t)] : [0, -1];
  });
  const overlapMs = Math.max(0, Math.min(...spans.map((s) => s[1]!)) - Math.max(...spans.map((s) => s[0]!)));
  const strays = replies.filter((r) => !sizeOf.has(endpoint(r.dst, r.dport))).length;
  const misdirected = clients.reduce((a, c) => a + c.misdirected, 0);
  const hostCount = new Set(hosts.map((h) => h.name)).size;
  // A host's name says which client it is, unless a host runs several.
  const who = (c: DemuxClient): string => (hostCount === n ? c.host : `${c.host} #${c.client}`);
  const foreign = clients.map((c) => `${who(c)} ${c.udp.corrupted}`);
  const clean = lab.clients.every((h) => {
    const m = pathModel(lab.model, h.name);
    return !m.up.corrupt && !m.down.corrupt;
  });
  const verdicts: Verdict[] = [
    check(
      `the server's one socket saw ${n} sources`,
      sources.length === n && sourceOf.every((s) => s !== null),
      `the link carried datagrams to port ${serverPort} from ${sources.length} source(s): ${sources.join(', ') || 'none'}; ${n} client socket(s) on ${hostCount} host(s)`,
    ),
    check(
      'the clients sent at the same time',
      overlapMs > 0,
      `all ${n} were sending together for ${overlapMs.toFixed(0)} ms of the link's clock`,
    ),
    check(
      'each reply went back to the socket that asked',
      misdirected === 0 && strays === 0,
      `${replies.length} replies on the link: ${misdirected} addressed to one client with another's size or on another's path, ${strays} to no client's socket`,
    ),
    check(
      'each client got only its own replies',
      !clean || clients.every((c) => c.udp.corrupted === 0),
      clean
        ? `replies that matched none of the client's own datagrams: ${foreign.join(', ')}`
        : `the link corrupts, so the clients' own count of foreign replies cannot tell; the link's record above decides`,
    ),
  ];
  for (const c of clients)
    for (const v of [udpDeliveryVerdict(c.model, c.udp), crossCheckVerdict(c.crossCheck)])
      verdicts.push({ ...v, name: `${who(c)}: ${v.name}` });
  return { experiment: 'demux', model: lab.model, hosts: hostCount, clients, sources, overlapMs, verdicts };
}
