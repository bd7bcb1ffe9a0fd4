// Every program reports bad input and faults the same way: one line naming what happened, the
// rule, and the fix, then a non-zero exit. Never a stack trace. The codes are the catalogue's.
import { SocklabError } from './errors.ts';

/** Turns a socket error from the OS into a SocklabError whose message says what to do about it. */
export function describeSocketError(err: NodeJS.ErrnoException, where: string): SocklabError {
  switch (err.code) {
    case 'EADDRINUSE':
      return new SocklabError(
        'socket.addr-in-use',
        `${where} is already in use: only one socket may listen on a port; stop the other program or pass --port with a free port`,
      );
    case 'EADDRNOTAVAIL':
      return new SocklabError(
        'socket.addr-not-available',
        `${where} is not an address of this host: a server binds only to its own addresses; pass --host with one of them, or omit it to listen on all`,
      );
    case 'EACCES':
      return new SocklabError(
        'socket.access',
        `${where} needs privileges: ports below 1024 are reserved for root; pass --port 1024 or higher (the lab uses 12000)`,
      );
    case 'ECONNREFUSED':
      return new SocklabError(
        'socket.refused',
        `${where} refused the connection: no server is listening there; start the echo server first or check --host and --port`,
      );
    case 'ETIMEDOUT':
      return new SocklabError('socket.timeout', `${where} did not answer in time; check that the host is up`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new SocklabError(
        'socket.unreachable',
        `${where} is unreachable: no route to it; check --host and the network`,
      );
    default:
      return new SocklabError('socket.error', `${where}: ${err.message}`);
  }
}

/** Runs a program's main: on failure prints `prog: message` on stderr and exits with its code. */
export async function runMain(prog: string, main: () => Promise<number | undefined>): Promise<void> {
  try {
    const code = await main();
    if (code !== undefined) process.exitCode = code;
  } catch (err) {
    if (err instanceof SocklabError) {
      process.stderr.write(`${prog}: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      const e = err as Error;
      process.stderr.write(`${prog}: unexpected error: ${e?.message ?? String(err)}\n`);
      process.exitCode = 70;
    }
  }
}
