// bench:link — the relay engine with no impairment against the kernel's direct VXLAN path, in
// network namespaces on this machine, measured side by side in one run: added RTT (p50, p99),
// loss-free packets per second at 64 and 1400 bytes, TCP bulk throughput and retransmits; then
// the relay's delay fidelity at 10 ms and 40 ms. Needs root and iperf3.

import { summarizeRtt } from '../src/apps/rtt-stats.ts';
import {
  canRunNetns,
  type NetnsLab,
  SERVER_LAB_IP,
  startAppIn,
  startNetnsLab,
} from '../test/helpers/netns-lab.ts';
import { appPath } from '../test/helpers/programs.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const PINGS = Number(process.env.BENCH_PINGS ?? 2000);

interface PathResult {
  rtt: { p50: number; p99: number };
  pps64: number;
  pps1400: number;
  tcpGbps: number;
  retransmits: number;
  relayDrops?: number;
}

async function rtts(lab: NetnsLab, count: number): Promise<number[]> {
  // Stop-and-wait pings through our UDP echo: one datagram in flight, so each RTT is the path's.
  const r = await lab.exec(lab.client, process.execPath, [
    '--input-type=module',
    '-e',
    `import { measureUdp } from '${appPath('udp-measure')}';
     const r = await measureUdp({ address: '${SERVER_LAB_IP}', family: 4, port: 12000, count: ${count}, intervalMs: 0, size: 64, timeoutMs: 2000, window: 1 });
     console.log(JSON.stringify(r.rtts));`,
  ]);
  return (JSON.parse(r.stdout) as (number | null)[]).filter((x): x is number => x !== null);
}

/** The parts of iperf3's JSON report used here. */
interface IperfResult {
  error?: string;
  end: {
    sum: { packets: number; seconds: number; lost_packets: number };
    sum_received: { bits_per_second: number };
    sum_sent: { retransmits?: number };
  };
}

async function iperf(lab: NetnsLab, args: string[]): Promise<IperfResult> {
  const r = await lab.exec(
    lab.client,
    'iperf3',
    ['-c', SERVER_LAB_IP, '-J', '-t', String(SECONDS), ...args],
    60_000,
  );
  const j = JSON.parse(r.stdout) as IperfResult;
  if (j.error) throw new Error(`iperf3 ${args.join(' ')}: ${j.error}`);
  return j;
}

/** The highest UDP packet rate (one way) with no loss, by bisection over iperf3 runs. */
async function lossFreePps(lab: NetnsLab, size: number): Promise<number> {
  let lo = 1000;
  let hi = 1_000_000;
  for (let i = 0; i < 7; i++) {
    const mid = Math.round(Math.sqrt(lo * hi));
    const j = await iperf(lab, ['-u', '-l', String(size), '-b', String(mid * size * 8)]);
    const s = j.end.sum;
    const achieved = s.packets / s.seconds;
    if (s.lost_packets === 0 && achieved > mid * 0.9) lo = mid;
    else hi = mid;
  }
  return lo;
}

async function measurePath(lab: NetnsLab): Promise<PathResult> {
  const samples = await rtts(lab, PINGS);
  const s = summarizeRtt(samples)!;
  await lab.linkd?.call({ cmd: 'reset' });
  const tcp = await iperf(lab, []);
  // Read right after the bulk run: the pps search below overloads the path on purpose.
  const stats = (await lab.linkd?.call({ cmd: 'stats' }))?.stats;
  return {
    rtt: { p50: s.p50, p99: s.p99 },
    tcpGbps: tcp.end.sum_received.bits_per_second / 1e9,
    retransmits: tcp.end.sum_sent.retransmits ?? 0,
    ...(stats ? { relayDrops: stats.unintendedDrops } : {}),
    pps64: await lossFreePps(lab, 64),
    pps1400: await lossFreePps(lab, 1400),
  };
}

async function withLab<T>(path: 'relay' | 'direct', body: (lab: NetnsLab) => Promise<T>): Promise<T> {
  const lab = await startNetnsLab({ tag: `b${path[0]}${process.pid % 1000}`, path });
  try {
    await startAppIn(lab, lab.server, 'udp-echo-server', ['--quiet']);
    await lab.start(lab.server, 'iperf3', ['-s', '--forceflush'], /Server listening/);
    return await body(lab);
  } finally {
    await lab[Symbol.asyncDispose]();
  }
}

