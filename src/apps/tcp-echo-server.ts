// TCP echo server: the textbook's TCPServer. The welcome socket only accepts; each client gets
// its own connection socket. Concurrent by default; --iterative serves one client at a time.
import { createServer, type Socket } from 'node:net';
import { intOption, type OptionSpecs, parseOptions, portOption } from '../common/app-args.ts';
import { defineProgram } from '../common/host-program.ts';
import { describeSocketError, runMain } from '../common/program-errors.ts';
import { stopOnSignal } from '../common/stop-on-signal.ts';
import { listenIteratively } from './iterative-acceptor.ts';
import { formatEndpoint, resolveHost } from './resolve-host.ts';
import { echoConnection } from './tcp-echo-connection.ts';

const PROG = 'tcp-echo-server';

/** Its options: the parser below and the argv builder of PROGRAM both use them. */
export const OPTIONS = {
  host: { type: 'string', value: 'ADDR', help: 'address to bind', default: '0.0.0.0' },
  port: { type: 'string', value: 'PORT', help: 'port to bind (0 picks a free one)', default: '12000' },
  iterative: { type: 'boolean', help: 'serve one client at a time (backlog 1 unless --backlog)' },
  backlog: {
    type: 'string',
    value: 'N',
    help: 'length of the accept queue (default 511, or 1 with --iterative)',
  },
  quiet: { type: 'boolean', help: 'do not log connections' },
} as const satisfies OptionSpecs;

export const PROGRAM = defineProgram<typeof OPTIONS, never>('tcp-echo-server', 1, OPTIONS);

async function main(argv: string[]): Promise<number | undefined> {
  const opts = parseOptions(
    PROG,
    'Echoes the uppercase of whatever each TCP client sends, like the textbook TCPServer.',
    OPTIONS,
    argv,
  );
  if (!opts) return 0;
  const { address } = await resolveHost(String(opts.host));
  const port = portOption(opts, 12000, true);
  const iterative = opts.iterative === true;
  const backlog = intOption(opts, 'backlog', 0, 65535, 5) ?? (iterative ? 1 : 511);
  const log = opts.quiet ? () => {} : (line: string) => process.stdout.write(`${line}\n`);

  let open = 0;
  const serve = async (socket: Socket): Promise<void> => {
    const peer = formatEndpoint(socket.remoteAddress, socket.remotePort);
    open++;
    log(`Connection opened: ${peer} (${open} open)`);
    const outcome = await echoConnection(socket);
    open--;
    const how = outcome.error ? `ended by ${outcome.error}` : 'closed';
    log(`Connection ${how}: ${peer}, ${outcome.bytesIn} bytes in, ${outcome.bytesOut} out (${open} open)`);
  };

  let bound: { address: string; port: number };
  let close: () => void;
  if (iterative) {
    const server = await listenIteratively(address, port, backlog, serve);
    bound = server.address;
    close = server.close;
  } else {
    const server = createServer({ allowHalfOpen: true }, (socket) => void serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(describeSocketError(err, `TCP port ${port} on ${address}`)));
      server.listen({ host: address, port, backlog }, () => resolve());
    });
    // After start-up, an accept can fail (too many open files); the others are still served.
    server.on('error', (err) => process.stderr.write(`${PROG}: ${err.message}\n`));
    bound = server.address() as { address: string; port: number };
    close = () => server.close();
  }
  const mode = iterative ? 'iterative: one client at a time' : 'concurrent';
  process.stdout.write(
    `The server is ready to receive on TCP ${formatEndpoint(bound.address, bound.port)} (${mode}, backlog ${backlog})\n`,
  );
  await stopOnSignal(close);
  // Connections still open are cut when the process ends.
  process.exit(0);
}

if (import.meta.main) await runMain(PROG, () => main(process.argv.slice(2)));
