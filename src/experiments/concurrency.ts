// concurrency: N TCP clients at once, each holding its connection for a while, against the
// iterative server (one client at a time, as the textbook's) and the concurrent one (a
// connection socket per client). The iterative server makes the k-th client wait for the
// k−1 before it; the concurrent one serves them all at once.
import { type CrowdResult, PROGRAM as ECHO_CROWD } from '../apps/echo-crowd.ts';
import { PROGRAM as TCP_ECHO_SERVER } from '../apps/tcp-echo-server.ts';
import { startBackground, stopBackground, waitListening } from '../lab/host-processes.ts';
import { appOn } from '../lab/lab-host.ts';
import { runProgram } from '../lab/run-program.ts';
import type { StartedLab } from '../lab/start-lab.ts';
import { type Fidelity, fidelity } from './fidelity.ts';
import { check, type Verdict } from './verdict.ts';

export interface ConcurrencyOptions {
  clients?: number;
  holdMs?: number;
  messages?: number;
}

export interface ConcurrencyResult {
  experiment: 'concurrency';
  clients: number;
  holdMs: number;
  messages: number;
  iterative: CrowdResult;
  concurrent: CrowdResult;
  fidelity: Fidelity;
  verdicts: Verdict[];
}

/** Where the experiment's iterative server listens, beside the lab's concurrent one on 12000. */
export const ITERATIVE_PORT = 12001;

const waits = (r: CrowdResult): number[] =>
  r.clients.map((c) => c.waitMs ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);

export async function concurrency(
  lab: StartedLab,
  opts: ConcurrencyOptions = {},
): Promise<ConcurrencyResult> {
  const n = opts.clients ?? 5;
  const holdMs = opts.holdMs ?? 300;
  const messages = opts.messages ?? 2;
  const crowd = (port: number): Promise<CrowdResult> =>
    runProgram(lab.client, ECHO_CROWD, {
      proto: 'tcp',
      host: 'server',
      port,
      clients: n,
      messages,
      hold: holdMs,
    });
  await lab.resetLink();
  // A backlog as long as the crowd: every client is queued rather than refused, so what shows
  // is the waiting, not SYN retransmission.
  const pid = await startBackground(
    lab.server,
    [
      'node',
      appOn(lab.server, TCP_ECHO_SERVER.name),
      ...TCP_ECHO_SERVER.argv({ iterative: true, backlog: n, port: ITERATIVE_PORT, quiet: true }),
    ],
    '/tmp/socklab-iterative.log',
  );
  let iterative: CrowdResult;
  try {
    await waitListening(lab.server, 'tcp', ITERATIVE_PORT, pid, 10_000);
    iterative = await crowd(ITERATIVE_PORT);
  } finally {
    await stopBackground(lab.server, pid);
  }
  const concurrent = await crowd(12000);
  const held = (messages - 1) * holdMs;
  const wi = waits(iterative);
  const wc = waits(concurrent);
  const verdicts = [
    check(
      'every client served by both servers',
      iterative.served === n && concurrent.served === n,
      `iterative served ${iterative.served} of ${n}, concurrent ${concurrent.served} of ${n}`,
    ),
    check(
      'the concurrent server serves the clients at once',
      wc.at(-1)! < held || held === 0,
      `the last of ${n} clients waited ${wc.at(-1)} ms for its first reply; each client holds its connection ${held} ms`,
    ),
    check(
      'the iterative server serves them one after another',
      held === 0 || wi.at(-1)! >= (n - 1) * held * 0.9,
      `waits ${wi.join(', ')} ms: the k-th client waits for the k−1 before it (≈ ${held} ms each)`,
    ),
  ];
  return {
    experiment: 'concurrency',
    clients: n,
    holdMs,
    messages,
    iterative,
    concurrent,
    fidelity: fidelity(lab.model, await lab.linkRecord()),
    verdicts,
  };
}
