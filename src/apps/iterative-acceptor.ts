// The textbook's single-threaded TCP server: accept one client, serve it to the end, then accept
// the next. While it serves, nobody calls accept(), so new clients wait in the kernel's accept
// queue (the backlog) and, once it is full, their SYNs go unanswered and are retried.
//
// Node accepts eagerly whenever a listening socket is readable, so the server parks a duplicate
// of the welcome socket in a keeper process (listen-keeper.ts), closes its own descriptor while
// serving, and takes a fresh duplicate back when it is ready for the next client.
import { type ChildProcess, fork } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describeSocketError } from '../common/program-errors.ts';

export interface IterativeServer {
  address: { address: string; port: number };
  close(): void;
}

const KEEPER = fileURLToPath(new URL('./listen-keeper.ts', import.meta.url));

/** The listening handle inside a net.Server: what child_process can pass to another process. */
const handleOf = (server: Server): object => (server as unknown as { _handle: object })._handle;

export function listenIteratively(
  host: string,
  port: number,
  backlog: number,
  serve: (socket: Socket) => Promise<void>,
): Promise<IterativeServer> {
  const keeper: ChildProcess = fork(KEEPER, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const queue: Socket[] = [];
  let serving = false;
  let accepting = true;
  let keeperHolds = false;
  let stopped = false;

  const makeServer = (): Server => {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    server.on('connection', (socket) => {
      queue.push(socket);
      // Closing our descriptor inside the connection callback ends libuv's accept loop after
      // this one connection; the keeper's duplicate keeps the socket listening.
      stopAccepting();
      if (!serving) void serveQueue();
    });
    return server;
  };
  let server = makeServer();

  const stopAccepting = (): void => {
    if (accepting && keeperHolds) {
      accepting = false;
      server.close();
    }
  };
  const serveQueue = async (): Promise<void> => {
    serving = true;
    for (let socket = queue.shift(); socket; socket = queue.shift()) await serve(socket);
    serving = false;
    if (!accepting && !stopped) keeper.send('give');
  };

  return new Promise((resolve, reject) => {
    keeper.on('message', (msg: unknown, handle: unknown) => {
      if (msg === 'held') {
        keeperHolds = true;
        if (serving) stopAccepting();
        const a = server.address();
        resolve({ address: a && typeof a === 'object' ? a : { address: host, port }, close });
      } else if (msg === 'handle' && handle && !stopped) {
        server = makeServer();
        server.listen(handle as never, backlog);
        accepting = true;
      }
    });
    keeper.on('exit', () => {
      if (!stopped) {
        process.stderr.write('tcp-echo-server: the listen keeper process ended; the server cannot go on\n');
        process.exit(1);
      }
    });
    server.once('error', (err) => {
      close();
      reject(describeSocketError(err, `TCP port ${port} on ${host}`));
    });
    server.listen({ host, port, backlog }, () => keeper.send('hold', handleOf(server) as never));
  });

  function close(): void {
    stopped = true;
    if (keeper.connected) keeper.disconnect();
    if (accepting) server.close();
    for (const s of queue.splice(0)) s.destroy();
  }
}
