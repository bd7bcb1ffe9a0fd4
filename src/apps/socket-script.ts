// socket-script: the checker's side of a conversation with a program under test. A script (JSON
// on stdin) names actors, each a UDP or TCP client with a list of steps (connect, send, pause,
// read, close, reset, signal, wait); the actors run at once and can wait for each other's
// signals ("hold this connection until the other client has its reply"). The result (JSON on
// stdout) says what each step did and when: what was sent, what came back, how long it waited.
// Typed both ends: socklab builds ScriptRequest and reads ScriptResult, no text to parse.
// Zero dependencies, like every program on the hosts.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { type OptionSpecs, parseOptions } from '../common/app-args.ts';
import { deadline } from '../common/deadline.ts';
import { SocklabError } from '../common/errors.ts';
import { defineProgram } from '../common/host-program.ts';
import { runMain } from '../common/program-errors.ts';
import type { Proto } from '../common/proto.ts';
import { resolveHost } from './resolve-host.ts';

export const SCRIPT_SCHEMA = 1;

const OPTIONS = {
  serve: {
    type: 'boolean',
    help: 'stay: read one ScriptLine a line on stdin, answer each with a ScriptReply line, until stdin ends',
  },
} as const satisfies OptionSpecs;

/** The script comes on stdin; the result carries its schema. `--serve`: many, one a line (below). */
export const PROGRAM = defineProgram<typeof OPTIONS, ScriptResult>('socket-script', SCRIPT_SCHEMA, OPTIONS);

export type Step =
  /** TCP: open the connection (the handshake completes even if the server never accepts). */
  | { do: 'connect'; timeoutMs: number }
  /** Write (TCP, with Nagle off: each send is its own segment) or send one datagram (UDP). */
  | { do: 'send'; data: string }
  /** UDP: `count` datagrams as fast as the socket takes them. */
  | { do: 'burst'; data: string; count: number }
  | { do: 'pause'; ms: number }
  /**
   * Read: `line` up to a newline (`lines` of them), `close` until the server closes, `reply` until
   * a newline, a close, or `quietMs` without bytes once some came; `quiet` whatever comes within
   * `quietMs`; `datagram` one datagram (UDP), `datagrams` all that come within `quietMs`.
   */
  | {
      do: 'read';
      until: 'line' | 'close' | 'reply' | 'quiet' | 'datagram' | 'datagrams';
      timeoutMs: number;
      lines?: number;
      quietMs?: number;
    }
  | { do: 'close' }
  /** TCP: abort with a reset (RST) instead of a close. */
  | { do: 'reset' }
  | { do: 'signal'; name: string }
  | { do: 'wait'; name: string; timeoutMs: number };

export interface Actor {
  name: string;
  proto: Proto;
  host: string;
  port: number;
  steps: Step[];
}

export interface ScriptRequest {
  schema: typeof SCRIPT_SCHEMA;
  actors: Actor[];
}

export interface StepResult {
  do: Step['do'];
  /** When the step began and ended, ms since the script started. */
  at: number;
  end: number;
  ok: boolean;
  /** What a read got (all of it, base64), or for `datagrams` each datagram. */
  data?: string;
  datagrams?: string[];
  /** Why it did not complete: `timeout`, `closed`, `reset`, or the socket's error. */
  error?: string;
}

export interface ActorResult {
  name: string;
  /** The client's own port, to find its frames in the link's record. */
  localPort: number | null;
  steps: StepResult[];
}

export interface ScriptResult {
  schema: typeof SCRIPT_SCHEMA;
  actors: ActorResult[];
}

/** `--serve`: one request a line; requests run at once and are answered as each ends. */
export interface ScriptLine {
  id: number;
  request: ScriptRequest;
}

/**
 * `--serve`'s lines: first `ready` (the program runs and reads this schema), then one per request,
 * with its result or why it had none.
 */
export type ScriptReply =
  | { schema: typeof SCRIPT_SCHEMA; ready: true }
  | { schema: typeof SCRIPT_SCHEMA; id: number; result: ScriptResult }
  | { schema: typeof SCRIPT_SCHEMA; id: number; error: string };

const PROG = 'socket-script';
const b64 = (s: string): Buffer => Buffer.from(s, 'base64');

/** Signals between actors: one promise per name, resolved once. */
class Signals {
  readonly #waiting = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  #get(name: string) {
    let w = this.#waiting.get(name);
    if (!w) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      w = { promise, resolve };
      this.#waiting.set(name, w);
    }
    return w;
  }
  raise(name: string): void {
    this.#get(name).resolve();
  }
  wait(name: string, timeoutMs: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const t = deadline(timeoutMs, () => resolve(false));
      void this.#get(name).promise.then(() => {
        t.cancel();
        resolve(true);
      });
    });
  }
}

