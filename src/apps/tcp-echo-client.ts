// TCP echo client: the textbook's TCPClient (connect, send a sentence, print the uppercase
// reply), plus a measurement mode. Replies are framed by newlines because TCP has no message
// boundaries; --oneshot makes one connection per sentence, which is what textbook servers speak.
import type { Socket } from 'node:net';
import {
  intOption,
  type OptionSpecs,
  parseOptions,
  portOption,
  SERVER_OPTIONS,
  stringOption,
} from '../common/app-args.ts';
import { SocklabError } from '../common/errors.ts';
import { defineProgram, printResult } from '../common/host-program.ts';
import { runMain } from '../common/program-errors.ts';
import { forEachInputLine } from './input-lines.ts';
import { checkSize } from './probe-message.ts';
import { formatEndpoint, type ResolvedHost, resolveHost } from './resolve-host.ts';
import { formatRttLine } from './rtt-stats.ts';
import { SocketLines } from './socket-lines.ts';
import { connectTcp } from './tcp-connect.ts';
import { measureTcp, type TcpResult } from './tcp-measure.ts';

const PROG = 'tcp-echo-client';

/** Its options: the parser below and the argv builder of PROGRAM both use them. */
export const OPTIONS = {
  ...SERVER_OPTIONS,
  oneshot: { type: 'boolean', help: 'one connection per sentence, as textbook servers expect' },
  count: { type: 'string', value: 'N', help: 'measurement mode: send N numbered messages' },
  size: {
    type: 'string',
    value: 'BYTES',
    help: 'measurement: message size, newline included',
    default: '64',
  },
  interval: { type: 'string', value: 'MS', help: 'measurement: pause between messages', default: '0' },
  timeout: {
    type: 'string',
    value: 'MS',
    help: 'how long to wait to connect and for each reply',
    default: '10000',
  },
  json: { type: 'boolean', help: 'measurement: print one JSON object' },
} as const satisfies OptionSpecs;

export const PROGRAM = defineProgram<typeof OPTIONS, TcpResult>('tcp-echo-client', 1, OPTIONS);

async function main(argv: string[]): Promise<number> {
  const opts = parseOptions(
    PROG,
    'Sends sentences to a TCP echo server and prints the replies; with --count, measures RTT and integrity.',
    OPTIONS,
    argv,
  );
  if (!opts) return 0;
  const port = portOption(opts, 12000, false);
  const count = intOption(opts, 'count', 1, 10_000_000, 100);
  const size = intOption(opts, 'size', 1, 1 << 30, 64)!;
  const intervalMs = intOption(opts, 'interval', 0, 3_600_000, 100)!;
  const timeoutMs = intOption(opts, 'timeout', 1, 3_600_000, 10000)!;
  if (count !== undefined) checkSize(size, count, true);
  const server = await resolveHost(stringOption(opts, 'host')!);
  const oneshot = opts.oneshot === true;

  if (count === undefined) return interactive(server, port, timeoutMs, oneshot);
  const result = await measureTcp(
    { address: server.address, port, count, size, intervalMs, timeoutMs, oneshot },
    (e) => {
      if (!opts.json) {
        process.stdout.write(
          `${e.bytes} bytes from ${server.name} (${server.address}): seq=${e.seq} time=${e.rttMs.toFixed(3)} ms${e.intact ? '' : ' (NOT the uppercase of what was sent)'}\n`,
        );
      }
    },
  );
  // Nothing could be sent (no server, say): one line, not an empty report.
  if (result.error && result.sent === 0 && !opts.json) throw new SocklabError('socket.refused', result.error);
  if (opts.json) printResult(PROGRAM, result);
  else process.stdout.write(formatSummary(result, `${server.name}:${port}`));
  if (result.error) process.stderr.write(`${PROG}: ${result.error}\n`);
  return result.intact ? 0 : 1;
}

function formatSummary(r: TcpResult, target: string): string {
  const lines = [
    '',
    `--- ${target} TCP echo statistics (${r.mode}) ---`,
    `${r.sent} sent, ${r.received} received intact, ${r.corrupted} wrong, ${r.lost} lost; ${r.bytes} bytes back; ${r.intact ? 'INTACT' : 'NOT INTACT'}`,
    `connect ${r.connectMs === null ? '-' : `${r.connectMs.toFixed(3)} ms`}, total ${r.totalMs.toFixed(3)} ms`,
    formatRttLine(r.rttMs),
  ];
  return `${lines.join('\n')}\n`;
}

async function interactive(
  server: ResolvedHost,
  port: number,
  timeoutMs: number,
  oneshot: boolean,
): Promise<number> {
  const where = formatEndpoint(server.address, port);
  let conn: { socket: Socket; lines: SocketLines } | null = null;
  const open = async (): Promise<{ socket: Socket; lines: SocketLines }> => {
    const socket = await connectTcp(server.address, port, timeoutMs);
    return { socket, lines: new SocketLines(socket) };
  };
  // Like the textbook client, connect before asking for input, so a missing server shows at once.
  if (!oneshot) conn = await open();
  let failures = 0;
  await forEachInputLine('Input lowercase sentence: ', async (line) => {
    const c = conn ?? (await open());
    c.socket.write(`${line}\n`);
    const r = await c.lines.next(timeoutMs);
    if (oneshot) c.socket.end();
    if (r.kind === 'line' || (r.kind === 'end' && r.rest.length > 0)) {
      const reply = r.kind === 'line' ? r.data : r.rest;
      process.stdout.write(`From Server: ${reply.toString('utf8').replace(/\r?\n$/, '')}\n`);
      return;
    }
    failures++;
    const why =
      r.kind === 'timeout'
        ? `no reply from ${where} within ${timeoutMs} ms; raise --timeout or check the server`
        : r.kind === 'error'
          ? `the connection to ${where} failed (${r.code}); start again`
          : `${where} closed the connection without replying${oneshot ? '' : '; textbook servers answer one sentence per connection: use --oneshot'}`;
    process.stderr.write(`${PROG}: ${why}\n`);
    if (!oneshot) throw new SocklabError('socket.lost', why);
  });
  conn?.socket.end();
  return failures > 0 ? 1 : 0;
}

if (import.meta.main) await runMain(PROG, () => main(process.argv.slice(2)));
