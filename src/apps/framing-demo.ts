// TCP has no message boundaries. N messages written back to back (one write() each) reach the
// reader as a byte stream: a single naive recv() may return several messages glued together or
// part of one. A framed reader (split at newlines) gets exactly the N messages back.
import {
  intOption,
  type OptionSpecs,
  parseOptions,
  portOption,
  SERVER_OPTIONS,
  stringOption,
} from '../common/app-args.ts';
import { deadline } from '../common/deadline.ts';
import { defineProgram, printResult } from '../common/host-program.ts';
import { LineFramer } from '../common/line-framer.ts';
import { runMain } from '../common/program-errors.ts';
import { resolveHost } from './resolve-host.ts';
import { connectTcp } from './tcp-connect.ts';
import { uppercaseBytes } from './uppercase.ts';

const PROG = 'framing-demo';

export interface FramingResult {
  messages: number;
  /** What the first recv() returned: the bytes, how many whole messages, and a partial rest. */
  firstRecv: { bytes: number; wholeMessages: number; partialBytes: number };
  /** Every recv(): how many bytes it returned. */
  recvSizes: number[];
  /** recv() calls that returned exactly one whole message. */
  recvsAlignedToMessages: number;
  framed: { messages: number; intact: boolean };
}

/** Its options: the parser below and the argv builder of PROGRAM both use them. */
export const OPTIONS = {
  ...SERVER_OPTIONS,
  messages: { type: 'string', value: 'N', help: 'messages', default: '20' },
  timeout: { type: 'string', value: 'MS', help: 'how long to wait for all replies', default: '30000' },
  json: { type: 'boolean', help: 'print one JSON object' },
} as const satisfies OptionSpecs;

export const PROGRAM = defineProgram<typeof OPTIONS, FramingResult>('framing-demo', 1, OPTIONS);

async function main(argv: string[]): Promise<number> {
  const opts = parseOptions(
    PROG,
    'Writes N messages back to back over TCP; shows what a naive recv() gets against a framed reader.',
    OPTIONS,
    argv,
  );
  if (!opts) return 0;
  const port = portOption(opts, 12000, false);
  const n = intOption(opts, 'messages', 1, 100_000, 20)!;
  const timeoutMs = intOption(opts, 'timeout', 1, 600_000, 30000)!;
  const server = await resolveHost(stringOption(opts, 'host')!);
  const socket = await connectTcp(server.address, port, timeoutMs);
  // Nagle on, as a default socket has it: small writes may travel together.
  socket.setNoDelay(false);
  const sent = Array.from({ length: n }, (_, i) => Buffer.from(`message ${i} of ${n}\n`));
  const expected = sent.map((m) => uppercaseBytes(m));
  const recvSizes: number[] = [];
  const framer = new LineFramer();
  const lines: Buffer[] = [];
  const done = new Promise<void>((resolve) => {
    const timer = deadline(timeoutMs, resolve);
    socket.on('data', (chunk: Buffer) => {
      recvSizes.push(chunk.length);
      lines.push(...framer.push(chunk));
      if (lines.length >= n) {
        timer.cancel();
        resolve();
      }
    });
    socket.on('close', () => {
      timer.cancel();
      resolve();
    });
    socket.on('error', () => {});
  });
  for (const m of sent) socket.write(m);
  await done;
  socket.end();
  // Where each message starts in the byte stream, to say what each recv() held.
  const startsAt = new Map<number, number>();
  let offset = 0;
  expected.forEach((m, i) => {
    startsAt.set(offset, i);
    offset += m.length;
  });
  const firstBytes = recvSizes[0] ?? 0;
  let whole = 0;
  let wholeBytes = 0;
  while (whole < n && wholeBytes + expected[whole]!.length <= firstBytes)
    wholeBytes += expected[whole++]!.length;
  let at = 0;
  let aligned = 0;
  for (const size of recvSizes) {
    const i = startsAt.get(at);
    if (i !== undefined && expected[i]!.length === size) aligned++;
    at += size;
  }
  const result: FramingResult = {
    messages: n,
    firstRecv: {
      bytes: firstBytes,
      wholeMessages: whole,
      partialBytes: firstBytes - wholeBytes,
    },
    recvSizes,
    recvsAlignedToMessages: aligned,
    framed: {
      messages: lines.length,
      intact: lines.length === n && lines.every((l, i) => l.equals(expected[i]!)),
    },
  };
  if (opts.json) printResult(PROGRAM, result);
  else {
    process.stdout.write(
      `${n} messages written back to back; they came back in ${recvSizes.length} recv() calls of ${recvSizes.join(', ')} bytes\n` +
        `a single naive recv() got ${whole} whole message(s)${result.firstRecv.partialBytes ? ` and ${result.firstRecv.partialBytes} bytes of the next` : ''}\n` +
        `the framed reader (split at newlines) got ${lines.length} message(s), ${result.framed.intact ? 'all intact' : 'NOT intact'}\n`,
    );
  }
  return result.framed.intact ? 0 : 1;
}

if (import.meta.main) await runMain(PROG, () => main(process.argv.slice(2)));
