// The lab's default demo, run by the client host when the lab comes up: UDP and TCP echo through
// the impaired link, side by side, with the client kernel's TCP retransmissions as evidence.
import { intOption, parseOptions, portOption, stringOption } from '../common/app-args.ts';
import { SocklabError } from '../common/errors.ts';
import { runMain } from '../common/program-errors.ts';
import { counterDelta, readKernelCounters } from './kernel-counters.ts';
import { resolveHost } from './resolve-host.ts';
import { measureTcp } from './tcp-measure.ts';
import { measureUdp } from './udp-measure.ts';

const PROG = 'socklab-demo';

async function waitForServer(address: string, port: number, deadlineMs: number): Promise<void> {
  const end = performance.now() + deadlineMs;
  while (performance.now() < end) {
    const r = await measureUdp({
      address,
      family: 4,
      port,
      count: 1,
      intervalMs: 0,
      size: 16,
      timeoutMs: 500,
    });
    if (r.received > 0) return;
  }
  throw new SocklabError(
    'socket.timeout',
    `no UDP echo from ${address}:${port} within ${deadlineMs / 1000} s: is the server host up and the link running? see docker compose logs`,
  );
}

async function main(argv: string[]): Promise<number> {
  const opts = parseOptions(
    PROG,
    'UDP and TCP echo through the impaired link, compared.',
    {
      host: { type: 'string', value: 'HOST', help: 'the echo server', default: 'server' },
      port: { type: 'string', value: 'PORT', help: 'its port', default: '12000' },
      count: { type: 'string', value: 'N', help: 'messages per protocol', default: '200' },
      wait: {
        type: 'string',
        value: 'MS',
        help: 'how long to wait for the server to answer',
        default: '60000',
      },
      json: { type: 'boolean', help: 'print one JSON object' },
    },
    argv,
  );
  if (!opts) return 0;
  const port = portOption(opts, 12000, false);
  const count = intOption(opts, 'count', 1, 1_000_000, 200)!;
  const server = await resolveHost(stringOption(opts, 'host')!);
  await waitForServer(server.address, port, intOption(opts, 'wait', 0, 3_600_000, 60000)!);
  const udp = await measureUdp({
    address: server.address,
    family: server.family,
    port,
    count,
    intervalMs: 10,
    size: 64,
    timeoutMs: 2000,
  });
  const before = readKernelCounters();
  const tcp = await measureTcp({
    address: server.address,
    port,
    count,
    size: 64,
    intervalMs: 0,
    timeoutMs: 60_000,
    oneshot: false,
  });
  const kernel = counterDelta(before, readKernelCounters());
  const retransmits = kernel['Tcp.RetransSegs'] ?? 0;
  if (opts.json) {
    const { rtts: _perSeq, arrivedMs: _arrivals, ...udpSummary } = udp;
    process.stdout.write(`${JSON.stringify({ udp: udpSummary, tcp, tcpRetransmits: retransmits })}\n`);
    return 0;
  }
  const pct = (x: number): string => `${((100 * x) / count).toFixed(1)}%`;
  const ms = (x: number | undefined): string => (x === undefined ? '-' : `${x.toFixed(1)} ms`);
  const rows: [string, string, string][] = [
    ['messages sent', String(udp.sent), String(tcp.sent)],
    ['came back', `${udp.received} (${pct(udp.received)})`, `${tcp.received} (${pct(tcp.received)})`],
    ['lost', `${udp.lost} (${pct(udp.lost)})`, `${tcp.lost}`],
    ['duplicated / reordered', `${udp.duplicated} / ${udp.reordered}`, '0 / 0 (TCP hides them)'],
    [
      'every byte intact, in order',
      udp.lost === 0 && udp.corrupted === 0 ? 'yes' : 'no',
      tcp.intact ? 'yes' : 'no',
    ],
    [
      'RTT p50 / p99',
      `${ms(udp.rttMs?.p50)} / ${ms(udp.rttMs?.p99)}`,
      `${ms(tcp.rttMs?.p50)} / ${ms(tcp.rttMs?.p99)}`,
    ],
    ['RTT max', ms(udp.rttMs?.max), ms(tcp.rttMs?.max)],
    ['TCP retransmissions (client kernel)', '-', String(retransmits)],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(3, ...rows.map((r) => r[1].length));
  process.stdout.write(`\nUDP vs TCP echo through the link to ${server.name} (${server.address}):\n`);
  process.stdout.write(`${''.padEnd(w0)}  ${'UDP'.padEnd(w1)}  TCP\n`);
  for (const [a, b, c] of rows) process.stdout.write(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}\n`);
  process.stdout.write(
    '\nUDP lost what the link dropped; TCP delivered every byte and paid in retransmissions and time.\n',
  );
  return 0;
}

await runMain(PROG, () => main(process.argv.slice(2)));
