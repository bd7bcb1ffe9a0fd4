// bench:echo — UDP and TCP echo round trips per second and RTT percentiles on loopback, for our
// servers and for the textbook's Python servers, driven by the same client (our measurement
// engines) in the same run, printed side by side with the ratio. Median of several rounds,
// servers interleaved so that machine noise falls on both alike.
import { measureTcp } from '../src/apps/tcp-measure.ts';
import { measureUdp } from '../src/apps/udp-measure.ts';
import { labPath, type Running, start, startApp } from '../test/support/programs.ts';
import { freePort } from '../test/support/sockets.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const UDP_COUNT = Number(process.env.BENCH_UDP_COUNT ?? 5000);
const TCP_COUNT = Number(process.env.BENCH_TCP_COUNT ?? 1000);

interface Sample {
  rps: number;
  p50: number;
  p99: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function python(file: string): Promise<Running> {
  const port = await freePort();
  const server = await start(
    'python3',
    ['-u', labPath(`textbook/${file}`), String(port)],
    /ready to receive/,
  );
  return Object.assign(server, { port });
}

async function udpRound(port: number): Promise<Sample> {
  // Stop-and-wait (window 1): the next datagram leaves when the reply is in, so trips/s and RTT
  // describe the same round trips and a slow server is not flooded into losses.
  const r = await measureUdp({
    address: '127.0.0.1',
    family: 4,
    port,
    count: UDP_COUNT,
    intervalMs: 0,
    size: 64,
    timeoutMs: 2000,
    window: 1,
  });
  if (r.lost > 0) throw new Error(`${r.lost} UDP datagrams lost on loopback against port ${port}`);
  return {
    rps: (r.received / r.totalMs) * 1000,
    p50: r.rttMs?.p50 ?? Number.NaN,
    p99: r.rttMs?.p99 ?? Number.NaN,
  };
}

async function tcpRound(port: number, oneshot: boolean): Promise<Sample> {
  const r = await measureTcp({
    address: '127.0.0.1',
    port,
    count: TCP_COUNT,
    size: 64,
    intervalMs: 0,
    timeoutMs: 5000,
    oneshot,
  });
  if (!r.intact) throw new Error(`TCP echo not intact against port ${port}: ${r.error ?? ''}`);
  return {
    rps: (r.received / r.totalMs) * 1000,
    p50: r.rttMs?.p50 ?? Number.NaN,
    p99: r.rttMs?.p99 ?? Number.NaN,
  };
}

function summarize(samples: Sample[]): Sample {
  return {
    rps: median(samples.map((s) => s.rps)),
    p50: median(samples.map((s) => s.p50)),
    p99: median(samples.map((s) => s.p99)),
  };
}

const row = (name: string, s: Sample): string =>
  `${name.padEnd(40)} ${s.rps.toFixed(0).padStart(10)} ${s.p50.toFixed(3).padStart(9)} ${s.p99.toFixed(3).padStart(9)}`;

async function main(): Promise<void> {
  const ourUdp = await startApp('udp-echo-server', ['--quiet']);
  const ourTcp = await startApp('tcp-echo-server', ['--quiet']);
  const pyUdp = await python('UDPServer.py');
  const pyTcp = await python('TCPServer.py');
  const results: Record<string, Sample[]> = { ourUdp: [], pyUdp: [], ourTcp1: [], pyTcp1: [], ourTcpP: [] };
  try {
    for (let i = 0; i < ROUNDS; i++) {
      results.ourUdp!.push(await udpRound(ourUdp.port));
      results.pyUdp!.push(await udpRound(pyUdp.port));
      results.ourTcp1!.push(await tcpRound(ourTcp.port, true));
      results.pyTcp1!.push(await tcpRound(pyTcp.port, true));
      results.ourTcpP!.push(await tcpRound(ourTcp.port, false));
    }
  } finally {
    await Promise.all([ourUdp, ourTcp, pyUdp, pyTcp].map((s) => s.stop()));
  }
  const s = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, summarize(v)])) as Record<
    string,
    Sample
  >;
  const ratio = (a: Sample, b: Sample): string =>
    `${'  ratio socklab / textbook'.padEnd(40)} ${`${(a.rps / b.rps).toFixed(2)}x`.padStart(10)} ${`${(a.p50 / b.p50).toFixed(2)}x`.padStart(9)} ${`${(a.p99 / b.p99).toFixed(2)}x`.padStart(9)}`;
  console.log(
    `echo benchmark on loopback, median of ${ROUNDS} rounds (UDP ${UDP_COUNT} datagrams, TCP ${TCP_COUNT} messages per round; 64 B)`,
  );
  console.log(`${''.padEnd(40)} ${'trips/s'.padStart(10)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)}`);
  console.log(row('UDP   socklab udp-echo-server (node)', s.ourUdp!));
  console.log(row('UDP   textbook UDPServer.py (python3)', s.pyUdp!));
  console.log(ratio(s.ourUdp!, s.pyUdp!));
  console.log(row('TCP   socklab tcp-echo-server, one-shot', s.ourTcp1!));
  console.log(row('TCP   textbook TCPServer.py, one-shot', s.pyTcp1!));
  console.log(ratio(s.ourTcp1!, s.pyTcp1!));
  console.log(row('TCP   socklab, one persistent connection', s.ourTcpP!));
}

await main();