/** Bytes that came in and were not read yet, and a way to wait for more. */
class Inbox {
  buffer = Buffer.alloc(0);
  datagrams: Buffer[] = [];
  closed: string | null = null;
  #wake: (() => void) | null = null;
  push(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    this.#wake?.();
  }
  pushDatagram(d: Buffer): void {
    this.datagrams.push(d);
    this.#wake?.();
  }
  end(why: string): void {
    this.closed ??= why;
    this.#wake?.();
  }
  /** Resolves when something happens or after `ms`. */
  next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = deadline(Math.max(0, ms), done);
      function done(): void {
        t.cancel();
        resolve();
      }
      this.#wake = () => {
        this.#wake = null;
        done();
      };
    });
  }
}

async function runActor(actor: Actor, signals: Signals, t0: number): Promise<ActorResult> {
  const now = (): number => Math.round((performance.now() - t0) * 10) / 10;
  const inbox = new Inbox();
  const server = await resolveHost(actor.host);
  let tcp: Socket | null = null;
  let udp: UdpSocket | null = null;
  const result: ActorResult = { name: actor.name, localPort: null, steps: [] };
  if (actor.proto === 'udp') {
    udp = createSocket(server.family === 6 ? 'udp6' : 'udp4');
    udp.on('message', (m) => inbox.pushDatagram(m));
    udp.on('error', () => {});
    await new Promise<void>((r) => udp!.bind(0, () => r()));
    result.localPort = udp.address().port;
  }
  for (const step of actor.steps) {
    const r: StepResult = { do: step.do, at: now(), end: 0, ok: true };
    result.steps.push(r);
    try {
      switch (step.do) {
        case 'connect': {
          tcp = await new Promise<Socket>((resolve, reject) => {
            const s = connect({ host: server.address, port: actor.port, noDelay: true, allowHalfOpen: true });
            const timer = deadline(step.timeoutMs, () => {
              s.destroy();
              reject(new Error('timeout'));
            });
            s.once('connect', () => {
              timer.cancel();
              resolve(s);
            });
            s.once('error', (e: NodeJS.ErrnoException) => {
              timer.cancel();
              reject(new Error(e.code ?? e.message));
            });
          });
          result.localPort = tcp.localPort ?? null;
          tcp.on('data', (d: Buffer) => inbox.push(d));
          tcp.on('end', () => inbox.end('closed'));
          tcp.on('error', (e: NodeJS.ErrnoException) =>
            inbox.end(e.code === 'ECONNRESET' ? 'reset' : (e.code ?? e.message)),
          );
          tcp.on('close', () => inbox.end('closed'));
          break;
        }
        case 'send':
          if (udp)
            await new Promise<void>((res) =>
              udp!.send(b64(step.data), actor.port, server.address, () => res()),
            );
          else if (tcp && !tcp.destroyed)
            await new Promise<void>((res) => tcp!.write(b64(step.data), () => res()));
          else throw new Error(inbox.closed ?? 'not connected');
          break;
        case 'burst': {
          const d = b64(step.data);
          for (let i = 0; i < step.count; i++)
            await new Promise<void>((res) => udp!.send(d, actor.port, server.address, () => res()));
          break;
        }
        case 'pause':
          await new Promise((res) => setTimeout(res, step.ms));
          break;
        case 'read':
          await read(step, inbox, r);
          break;
        case 'close':
          if (tcp) {
            tcp.end();
            await new Promise((res) => setTimeout(res, 20));
          }
          break;
        case 'reset':
          tcp?.resetAndDestroy();
          break;
        case 'signal':
          signals.raise(step.name);
          break;
        case 'wait':
          if (!(await signals.wait(step.name, step.timeoutMs))) {
            r.ok = false;
            r.error = 'timeout';
          }
          break;
      }
    } catch (err) {
      r.ok = false;
      r.error = (err as Error).message;
    }
    r.end = now();
    // A step that failed ends the actor's script, except a read or wait that timed out: the
    // script goes on, so that what the other actors do still shows.
    if (!r.ok && !(r.error === 'timeout' && (step.do === 'read' || step.do === 'wait'))) break;
  }
  tcp?.destroy();
  udp?.close();
  return result;
}

