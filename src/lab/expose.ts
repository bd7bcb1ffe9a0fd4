// expose: a port on this machine (127.0.0.1) whose traffic enters the lab at the client end and
// crosses the impaired link to `server:PORT`, replies coming back the same way. This side listens
// and frames each connection (TCP) or each host-side peer (UDP) as a channel of one tunnel; the
// relay in socklab's client host (apps/expose-relay.ts, reached through LabHost.openStream: a
// process's stdin and stdout, on every backend) opens a lab-side socket per channel. The tunnel
// adds no impairment of its own: what happens to the packets happens on the link.
import { createSocket, type RemoteInfo } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { PROGRAM as EXPOSE_RELAY } from '../apps/expose-relay.ts';
import { SocklabError } from '../common/errors.ts';
import type { Proto } from '../common/proto.ts';
import { encodeFrame, FRAME, FrameReader, type TunnelFrame } from '../common/tunnel-frames.ts';
import { appOn, type HostStream, type LabHost } from './lab-host.ts';

export interface Exposed {
  host: '127.0.0.1';
  /** The port on this machine. */
  port: number;
  /** Where it leads: the port at the server end. */
  labPort: number;
  proto: Proto;
  /** The last problem reaching the server (refused, unreachable), or null. */
  readonly lastError: string | null;
  /** Connections (TCP) or peers (UDP) so far. */
  readonly channels: number;
  close(): Promise<void>;
}

/** A UDP peer that says nothing for this long gets its lab-side socket closed. */
const UDP_IDLE_MS = 120_000;

function listenError(err: NodeJS.ErrnoException, port: number, proto: Proto): SocklabError {
  return err.code === 'EADDRINUSE'
    ? new SocklabError(
        'socket.addr-in-use',
        `${proto.toUpperCase()} port ${port} on 127.0.0.1 is taken on this machine; give another port, or 0 for a free one`,
      )
    : new SocklabError('socket.error', `cannot listen on 127.0.0.1:${port} (${err.code ?? err.message})`);
}

export async function exposePort(
  via: LabHost,
  labPort: number,
  proto: Proto,
  opts: { localPort?: number; to?: string } = {},
): Promise<Exposed> {
  const to = opts.to ?? 'server';
  const relay: HostStream = await via.openStream([
    'node',
    appOn(via, EXPOSE_RELAY.name),
    ...EXPOSE_RELAY.argv({ host: to, port: labPort, proto }),
  ]);
  const handlers = new Map<number, (f: TunnelFrame) => void>();
  const reader = new FrameReader();
  let lastError: string | null = null;
  let next = 1;
  let ended = false;
  relay.output.on('data', (d: Buffer) => {
    for (const f of reader.push(d)) handlers.get(f.chan)?.(f);
  });
  void relay.ended.then(() => {
    ended = true;
    lastError ??= `the tunnel to ${to}:${labPort} ended`;
    for (const h of handlers.values()) h({ type: FRAME.close, chan: 0, payload: Buffer.alloc(0) });
  });
  const tell = (type: TunnelFrame['type'], chan: number, payload?: Buffer): void => {
    if (!ended) relay.input.write(encodeFrame(type, chan, payload));
  };
  const problem = (f: TunnelFrame): void => {
    lastError = `${f.payload.toString()} from ${to}:${labPort}`;
  };
  const closeRelay = async (): Promise<void> => {
    relay.input.end();
    relay.close();
    await relay.ended;
  };

  if (proto === 'tcp') {
    const server: Server = createServer({ noDelay: true }, (conn: Socket) => {
      const chan = next++;
      let opened = false;
      const early: Buffer[] = [];
      handlers.set(chan, (f) => {
        if (f.type === FRAME.opened) {
          opened = true;
          for (const b of early.splice(0)) tell(FRAME.data, chan, b);
        } else if (f.type === FRAME.data) conn.write(f.payload);
        else if (f.type === FRAME.close) conn.end();
        else if (f.type === FRAME.error) {
          problem(f);
          // As a real network would say it: the connection is reset.
          conn.resetAndDestroy();
        }
      });
      conn.on('data', (d: Buffer) => (opened ? tell(FRAME.data, chan, d) : early.push(d)));
      conn.on('end', () => tell(FRAME.close, chan));
      conn.on('error', () => {});
      conn.on('close', () => handlers.delete(chan));
      if (ended) conn.resetAndDestroy();
      else tell(FRAME.open, chan);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, opts.localPort ?? 0, proto)));
      server.listen(opts.localPort ?? 0, '127.0.0.1', () => resolve());
    }).catch(async (e) => {
      await closeRelay();
      throw e;
    });
    return {
      host: '127.0.0.1',
      port: (server.address() as { port: number }).port,
      labPort,
      proto,
      get lastError() {
        return lastError;
      },
      get channels() {
        return next - 1;
      },
      async close() {
        await new Promise<void>((r) => server.close(() => r()));
        await closeRelay();
      },
    };
  }

  const sock = createSocket('udp4');
  const peers = new Map<string, { chan: number; seen: number }>();
  sock.on('message', (d: Buffer, from: RemoteInfo) => {
    const key = `${from.address}:${from.port}`;
    let peer = peers.get(key);
    if (!peer) {
      peer = { chan: next++, seen: 0 };
      peers.set(key, peer);
      const chan = peer.chan;
      handlers.set(chan, (f) => {
        if (f.type === FRAME.data) sock.send(f.payload, from.port, from.address);
        else if (f.type === FRAME.error) problem(f);
      });
      tell(FRAME.open, chan);
    }
    peer.seen = Date.now();
    tell(FRAME.data, peer.chan, d);
  });
  const sweep = setInterval(() => {
    for (const [key, p] of peers)
      if (Date.now() - p.seen > UDP_IDLE_MS) {
        tell(FRAME.close, p.chan);
        handlers.delete(p.chan);
        peers.delete(key);
      }
  }, 10_000);
  sweep.unref();
  await new Promise<void>((resolve, reject) => {
    sock.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, opts.localPort ?? 0, proto)));
    sock.bind(opts.localPort ?? 0, '127.0.0.1', () => resolve());
  }).catch(async (e) => {
    clearInterval(sweep);
    await closeRelay();
    throw e;
  });
  return {
    host: '127.0.0.1',
    port: sock.address().port,
    labPort,
    proto,
    get lastError() {
      return lastError;
    },
    get channels() {
      return next - 1;
    },
    async close() {
      clearInterval(sweep);
      sock.close();
      await closeRelay();
    },
  };
}
