// Unusual but legal input for an echo server, the kind a real network brings: an empty
// datagram, one larger than the textbook's 2048-byte buffer, whitespace, non-ASCII text, a
// burst; over TCP a connection closed before sending, half a line, an empty line. A sturdy
// server answers what it can and keeps serving; the caller checks that it still does.
import { createSocket } from 'node:dgram';
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
import { resolveHost } from './resolve-host.ts';
import { connectTcp } from './tcp-connect.ts';

const PROG = 'bad-input';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const UDP_INPUTS: [string, Buffer[]][] = [
  ['an empty datagram', [Buffer.alloc(0)]],
  ['4000 bytes (more than a 2048-byte buffer)', [Buffer.alloc(4000, 'x')]],
  ['only whitespace', [Buffer.from('   \t  ')]],
  ['non-ASCII text', [Buffer.from('héllo wörld ß ñ')]],
  ['a burst of 50 datagrams', Array.from({ length: 50 }, (_, i) => Buffer.from(`burst ${i}`))],
];

const TCP_INPUTS: [string, Buffer | null][] = [
  ['a connection closed without a byte', null],
  ['half a line, then close', Buffer.from('half a li')],
  ['an empty line', Buffer.from('\n')],
  ['a 4000-byte line', Buffer.from(`${'x'.repeat(3999)}\n`)],
  ['non-ASCII text', Buffer.from('héllo wörld ß ñ\n')],
];

/** Its options: the parser below and the argv builder of PROGRAM both use them. */
export const OPTIONS = {
  ...SERVER_OPTIONS,
  proto: { type: 'string', value: 'udp|tcp', help: 'which echo', default: 'udp' },
  timeout: { type: 'string', value: 'MS', help: 'per TCP connection', default: '5000' },
  json: { type: 'boolean', help: 'print one JSON object' },
} as const satisfies OptionSpecs;

export type BadInputResult = { sent: string[] };

export const PROGRAM = defineProgram<typeof OPTIONS, BadInputResult>('bad-input', 1, OPTIONS);

async function main(argv: string[]): Promise<number> {
  const opts = parseOptions(
    PROG,
    'Sends unusual but legal input to an echo server (see the source for the list).',
    OPTIONS,
    argv,
  );
  if (!opts) return 0;
  const port = portOption(opts, 12000, false);
  const timeoutMs = intOption(opts, 'timeout', 1, 600_000, 5000)!;
  const proto = stringOption(opts, 'proto');
  if (proto !== 'udp' && proto !== 'tcp')
    throw new SocklabError('usage.invalid', `--proto must be udp or tcp, got '${proto}'; e.g. --proto udp`);
  const server = await resolveHost(stringOption(opts, 'host')!);
  const sent: string[] = [];
  if (proto === 'udp') {
    const socket = createSocket(server.family === 6 ? 'udp6' : 'udp4');
    socket.on('error', () => {});
    for (const [what, datagrams] of UDP_INPUTS) {
      for (const d of datagrams)
        await new Promise<void>((resolve) => socket.send(d, port, server.address, () => resolve()));
      sent.push(what);
    }
    await sleep(200);
    socket.close();
  } else {
    for (const [what, data] of TCP_INPUTS) {
      // A refused or reset connection is the server's business; what counts is that it still serves.
      const socket = await connectTcp(server.address, port, timeoutMs).catch(() => null);
      if (!socket) continue;
      socket.on('error', () => {});
      if (data) socket.write(data);
      await sleep(100);
      socket.end();
      await sleep(50);
      socket.destroy();
      sent.push(what);
    }
  }
  if (opts.json) printResult(PROGRAM, { sent });
  else process.stdout.write(`sent: ${sent.join('; ')}\n`);
  return 0;
}

if (import.meta.main) await runMain(PROG, () => main(process.argv.slice(2)));
