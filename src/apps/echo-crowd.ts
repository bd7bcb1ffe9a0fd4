// N echo clients at once against one server, each with its own socket and its own sentences:
// how long each waits before it is served, and whether each got its own replies. Over TCP an
// iterative server (the textbook's) serves them one after another, so the k-th waits for the
// k−1 before it; a concurrent server gives each its own connection socket at once. Over UDP one
// server socket answers everyone, and each reply must go back to the socket that asked.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import {
  intOption,
  type OptionSpecs,
  parseOptions,
  portOption,
  SERVER_OPTIONS,
  stringOption,
} from '../common/app-args.ts';
import { deadline } from '../common/deadline.ts';
import { SocklabError } from '../common/errors.ts';
import { defineProgram, printResult } from '../common/host-program.ts';
import { runMain } from '../common/program-errors.ts';
import { resolveHost } from './resolve-host.ts';
import { SocketLines } from './socket-lines.ts';
import { connectTcp } from './tcp-connect.ts';
import { uppercaseBytes } from './uppercase.ts';

const PROG = 'echo-crowd';

export interface CrowdClient {
  client: number;
  /** The client socket's own port (what the server told the clients apart by, with the address). */
  port?: number;
  /** From the start until the first reply came: the wait to be served. */
  waitMs: number | null;
  /** From the start until the client was done. */
  doneMs: number | null;
  ok: boolean;
  error?: string;
}

