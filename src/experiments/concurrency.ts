// concurrency: N TCP clients at once, each holding its connection for a while, against the
// iterative server (one client at a time, as the textbook's) and the concurrent one (a
// connection socket per client). The iterative server makes the k-th client wait for the
// k−1 before it; the concurrent one serves them all at once. In a lab of several clients the crowd
// is spread over the client hosts, which start together at one time of the machine's clock.
import { type CrowdResult, PROGRAM as ECHO_CROWD } from '../apps/echo-crowd.ts';
import { PROGRAM as TCP_ECHO_SERVER } from '../apps/tcp-echo-server.ts';
import { startBackground, stopBackground, waitListening } from '../lab/host-processes.ts';
import { appOn, type LabHost } from '../lab/lab-host.ts';
import { runProgram } from '../lab/run-program.ts';
import type { StartedLab } from '../lab/start-lab.ts';
import { type Fidelity, pathFidelity } from './fidelity.ts';
import { check, type Verdict } from './verdict.ts';

export interface ConcurrencyOptions {
  clients?: number;
  holdMs?: number;
  messages?: number;
  /** Over how many client hosts the crowd is spread (default: all of the lab's). */
  hosts?: number;
}

export interface ConcurrencyResult {
  experiment: 'concurrency';
  clients: number;
  holdMs: number;
  messages: number;
  /** The client hosts the crowd ran on. */
  hosts: string[];
  iterative: CrowdResult;
  concurrent: CrowdResult;
  fidelity: Fidelity;
  verdicts: Verdict[];
}

/** Where the experiment's iterative server listens, beside the lab's concurrent one on 12000. */
export const ITERATIVE_PORT = 12001;

/** Client numbers in blocks, one block per host: the first hosts take one more when it does not divide. */
export function crowdBlocks(n: number, hosts: number): { first: number; count: number }[] {
  const h = Math.max(1, Math.min(hosts, n));
  return Array.from({ length: h }, (_, i) => {
    const first = Math.floor((i * n) / h);
    return { first, count: Math.floor(((i + 1) * n) / h) - first };
  });
}

/** The crowds of several hosts as one: the clients in number order, the served added up. */
function joinCrowds(parts: CrowdResult[]): CrowdResult {
  const clients = parts.flatMap((p) => p.clients).sort((a, b) => a.client - b.client);
  return { ...parts[0]!, clients, served: parts.reduce((a, p) => a + p.served, 0) };
}

const waits = (r: CrowdResult): number[] =>
  r.clients.map((c) => c.waitMs ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);

export async function concurrency(
  lab: StartedLab,
  opts: ConcurrencyOptions = {},
): Promise<ConcurrencyResult> {
  const n = opts.clients ?? 5;
  const holdMs = opts.holdMs ?? 300;
  const messages = opts.messages ?? 2;
  const hosts: LabHost[] = lab.clients.slice(0, Math.max(1, opts.hosts ?? lab.clients.length));
  const blocks = crowdBlocks(n, hosts.length);
  const crowd = async (port: number): Promise<CrowdResult> => {
    // One host starts at once, as it always did; several start together, a moment from now.
    const startAt = blocks.length > 1 ? Date.now() + 1500 : undefined;
    const parts = await Promise.all(
      blocks.map((b, i) =>
        runProgram(hosts[i]!, ECHO_CROWD, {
          proto: 'tcp',
          host: 'server',
          port,
          clients: b.count,
          ...(blocks.length > 1 ? { first: b.first, 'start-at': startAt } : {}),
          messages,
          hold: holdMs,
        }),
      ),
    );
    return joinCrowds(parts);
  };
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
    hosts: hosts.slice(0, blocks.length).map((h) => h.name),
    iterative,
    concurrent,
    // The first host's path: the others' are the same unless the lab gave them paths of their own.
    fidelity: pathFidelity(lab.model, hosts[0]!.name, await lab.linkRecord()),
    verdicts,
  };
}
