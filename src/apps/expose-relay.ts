// expose-relay: the client host's end of an expose tunnel. It reads tunnel frames on stdin (see
// common/tunnel-frames.ts) and, per channel, opens a TCP connection or a UDP socket of its own to
// HOST:PORT (the server, through the impaired link), and writes what comes back as frames on
// stdout. So a test, a browser or dig on the machine enters the lab at the client end: one
// lab-side socket per connection or per host-side UDP peer, replies to their own sender. Zero
// dependencies.
//
// With --listen ADDR --token T it also waits on a TCP port of ADDR (said on stdout as a
// `listening` frame) for this machine to connect and send T (it answers T): the frames then go over that
// connection, one hop instead of the engine's several. Stdin still carries its life: it ends, the
// relay ends. Without a connection (an engine whose containers this machine cannot reach), the
// frames stay on stdin and stdout. A lab host's own network reaches the link and nothing else
// (docker/entrypoint.sh); the relay opens it for its one port only (a routing rule on the
// listening port, removed when it ends), so no other program in the host reaches this machine.
import { execFileSync } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Socket } from 'node:net';
import { type OptionSpecs, parseOptions, portOption, stringOption } from '../common/app-args.ts';
import { SocklabError } from '../common/errors.ts';
import { defineProgram } from '../common/host-program.ts';
import { localSubnetOf } from '../common/local-subnets.ts';
import { runMain } from '../common/program-errors.ts';
import {
  afterToken,
  encodeFrame,
  FRAME,
  FrameReader,
  type FrameType,
  type TunnelFrame,
} from '../common/tunnel-frames.ts';
import { resolveHost } from './resolve-host.ts';

const PROG = 'expose-relay';

const OPTIONS = {
  host: { type: 'string', value: 'HOST', help: 'where the tunnel leads', default: 'server' },
  port: { type: 'string', value: 'PORT', help: 'its port' },
  proto: { type: 'string', value: 'tcp|udp', help: 'the protocol', default: 'tcp' },
  listen: { type: 'string', value: 'ADDR', help: 'also wait on a TCP port of ADDR for the tunnel' },
  token: { type: 'string', value: 'T', help: 'what the connection must send first (with --listen)' },
} as const satisfies OptionSpecs;

/** Runs until stdin ends; prints no result (its stdout is the tunnel). */
export const PROGRAM = defineProgram<typeof OPTIONS, never>(PROG, 1, OPTIONS);

/** Where frames go: stdout, or the connection from this machine once it came (--listen). */
let out: NodeJS.WritableStream = process.stdout;
const send = (type: FrameType, chan: number, payload?: Buffer): void => {
  out.write(encodeFrame(type, chan, payload));
};

/** The routing table of the relay's return path (any number of the host's own: not a lab's). */
const RETURN_TABLE = '4791';

/**
 * Lets what leaves the listening port reach the network of `addr` (where the entry point left
 * only the link reachable), and takes the rule away when the relay ends. Where `ip` refuses (no
 * NET_ADMIN), nothing changes: this machine's connection fails and the frames stay on stdio.
 */
