// UDP echo client: the textbook's UDPClient (type a sentence, get it back in uppercase), plus a
// measurement mode that shows what UDP does not promise: delivery, order, uniqueness.
import { createSocket } from 'node:dgram';
import {
  intOption,
  type OptionSpecs,
  parseOptions,
  portOption,
  SERVER_OPTIONS,
  stringOption,
} from '../common/app-args.ts';
import { deadline } from '../common/deadline.ts';
import { defineProgram, printResult } from '../common/host-program.ts';
import { runMain } from '../common/program-errors.ts';
import { forEachInputLine } from './input-lines.ts';
import { checkSize } from './probe-message.ts';
import { formatEndpoint, type ResolvedHost, resolveHost } from './resolve-host.ts';
import { formatRttLine } from './rtt-stats.ts';
import { measureUdp, type UdpResult } from './udp-measure.ts';

const PROG = 'udp-echo-client';

/** Its options: the parser below and the argv builder of PROGRAM both use them. */
export const OPTIONS = {
  ...SERVER_OPTIONS,
  count: { type: 'string', value: 'N', help: 'measurement mode: send N numbered datagrams' },
  interval: { type: 'string', value: 'MS', help: 'measurement: time between datagrams', default: '100' },
  size: { type: 'string', value: 'BYTES', help: 'measurement: datagram size', default: '64' },
  timeout: { type: 'string', value: 'MS', help: 'how long to wait for a reply', default: '1000' },
  json: { type: 'boolean', help: 'measurement: print one JSON object' },
  'per-seq': { type: 'boolean', help: 'with --json: include the RTT of every sequence number' },
} as const satisfies OptionSpecs;

export type UdpClientResult = Omit<UdpResult, 'rtts'> & { rtts?: UdpResult['rtts'] };

export const PROGRAM = defineProgram<typeof OPTIONS, UdpClientResult>('udp-echo-client', 1, OPTIONS);

async function main(argv: string[]): Promise<number> {
  const opts = parseOptions(
    PROG,
    'Sends sentences to a UDP echo server and prints the replies; with --count, measures loss and RTT.',
    OPTIONS,
    argv,
  );
  if (!opts) return 0;
  const port = portOption(opts, 12000, false);
  const count = intOption(opts, 'count', 1, 10_000_000, 100);
  const intervalMs = intOption(opts, 'interval', 0, 3_600_000, 100)!;
  const size = intOption(opts, 'size', 0, 65_507, 64)!;
  const timeoutMs = intOption(opts, 'timeout', 1, 3_600_000, 1000)!;
  if (count !== undefined) checkSize(size, count, false);
  const server = await resolveHost(stringOption(opts, 'host')!);

  if (count === undefined) return interactive(server, port, timeoutMs);
  const result = await measureUdp({ ...server, port, count, intervalMs, size, timeoutMs }, (e) => {
    if (opts.json) return;
    if (e.kind === 'reply') {
      const notes = `${e.duplicate ? ' (DUP!)' : ''}${e.reordered ? ' (out of order)' : ''}`;
      process.stdout.write(
        `${e.bytes} bytes from ${server.name} (${server.address}): seq=${e.seq} time=${e.rttMs.toFixed(3)} ms${notes}\n`,
      );
    } else if (e.kind === 'timeout') process.stdout.write(`seq=${e.seq}: request timed out\n`);
    else if (e.kind === 'corrupt')
      process.stdout.write(`${e.bytes} bytes: corrupted reply (not the uppercase of anything sent)\n`);
    else process.stdout.write(`seq=${e.seq}: send failed: ${e.message}\n`);
  });
  if (opts.json) {
    const { rtts: _perSeq, arrivedMs: _arrivals, ...summary } = result;
    printResult(PROGRAM, opts['per-seq'] ? result : summary);
  } else process.stdout.write(formatSummary(result, `${server.name}:${port}`));
  // Like ping: success when at least one reply came back.
  return result.received > 0 ? 0 : 1;
}

function formatSummary(r: UdpResult, target: string): string {
  const pct = r.sent === 0 ? 0 : (100 * r.lost) / r.sent;
  const lines = [
    '',
    `--- ${target} UDP echo statistics ---`,
    `${r.sent} sent, ${r.received} received, ${r.lost} lost (${pct.toFixed(1)}%), ${r.duplicated} duplicated, ${r.reordered} reordered, ${r.corrupted} corrupted`,
  ];
  if (r.lostSeqs.length > 0) {
    const shown = r.lostSeqs.slice(0, 50).join(' ');
    lines.push(`lost seqs: ${shown}${r.lostSeqs.length > 50 ? ` … (${r.lostSeqs.length} in all)` : ''}`);
  }
  lines.push(formatRttLine(r.rttMs));
  return `${lines.join('\n')}\n`;
}

async function interactive(server: ResolvedHost, port: number, timeoutMs: number): Promise<number> {
  const socket = createSocket(server.family === 6 ? 'udp6' : 'udp4');
  let waiting: ((msg: Buffer) => void) | null = null;
  socket.on('message', (msg) => {
    if (waiting) waiting(msg);
    else process.stdout.write(`(late reply) ${msg.toString('utf8')}\n`);
  });
  socket.on('error', () => {});
  let timeouts = 0;
  await forEachInputLine('Input lowercase sentence: ', async (line) => {
    const reply = await new Promise<Buffer | null>((resolve) => {
      const timer = deadline(timeoutMs, () => {
        waiting = null;
        resolve(null);
      });
      waiting = (msg) => {
        timer.cancel();
        waiting = null;
        resolve(msg);
      };
      socket.send(Buffer.from(line, 'utf8'), port, server.address);
    });
    if (reply) process.stdout.write(`${reply.toString('utf8')}\n`);
    else {
      timeouts++;
      process.stderr.write(
        `${PROG}: no reply from ${formatEndpoint(server.address, port)} within ${timeoutMs} ms: UDP does not retransmit, so the datagram or its reply was lost or no server is listening; check the server, or raise --timeout\n`,
      );
    }
  });
  socket.close();
  return timeouts > 0 ? 1 : 0;
}

if (import.meta.main) await runMain(PROG, () => main(process.argv.slice(2)));