export interface CrowdResult {
  clients: CrowdClient[];
  served: number;
  holdMs: number;
  messages: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const round = (x: number): number => Math.round(x * 10) / 10;

/** One client's conversation: `ask` sends message m and says what went wrong, or null. */
interface Conversation {
  port: number;
  ask(m: number): Promise<string | null>;
  close(): void;
}

async function udpConversation(
  i: number,
  address: string,
  port: number,
  timeoutMs: number,
): Promise<Conversation> {
  const socket = createSocket('udp4');
  const replies: Buffer[] = [];
  let wake: (() => void) | null = null;
  socket.on('message', (m) => {
    replies.push(m);
    wake?.();
  });
  socket.on('error', () => {});
  // Bound before the first message so the client can say which source the server will see.
  await new Promise<void>((resolve) => socket.bind(0, resolve));
  return {
    port: socket.address().port,
    async ask(m) {
      const text = Buffer.from(`client ${i} message ${m}`);
      const got = await new Promise<Buffer | null>((resolve) => {
        const timer = deadline(timeoutMs, () => resolve(null));
        wake = () => {
          timer.cancel();
          resolve(replies.shift()!);
        };
        socket.send(text, port, address);
      });
      wake = null;
      if (!got) return 'no reply';
      return got.equals(uppercaseBytes(text)) ? null : `got '${got.toString().slice(0, 60)}'`;
    },
    close: () => socket.close(),
  };
}

async function tcpConversation(
  i: number,
  address: string,
  port: number,
  timeoutMs: number,
): Promise<Conversation> {
  const socket: Socket = await connectTcp(address, port, timeoutMs);
  const lines = new SocketLines(socket);
  return {
    port: socket.localPort ?? 0,
    async ask(m) {
      const text = `client ${i} message ${m}\n`;
      socket.write(text);
      const r = await lines.next(timeoutMs);
      if (r.kind !== 'line') return r.kind;
      return r.data.equals(uppercaseBytes(Buffer.from(text))) ? null : 'wrong reply';
    },
    close: () => socket.end(),
  };
}

async function oneClient(
  i: number,
  open: () => Promise<Conversation>,
  messages: number,
  holdMs: number,
  start: number,
): Promise<CrowdClient> {
  let waitMs: number | null = null;
  let conversation: Conversation | null = null;
  try {
    conversation = await open();
    const port = conversation.port;
    for (let m = 0; m < messages; m++) {
      if (m > 0) await sleep(holdMs);
      const problem = await conversation.ask(m);
      if (problem)
        return { client: i, port, waitMs, doneMs: null, ok: false, error: `message ${m}: ${problem}` };
      waitMs ??= round(performance.now() - start);
    }
    return { client: i, port, waitMs, doneMs: round(performance.now() - start), ok: true };
  } catch (err) {
    if (!(err instanceof SocklabError)) throw err;
    return { client: i, port: conversation?.port, waitMs, doneMs: null, ok: false, error: err.message };
  } finally {
    conversation?.close();
  }
}

/** Its options: the parser below and the argv builder of PROGRAM both use them. */
export const OPTIONS = {
  ...SERVER_OPTIONS,
  proto: { type: 'string', value: 'udp|tcp', help: 'which echo', default: 'tcp' },
  clients: { type: 'string', value: 'N', help: 'clients at once', default: '5' },
  first: {
    type: 'string',
    value: 'I',
    help: 'the first client’s number (crowds on several hosts)',
    default: '0',
  },
  'start-at': {
    type: 'string',
    value: 'EPOCH_MS',
    help: 'start at this wall-clock time (crowds on several hosts start together); waits count from it',
  },
  messages: { type: 'string', value: 'N', help: 'messages per client', default: '2' },
  hold: { type: 'string', value: 'MS', help: 'pause between one client’s messages', default: '300' },
  timeout: { type: 'string', value: 'MS', help: 'per connect and per reply', default: '30000' },
  json: { type: 'boolean', help: 'print one JSON object' },
} as const satisfies OptionSpecs;

export const PROGRAM = defineProgram<typeof OPTIONS, CrowdResult>('echo-crowd', 2, OPTIONS);

async function main(argv: string[]): Promise<number> {
  const opts = parseOptions(
    PROG,
    'Starts N echo clients at once, each with its own socket and sentences. Prints how long each waited.',
    OPTIONS,
    argv,
  );
  if (!opts) return 0;
  const port = portOption(opts, 12000, false);
  const n = intOption(opts, 'clients', 1, 1000, 5)!;
  const first = intOption(opts, 'first', 0, 100_000, 0)!;
  const startAt = intOption(opts, 'start-at', 0, Number.MAX_SAFE_INTEGER, Date.now());
  const messages = intOption(opts, 'messages', 1, 1000, 2)!;
  const holdMs = intOption(opts, 'hold', 0, 60_000, 300)!;
  const timeoutMs = intOption(opts, 'timeout', 1, 600_000, 30000)!;
  const proto = stringOption(opts, 'proto');
  if (proto !== 'udp' && proto !== 'tcp')
    throw new SocklabError('usage.invalid', `--proto must be udp or tcp, got '${proto}'; e.g. --proto udp`);
  const conversation = proto === 'udp' ? udpConversation : tcpConversation;
  const server = await resolveHost(stringOption(opts, 'host')!);
  // The hosts of one lab share the machine's clock: a start time in it lines up crowds on several
  // hosts better than starting each when its exec arrives. A time long past starts at once.
  if (startAt !== undefined) await sleep(Math.min(60_000, Math.max(0, startAt - Date.now())));
  const start = performance.now();
  const clients = await Promise.all(
    Array.from({ length: n }, (_, j) => {
      const i = first + j;
      return oneClient(i, () => conversation(i, server.address, port, timeoutMs), messages, holdMs, start);
    }),
  );
  const result: CrowdResult = { clients, served: clients.filter((c) => c.ok).length, holdMs, messages };
  if (opts.json) printResult(PROGRAM, result);
  else {
    for (const c of clients)
      process.stdout.write(
        `client ${c.client}: ${c.ok ? `waited ${c.waitMs} ms, done at ${c.doneMs} ms` : `FAILED: ${c.error}`}\n`,
      );
  }
  return result.served === n ? 0 : 1;
}

if (import.meta.main) await runMain(PROG, () => main(process.argv.slice(2)));
