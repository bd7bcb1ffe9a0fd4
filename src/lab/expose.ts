// expose: a port on this machine (127.0.0.1) whose traffic enters the lab at the client end and
// crosses the impaired link to `server:PORT`, replies coming back the same way. This side listens
// and frames each connection (TCP) or each host-side peer (UDP) as a channel of one tunnel; the
// relay in socklab's client host (apps/expose-relay.ts, reached through LabHost.openStream: a
// process's stdin and stdout, on every backend) opens a lab-side socket per channel. The tunnel
// adds no impairment of its own: what happens to the packets happens on the link. Where this
// machine can reach the host straight (LabHost.directAddress: a container on Docker's bridge),
// the frames go over one TCP connection to the relay instead of through the engine's exec stream,
// which costs several process hops each way; where it cannot, they stay on the stream.
import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { PROGRAM as EXPOSE_RELAY } from '../apps/expose-relay.ts';
import { SocklabError } from '../common/errors.ts';
import type { Proto } from '../common/proto.ts';
import { afterToken, encodeFrame, FRAME, FrameReader, type TunnelFrame } from '../common/tunnel-frames.ts';
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
  /** How the frames reach the relay: a connection straight to the host, or the engine's stream. */
  tunnel: 'direct' | 'stream';
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

/** How long the relay may take to say where it listens, and a connection to it to open. */
const LISTENING_MS = 10_000;
const CONNECT_MS = 2_000;

/**
 * A connection to the relay at host:port: it sends `token` and must hear it back within `ms`
 * (so it is this relay, not whatever else listens there). Null where it cannot: no route from
 * this machine (an engine in a VM), refused, or silent. What follows the token is handed back too.
 */
function connectRelay(
  host: string,
  port: number,
  token: string,
  ms: number,
): Promise<[Socket, Buffer] | null> {
  return new Promise((resolve) => {
    const s = connect({ host, port, noDelay: true });
    let heard = Buffer.alloc(0);
    const give = (v: [Socket, Buffer] | null): void => {
      clearTimeout(timer);
      s.off('data', hear);
      s.off('error', fail);
      s.off('close', fail);
      if (!v) s.destroy();
      resolve(v);
    };
    const hear = (d: Buffer): void => {
      heard = Buffer.concat([heard, d]);
      const rest = afterToken(heard, token);
      if (rest !== null) give(rest === false ? null : [s, rest]);
    };
    const fail = (): void => give(null);
    const timer = setTimeout(fail, ms);
    s.on('data', hear);
    s.once('error', fail);
    s.once('close', fail);
    s.once('connect', () => s.write(token));
  });
}

export async function exposePort(
  via: LabHost,
  labPort: number,
  proto: Proto,
  opts: { localPort?: number; to?: string } = {},
): Promise<Exposed> {
  const to = opts.to ?? 'server';
  const directAddress = (await via.directAddress?.()) ?? null;
  const token = randomBytes(16).toString('hex');
  const relay: HostStream = await via.openStream([
    'node',
    appOn(via, EXPOSE_RELAY.name),
    ...EXPOSE_RELAY.argv({
      host: to,
      port: labPort,
      proto,
      ...(directAddress ? { listen: directAddress, token } : {}),
    }),
  ]);
  const handlers = new Map<number, (f: TunnelFrame) => void>();
  const reader = new FrameReader();
  let lastError: string | null = null;
  let next = 1;
  let ended = false;
  let listening: (port: number | null) => void = () => {};
  const relayPort = new Promise<number | null>((resolve) => {
    listening = resolve;
  });
  relay.output.on('data', (d: Buffer) => {
    for (const f of reader.push(d)) {
      if (f.type === FRAME.listening) listening(Number(f.payload.toString()));
      else handlers.get(f.chan)?.(f);
    }
  });
  void relay.ended.then(() => {
    listening(null);
    ended = true;
    lastError ??= `the tunnel to ${to}:${labPort} ended`;
    for (const h of handlers.values()) h({ type: FRAME.close, chan: 0, payload: Buffer.alloc(0) });
  });
  // The frames' way to the relay: its stdin, or the straight connection once it is open.
  let input: NodeJS.WritableStream = relay.input;
  let direct: Socket | null = null;
  if (directAddress) {
    const timer = setTimeout(() => listening(null), LISTENING_MS);
    const port = await relayPort;
    clearTimeout(timer);
    const reached = port ? await connectRelay(directAddress, port, token, CONNECT_MS) : null;
    if (reached) {
      const [socket, early] = reached;
      const own = new FrameReader();
      const dispatch = (d: Buffer): void => {
        for (const f of own.push(d)) handlers.get(f.chan)?.(f);
      };
      socket.on('data', dispatch);
      socket.on('error', () => {});
      if (early.length > 0) dispatch(early);
      direct = socket;
      input = socket;
    }
  }
  const tell = (type: TunnelFrame['type'], chan: number, payload?: Buffer): void => {
    if (!ended) input.write(encodeFrame(type, chan, payload));
  };
  const problem = (f: TunnelFrame): void => {
    lastError = `${f.payload.toString()} from ${to}:${labPort}`;
  };
  const closeRelay = async (): Promise<void> => {
    direct?.end();
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
      tunnel: direct ? 'direct' : 'stream',
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
    tunnel: direct ? 'direct' : 'stream',
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