async function read(step: Extract<Step, { do: 'read' }>, inbox: Inbox, r: StepResult): Promise<void> {
  const end = performance.now() + step.timeoutMs;
  const left = (): number => end - performance.now();
  const take = (n: number): void => {
    r.data = inbox.buffer.subarray(0, n).toString('base64');
    inbox.buffer = inbox.buffer.subarray(n);
  };
  if (step.until === 'datagram' || step.until === 'datagrams') {
    const got: Buffer[] = [];
    for (;;) {
      if (inbox.datagrams.length > 0) {
        got.push(...inbox.datagrams.splice(0));
        if (step.until === 'datagram') break;
      }
      const wait = step.until === 'datagrams' ? Math.min(left(), step.quietMs ?? 300) : left();
      if (wait <= 0) break;
      const before = got.length + inbox.datagrams.length;
      await inbox.next(wait);
      if (step.until === 'datagrams' && inbox.datagrams.length + got.length === before) break;
    }
    r.datagrams = got.map((d) => d.toString('base64'));
    if (got.length > 0) r.data = got[0]!.toString('base64');
    if (got.length === 0 && step.until === 'datagram') {
      r.ok = false;
      r.error = 'timeout';
    }
    return;
  }
  const quiet = step.quietMs ?? 300;
  let lastLength = -1;
  let lastChange = performance.now();
  for (;;) {
    const buf = inbox.buffer;
    if (buf.length !== lastLength) {
      lastLength = buf.length;
      lastChange = performance.now();
    }
    if (step.until === 'line' || step.until === 'reply') {
      let cut = -1;
      let seen = 0;
      for (let i = 0; i < buf.length; i++)
        if (buf[i] === 0x0a && ++seen === (step.lines ?? 1)) {
          cut = i + 1;
          break;
        }
      if (cut >= 0) return take(cut);
      if (step.until === 'reply' && buf.length > 0 && performance.now() - lastChange >= quiet)
        return take(buf.length);
    }
    if (inbox.closed) {
      take(buf.length);
      if (step.until !== 'close' && step.until !== 'quiet' && !(step.until === 'reply' && buf.length > 0)) {
        r.ok = false;
        r.error = inbox.closed;
      }
      return;
    }
    if (step.until === 'quiet' && performance.now() - lastChange >= quiet) return take(buf.length);
    if (left() <= 0) {
      take(buf.length);
      if (step.until !== 'quiet') {
        r.ok = false;
        r.error = 'timeout';
      }
      return;
    }
    const wait =
      step.until === 'quiet' || (step.until === 'reply' && buf.length > 0) ? Math.min(left(), quiet) : left();
    await inbox.next(wait);
  }
}

export async function runScript(req: ScriptRequest): Promise<ScriptResult> {
  const signals = new Signals();
  const t0 = performance.now();
  const actors = await Promise.all(req.actors.map((a) => runActor(a, signals, t0)));
  return { schema: SCRIPT_SCHEMA, actors };
}

/** A request read as text: the script, or why it is not one (one line naming the rule). */
function parseRequest(text: string): ScriptRequest {
  try {
    return checkRequest(JSON.parse(text) as ScriptRequest);
  } catch (err) {
    if (err instanceof SocklabError) throw err;
    throw new SocklabError(
      'usage.invalid',
      `the script on stdin is not JSON (${(err as Error).message}); see --help`,
    );
  }
}

function checkRequest(req: ScriptRequest): ScriptRequest {
  if (req?.schema !== SCRIPT_SCHEMA || !Array.isArray(req.actors))
    throw new SocklabError(
      'usage.invalid',
      `the script must be schema ${SCRIPT_SCHEMA} with actors; got schema ${req?.schema}`,
    );
  return req;
}

/**
 * Many scripts from one process: a check runs several, and under an emulated CPU each new Node
 * process costs about a second of start-up. Each script's sockets are closed when it ends (as
 * its process's end closed them), so one script leaves nothing behind for the next.
 */
async function serve(): Promise<void> {
  const say = (reply: ScriptReply): void => void process.stdout.write(`${JSON.stringify(reply)}\n`);
  say({ schema: SCRIPT_SCHEMA, ready: true });
  const running: Promise<void>[] = [];
  for await (const text of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    if (text.trim() === '') continue;
    let line: ScriptLine;
    try {
      line = JSON.parse(text) as ScriptLine;
    } catch {
      say({
        schema: SCRIPT_SCHEMA,
        id: -1,
        error: 'a line on stdin is not JSON: send one ScriptLine a line',
      });
      continue;
    }
    const id = typeof line?.id === 'number' ? line.id : -1;
    const done = (async () => {
      try {
        say({ schema: SCRIPT_SCHEMA, id, result: await runScript(checkRequest(line.request)) });
      } catch (err) {
        say({ schema: SCRIPT_SCHEMA, id, error: (err as Error).message });
      }
    })();
    running.push(done);
  }
  await Promise.all(running);
}

async function main(argv: string[]): Promise<number> {
  const opts = parseOptions(
    PROG,
    "the checker's clients: a ScriptRequest (JSON) on stdin, a ScriptResult on stdout",
    OPTIONS,
    argv,
  );
  if (!opts) return 0;
  if (opts.serve) {
    await serve();
    return 0;
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const req = parseRequest(Buffer.concat(chunks).toString('utf8'));
  process.stdout.write(`${JSON.stringify(await runScript(req))}\n`);
  return 0;
}

if (import.meta.main) await runMain(PROG, () => main(process.argv.slice(2)));
