// Every program reports bad input and faults the same way: one line naming what happened, the
// rule, and the fix, then a non-zero exit. Never a stack trace.

export class AppError extends Error {
  readonly code: string;
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode = 2) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Turns a socket error from the OS into an AppError whose message says what to do about it. */
export function describeSocketError(err: NodeJS.ErrnoException, where: string): AppError {
  switch (err.code) {
    case 'EADDRINUSE':
      return new AppError(
        'EADDRINUSE',
        `${where} is already in use: only one socket may listen on a port; stop the other program or pass --port with a free port`,
        1,
      );
    case 'EADDRNOTAVAIL':
      return new AppError(
        'EADDRNOTAVAIL',
        `${where} is not an address of this host: a server binds only to its own addresses; pass --host with one of them, or omit it to listen on all`,
        1,
      );
    case 'EACCES':
      return new AppError(
        'EACCES',
        `${where} needs privileges: ports below 1024 are reserved for root; pass --port 1024 or higher (the lab uses 12000)`,
        1,
      );
    case 'ECONNREFUSED':
      return new AppError(
        'ECONNREFUSED',
        `${where} refused the connection: no server is listening there; start the echo server first or check --host and --port`,
        1,
      );
    case 'ETIMEDOUT':
      return new AppError('ETIMEDOUT', `${where} did not answer in time; check that the host is up`, 1);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new AppError(
        err.code,
        `${where} is unreachable: no route to it; check --host and the network`,
        1,
      );
    default:
      return new AppError(err.code ?? 'ESOCKET', `${where}: ${err.message}`, 1);
  }
}

/** Runs a program's main: on failure prints `prog: message` on stderr and exits with its code. */
export async function runMain(prog: string, main: () => Promise<number | undefined>): Promise<void> {
  try {
    const code = await main();
    if (code !== undefined) process.exitCode = code;
  } catch (err) {
    if (err instanceof AppError) {
      process.stderr.write(`${prog}: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      const e = err as Error;
      process.stderr.write(`${prog}: unexpected error: ${e?.message ?? String(err)}\n`);
      process.exitCode = 70;
    }
  }
}