async function main(): Promise<void> {
  const cannot = canRunNetns();
  if (cannot) {
    process.stderr.write(`bench:link: ${cannot}; run it as root\n`);
    process.exit(2);
  }
  const direct = await withLab('direct', measurePath);
  const fidelity: { delay: number; meanErr: number; p99Err: number; lateP99: number; lateMax: number }[] = [];
  const relay = await withLab('relay', async (lab) => {
    const r = await measurePath(lab);
    const base = summarizeRtt(await rtts(lab, 500))!.p50;
    for (const delay of [10, 40]) {
      await lab.linkd!.call({ cmd: 'set', impair: `delay ${delay}ms` });
      await lab.linkd!.call({ cmd: 'reset' });
      const errs = (await rtts(lab, 300)).map((x) => x - base - 2 * delay);
      const abs = errs.map(Math.abs).sort((a, b) => a - b);
      const late = (await lab.linkd!.call({ cmd: 'stats' })).stats.lateMs;
      fidelity.push({
        delay,
        meanErr: errs.reduce((a, b) => a + b, 0) / errs.length,
        p99Err: abs[Math.ceil(abs.length * 0.99) - 1]!,
        lateP99: late?.p99 ?? Number.NaN,
        lateMax: late?.max ?? Number.NaN,
      });
    }
    return r;
  });
  const f = (x: number, d = 3): string => x.toFixed(d);
  const line = (name: string, d: string, r: string, ratio: string): string =>
    `${name.padEnd(30)} ${d.padStart(12)} ${r.padStart(12)} ${ratio.padStart(10)}`;
  console.log(
    `link benchmark: kernel VXLAN direct vs through linkd (relay, no impairment), ${SECONDS} s iperf3 runs, ${PINGS} pings`,
  );
  console.log(line('', 'direct', 'relay', 'relay/dir'));
  console.log(
    line('RTT p50 (ms)', f(direct.rtt.p50), f(relay.rtt.p50), `${f(relay.rtt.p50 / direct.rtt.p50, 2)}x`),
  );
  console.log(
    line('RTT p99 (ms)', f(direct.rtt.p99), f(relay.rtt.p99), `${f(relay.rtt.p99 / direct.rtt.p99, 2)}x`),
  );
  console.log(
    `  added RTT: p50 ${f((relay.rtt.p50 - direct.rtt.p50) * 1000, 0)} µs, p99 ${f((relay.rtt.p99 - direct.rtt.p99) * 1000, 0)} µs (target p50 ≤ 100 µs)`,
  );
  console.log(
    line(
      'loss-free pps, 64 B',
      String(direct.pps64),
      String(relay.pps64),
      `${f(relay.pps64 / direct.pps64, 2)}x`,
    ),
  );
  console.log(
    line(
      'loss-free pps, 1400 B',
      String(direct.pps1400),
      String(relay.pps1400),
      `${f(relay.pps1400 / direct.pps1400, 2)}x`,
    ),
  );
  console.log(
    line(
      'TCP bulk (Gbit/s)',
      f(direct.tcpGbps, 2),
      f(relay.tcpGbps, 2),
      `${f(relay.tcpGbps / direct.tcpGbps, 2)}x`,
    ),
  );
  console.log(line('TCP retransmits', String(direct.retransmits), String(relay.retransmits), ''));
  console.log(
    `  relay drops the model did not ask for, during TCP bulk: ${relay.relayDrops} (target 0; TCP target ≥ 1 Gbit/s)`,
  );
  for (const x of fidelity) {
    console.log(
      `delay fidelity at ${x.delay} ms each way: RTT error mean ${f(x.meanErr)} ms, p99 |error| ${f(x.p99Err)} ms; linkd's own lateness p99 ${f(x.lateP99)} ms, max ${f(x.lateMax)} ms (target p99 ≤ 1 ms)`,
    );
  }
}

await main();