function openReturnPath(addr: string, port: number): void {
  const net = localSubnetOf(addr);
  if (!net) return;
  const rule = ['rule', 'add', 'ipproto', 'tcp', 'sport', String(port), 'lookup', RETURN_TABLE];
  const ip = (args: string[]): boolean => {
    try {
      execFileSync('ip', args, { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (!ip(['route', 'replace', net.network, 'dev', net.iface, 'table', RETURN_TABLE]) || !ip(rule)) return;
  process.on('exit', () => ip(['rule', 'del', ...rule.slice(2)]));
}

/**
 * Waits on ADDR:0 for one connection that starts with `token`, then hands its frames to `onChunk`
 * and takes the relay's output; others are closed. Says where on stdout (a `listening` frame).
 */
function listenForTunnel(addr: string, token: string, onChunk: (chunk: Buffer) => void): void {
  const server = createServer({ noDelay: true }, (conn) => {
    let head = Buffer.alloc(0);
    const first = (d: Buffer): void => {
      head = Buffer.concat([head, d]);
      const rest = afterToken(head, token);
      if (rest === null) return;
      conn.off('data', first);
      if (rest === false) {
        conn.destroy();
        return;
      }
      server.close();
      // The token back: this machine knows it reached this relay, not another listener.
      conn.write(token);
      out = conn;
      conn.on('data', onChunk);
      // This machine went away: so does the tunnel (as when stdin ends).
      conn.on('close', () => process.exit(0));
      if (rest.length > 0) onChunk(rest);
    };
    conn.on('data', first);
    conn.on('error', () => {});
  });
  server.on('error', () => {});
  server.listen(0, addr, () => {
    const { port } = server.address() as { port: number };
    openReturnPath(addr, port);
    process.stdout.write(encodeFrame(FRAME.listening, 0, Buffer.from(String(port))));
  });
}

async function main(argv: string[]): Promise<number> {
  const opts = parseOptions(PROG, 'Relays tunnel frames on stdin and stdout to HOST:PORT.', OPTIONS, argv);
  if (!opts) return 0;
  const port = portOption(opts, 0, false);
  const proto = stringOption(opts, 'proto');
  if (proto !== 'tcp' && proto !== 'udp')
    throw new SocklabError('usage.invalid', `--proto must be tcp or udp, got '${proto}'`);
  const target = await resolveHost(stringOption(opts, 'host')!);
  const tcp = new Map<number, Socket>();
  const udp = new Map<number, UdpSocket>();
  /** Datagrams that came before their socket was connected (connect is asynchronous). */
  const waiting = new Map<number, Buffer[]>();
  const reader = new FrameReader();
  const open = (chan: number): void => {
    if (proto === 'tcp') {
      const s = connect({ host: target.address, port, noDelay: true });
      tcp.set(chan, s);
      s.on('connect', () => send(FRAME.opened, chan));
      s.on('data', (d: Buffer) => send(FRAME.data, chan, d));
      s.on('end', () => send(FRAME.close, chan));
      s.on('error', (e: NodeJS.ErrnoException) => send(FRAME.error, chan, Buffer.from(e.code ?? e.message)));
      s.on('close', () => tcp.delete(chan));
      return;
    }
    const s = createSocket('udp4');
    waiting.set(chan, []);
    s.on('message', (d) => send(FRAME.data, chan, d));
    // A connected UDP socket hears the server's port-unreachable as an error; the peer gets nothing.
    s.on('error', (e: NodeJS.ErrnoException) => send(FRAME.error, chan, Buffer.from(e.code ?? e.message)));
    s.connect(port, target.address, () => {
      udp.set(chan, s);
      for (const d of waiting.get(chan) ?? []) s.send(d);
      waiting.delete(chan);
      send(FRAME.opened, chan);
    });
  };
  const onFrames = (frames: TunnelFrame[]): void => {
    for (const f of frames) {
      if (f.type === FRAME.open) open(f.chan);
      else if (f.type === FRAME.data) {
        const t = tcp.get(f.chan);
        if (t) t.write(f.payload);
        else if (waiting.has(f.chan)) waiting.get(f.chan)!.push(f.payload);
        else udp.get(f.chan)?.send(f.payload);
      } else if (f.type === FRAME.close) {
        tcp.get(f.chan)?.end();
        const u = udp.get(f.chan);
        if (u) {
          u.close();
          udp.delete(f.chan);
        }
      }
    }
  };
  const listen = stringOption(opts, 'listen');
  // Each byte stream has its own reader: a frame never spans the two.
  const direct = new FrameReader();
  if (listen) listenForTunnel(listen, stringOption(opts, 'token') ?? '', (d) => onFrames(direct.push(d)));
  for await (const chunk of process.stdin) onFrames(reader.push(chunk as Buffer));
  for (const s of tcp.values()) s.destroy();
  for (const s of udp.values()) s.close();
  return 0;
}

if (import.meta.main) await runMain(PROG, () => main(process.argv.slice(2)));
