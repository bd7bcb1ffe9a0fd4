// UDP echo server: the textbook's UDPServer. One socket serves every client; each datagram is
// answered with its uppercase, sent back to the address it came from.
import { createSocket, type RemoteInfo } from 'node:dgram';
import { type OptionSpecs, parseOptions, portOption } from '../common/app-args.ts';
import { defineProgram } from '../common/host-program.ts';
import { describeSocketError, runMain } from '../common/program-errors.ts';
import { stopOnSignal } from '../common/stop-on-signal.ts';
import { printable } from './printable.ts';
import { formatEndpoint, resolveHost } from './resolve-host.ts';
import { uppercaseBytes } from './uppercase.ts';

const PROG = 'udp-echo-server';

/** Its options: the parser below and the argv builder of PROGRAM both use them. */
export const OPTIONS = {
  host: { type: 'string', value: 'ADDR', help: 'address to bind', default: '0.0.0.0' },
  port: { type: 'string', value: 'PORT', help: 'port to bind (0 picks a free one)', default: '12000' },
  quiet: { type: 'boolean', help: 'do not log each datagram' },
} as const satisfies OptionSpecs;

export const PROGRAM = defineProgram<typeof OPTIONS, never>('udp-echo-server', 1, OPTIONS);

async function main(argv: string[]): Promise<number | undefined> {
  const opts = parseOptions(
    PROG,
    'Replies to every UDP datagram with its uppercase, like the textbook UDPServer.',
    OPTIONS,
    argv,
  );
  if (!opts) return 0;
  const host = String(opts.host);
  const { address, family } = await resolveHost(host);
  const port = portOption(opts, 12000, true);
  const quiet = opts.quiet === true;

  const socket = createSocket({
    type: family === 6 ? 'udp6' : 'udp4',
    recvBufferSize: 4 << 20,
    sendBufferSize: 4 << 20,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (err) => reject(describeSocketError(err, `UDP port ${port} on ${host}`)));
    socket.bind(port, address, () => resolve());
  });
  socket.on('error', (err) => {
    // A send can fail (ICMP errors, a full buffer); the server goes on serving everyone else.
    process.stderr.write(`${PROG}: ${err.message}\n`);
  });
  socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    if (!quiet)
      process.stdout.write(`Received: ${printable(msg)} from ${formatEndpoint(rinfo.address, rinfo.port)}\n`);
    socket.send(uppercaseBytes(msg), rinfo.port, rinfo.address);
  });
  const bound = socket.address();
  process.stdout.write(
    `The server is ready to receive on UDP ${formatEndpoint(bound.address, bound.port)}\n`,
  );
  await stopOnSignal(() => socket.close());
  return 0;
}

if (import.meta.main) await runMain(PROG, () => main(process.argv.slice(2)));
