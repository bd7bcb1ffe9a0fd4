// The textbook's UDP pinger lab: one ping at a time over UDP, each answered within the timeout
// or reported as "Request timed out", then min/avg/max RTT and the loss rate. UDP has no
// acknowledgements, so the client's own timeout is the only way it learns of a loss.
import {
  intOption,
  type OptionSpecs,
  parseOptions,
  portOption,
  SERVER_OPTIONS,
  stringOption,
} from '../common/app-args.ts';
import { defineProgram, printResult } from '../common/host-program.ts';
import { runMain } from '../common/program-errors.ts';
import { checkSize } from './probe-message.ts';
import { resolveHost } from './resolve-host.ts';
import { measureUdp } from './udp-measure.ts';

const PROG = 'udp-pinger';

export interface PingerResult {
  sent: number;
  received: number;
  lossPercent: number;
  /** Per ping: RTT in ms, or null for "Request timed out". */
  rtts: (number | null)[];
  minMs: number | null;
  avgMs: number | null;
  maxMs: number | null;
  intervalMs: number;
  timeoutMs: number;
}

/** Its options: the parser below and the argv builder of PROGRAM both use them. */
export const OPTIONS = {
  ...SERVER_OPTIONS,
  count: { type: 'string', value: 'N', help: 'pings to send', default: '10' },
  interval: {
    type: 'string',
    value: 'MS',
    help: 'time between pings (1000: one a second)',
    default: '1000',
  },
  timeout: { type: 'string', value: 'MS', help: 'how long to wait for each reply', default: '1000' },
  json: { type: 'boolean', help: 'print one JSON object' },
} as const satisfies OptionSpecs;

export const PROGRAM = defineProgram<typeof OPTIONS, PingerResult>('udp-pinger', 1, OPTIONS);

async function main(argv: string[]): Promise<number> {
  const opts = parseOptions(
    PROG,
    'Pings a UDP echo server: one ping per interval, each answered or "Request timed out".',
    OPTIONS,
    argv,
  );
  if (!opts) return 0;
  const port = portOption(opts, 12000, false);
  const count = intOption(opts, 'count', 1, 100_000, 10)!;
  const intervalMs = intOption(opts, 'interval', 0, 3_600_000, 1000)!;
  const timeoutMs = intOption(opts, 'timeout', 1, 60_000, 1000)!;
  checkSize(32, count, false);
  const server = await resolveHost(stringOption(opts, 'host')!);
  const r = await measureUdp(
    // One outstanding ping, as the textbook's loop of sendto() then recvfrom() with a timeout.
    { ...server, port, count, intervalMs, size: 32, timeoutMs, window: 1 },
    (e) => {
      if (opts.json) return;
      if (e.kind === 'reply' && !e.duplicate)
        process.stdout.write(
          `Ping ${e.seq + 1}: reply from ${server.name}, RTT = ${e.rttMs.toFixed(3)} ms\n`,
        );
      else if (e.kind === 'timeout') process.stdout.write(`Ping ${e.seq + 1}: Request timed out\n`);
    },
  );
  const answered = r.rtts.filter((x): x is number => x !== null);
  const result: PingerResult = {
    sent: r.sent,
    received: r.received,
    lossPercent: Math.round((10000 * r.lost) / r.sent) / 100,
    rtts: r.rtts.map((x) => (x === null ? null : Math.round(x * 1000) / 1000)),
    minMs: r.rttMs?.min ?? null,
    avgMs: r.rttMs?.avg ?? null,
    maxMs: r.rttMs?.max ?? null,
    intervalMs,
    timeoutMs,
  };
  if (opts.json) printResult(PROGRAM, result);
  else {
    const f = (x: number | null): string => (x === null ? '-' : x.toFixed(3));
    process.stdout.write(
      `\n--- ${server.name} ping statistics ---\n${r.sent} pings, ${answered.length} replies, ${result.lossPercent}% loss\n` +
        `RTT min/avg/max = ${f(result.minMs)}/${f(result.avgMs)}/${f(result.maxMs)} ms\n`,
    );
  }
  return r.received > 0 ? 0 : 1;
}

if (import.meta.main) await runMain(PROG, () => main(process.argv.slice(2)));
