// compare: UDP and TCP echo through the same impaired link, one after the other, with the
// evidence of all three hosts: the client's results, the link's per-packet record, and the end
// hosts' kernel counters for each phase. In a lab of several clients, from one of them (`from`),
// judged by that client's path and its part of the record.
import { PROGRAM as TCP_ECHO_CLIENT } from '../apps/tcp-echo-client.ts';
import type { TcpResult } from '../apps/tcp-measure.ts';
import { PROGRAM as UDP_ECHO_CLIENT, type UdpClientResult } from '../apps/udp-echo-client.ts';
import { runProgram } from '../lab/run-program.ts';
import type { StartedLab } from '../lab/start-lab.ts';
import type { PacketRecord } from '../link/control/packet-record.ts';
import { pathStats, type RelayStats } from '../link/control/relay-stats.ts';
import { type LinkModel, pathModel } from '../link/model/impairment-model.ts';
import { type Fidelity, fidelity } from './fidelity.ts';
import { type CounterDelta, evidenceDelta } from './kernel-evidence.ts';
import { type CrossCheck, crossCheck, type LinkFates, linkFates } from './link-evidence.ts';
import {
  corruptionVerdict,
  crossCheckVerdict,
  retransmitVerdict,
  rttVerdict,
  tcpIntactVerdict,
  udpDeliveryVerdict,
} from './link-verdicts.ts';
import type { Verdict } from './verdict.ts';

export interface CompareOptions {
  /** Messages per protocol. */
  count?: number;
  /** Between UDP datagrams, ms. */
  intervalMs?: number;
  size?: number;
  /** Which client host to run from (default `client`); its own path is what is judged. */
  from?: string;
}

export interface Evidence {
  link: { stats: RelayStats; up: LinkFates; down: LinkFates };
  kernel: {
    udp: { client: CounterDelta; server: CounterDelta };
    tcp: { client: CounterDelta; server: CounterDelta };
  };
  crossCheck: CrossCheck;
}

export interface CompareResult {
  experiment: 'compare';
  /** The model of the path the run took (the client's own, in a lab of several). */
  model: LinkModel;
  /** The client host it ran from. */
  client: string;
  udp: UdpClientResult;
  tcp: TcpResult;
  evidence: Evidence;
  /** What the link realized against the model, per direction, over the whole run. */
  fidelity: Fidelity;
  verdicts: Verdict[];
}

/** Waits (at most 5 s) until the link has carried no frame for half a second. */
export async function linkQuiet(lab: StartedLab): Promise<void> {
  const frames = async (): Promise<number> => {
    const s = await lab.linkStats();
    return s.up.total.received + s.down.total.received;
  };
  const end = Date.now() + 5000;
  let last = await frames();
  let since = Date.now();
  while (Date.now() < end && Date.now() - since < 500) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await frames();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

async function snapshot(lab: StartedLab, from: string) {
  const [client, server] = await Promise.all([lab.counters(from), lab.counters('server')]);
  return { client, server };
}

export async function compare(lab: StartedLab, opts: CompareOptions = {}): Promise<CompareResult> {
  const count = opts.count ?? 200;
  const size = opts.size ?? 64;
  const host = lab.host(opts.from ?? 'client');
  const model = pathModel(lab.model, host.name);
  // The record's frames of this client's path (all of them in a lab of one client).
  const own = (records: PacketRecord[]): PacketRecord[] =>
    lab.clients.length === 1 ? records : records.filter((r) => r.client === host.name);
  const delays = [model.up, model.down].map((d) => (d.delay?.ms ?? 0) + 3 * (d.delay?.jitterMs ?? 0));
  // Long enough that a delayed reply is not mistaken for a lost one.
  const timeoutMs = Math.max(2000, 4 * (delays[0]! + delays[1]!));
  // A fresh record, and the random streams restarted from the seed: the run reproduces, once
  // the frames of whatever ran before (a TCP connection closing, say) have stopped coming.
  await linkQuiet(lab);
  await lab.resetLink();
  const t0 = await snapshot(lab, host.name);
  const udp = await runProgram(host, UDP_ECHO_CLIENT, {
    host: 'server',
    count,
    interval: opts.intervalMs ?? 5,
    size,
    timeout: timeoutMs,
    'per-seq': true,
  });
  const records = own(await lab.linkRecord());
  const t1 = await snapshot(lab, host.name);
  const tcp = await runProgram(host, TCP_ECHO_CLIENT, {
    host: 'server',
    count,
    size,
    interval: 0,
    timeout: 120_000,
  });
  const t2 = await snapshot(lab, host.name);
  const stats = pathStats(await lab.linkStats(), host.name);
  const whole = own(await lab.linkRecord());
  const kernel = {
    udp: { client: evidenceDelta(t0.client, t1.client), server: evidenceDelta(t0.server, t1.server) },
    tcp: { client: evidenceDelta(t1.client, t2.client), server: evidenceDelta(t1.server, t2.server) },
  };
  const evidence: Evidence = {
    link: { stats, up: linkFates(records, 'up'), down: linkFates(records, 'down') },
    kernel,
    crossCheck: crossCheck(udp.rtts ?? [], records),
  };
  const both = {
    client: sum(kernel.udp.client, kernel.tcp.client),
    server: sum(kernel.udp.server, kernel.tcp.server),
  };
  const verdicts = [
    udpDeliveryVerdict(model, udp),
    crossCheckVerdict(evidence.crossCheck),
    tcpIntactVerdict(tcp),
    rttVerdict(model, udp.rttMs, udp.received),
    retransmitVerdict(model, count, kernel.tcp.client, kernel.tcp.server),
    corruptionVerdict(model, stats, both.client, both.server, udp),
  ];
  return {
    experiment: 'compare',
    model,
    client: host.name,
    udp,
    tcp,
    evidence,
    fidelity: fidelity(model, whole),
    verdicts,
  };
}

function sum(a: CounterDelta, b: CounterDelta): CounterDelta {
  return Object.fromEntries(
    Object.keys(a).map((k) => [k, a[k as keyof CounterDelta] + b[k as keyof CounterDelta]]),
  ) as CounterDelta;
}
