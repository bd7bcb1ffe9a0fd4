// expose-relay: the client host's end of an expose tunnel. It reads tunnel frames on stdin (see
// common/tunnel-frames.ts) and, per channel, opens a TCP connection or a UDP socket of its own to
// HOST:PORT (the server, through the impaired link), and writes what comes back as frames on
// stdout. So a test, a browser or dig on the machine enters the lab at the client end: one
// lab-side socket per connection or per host-side UDP peer, replies to their own sender. Zero
// dependencies.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { type OptionSpecs, parseOptions, portOption, stringOption } from '../common/app-args.ts';
import { SocklabError } from '../common/errors.ts';
import { defineProgram } from '../common/host-program.ts';
import { runMain } from '../common/program-errors.ts';
import { encodeFrame, FRAME, FrameReader, type FrameType } from '../common/tunnel-frames.ts';
import { resolveHost } from './resolve-host.ts';

const PROG = 'expose-relay';

const OPTIONS = {
  host: { type: 'string', value: 'HOST', help: 'where the tunnel leads', default: 'server' },
  port: { type: 'string', value: 'PORT', help: 'its port' },
  proto: { type: 'string', value: 'tcp|udp', help: 'the protocol', default: 'tcp' },
} as const satisfies OptionSpecs;

/** Runs until stdin ends; prints no result (its stdout is the tunnel). */
export const PROGRAM = defineProgram<typeof OPTIONS, never>(PROG, 1, OPTIONS);

const send = (type: FrameType, chan: number, payload?: Buffer): void => {
  process.stdout.write(encodeFrame(type, chan, payload));
};

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
  for await (const chunk of process.stdin) {
    for (const f of reader.push(chunk as Buffer)) {
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
  }
  for (const s of tcp.values()) s.destroy();
  for (const s of udp.values()) s.close();
  return 0;
}

if (import.meta.main) await runMain(PROG, () => main(process.argv.slice(2)));
