// concurrent, no-waiting, single-thread: how a TCP server serves several clients. Judged by
// causality where it can be (was the 2nd client answered while the 1st still held its
// connection?), by the shape of the waiting times where it cannot, and by the program's own
// threads and processes for select().
import type { Actor } from '../../apps/socket-script.ts';
import { type CensusResult, type CensusSample, PROGRAM as TASK_CENSUS } from '../../apps/task-census.ts';
import { type CheckContext, failed, type Outcome, passed } from '../context.ts';
import { TCP_ECHO_FRAMINGS } from '../framing.ts';
import { b64, bytesOf, reads, trimLineEnd, upper, wrongReply } from './common.ts';
import { defineVerdict } from './verdict.ts';

const target = (ctx: CheckContext) => ({ host: 'server', port: ctx.port });

/**
 * How long the 1st client holds its connection without sending while the 2nd is served. A
 * concurrent server ends the hold early (the 2nd's answer is the signal), so only an iterative
 * one pays it in full; long, so that a concurrent server on a swamped machine (a class graded
 * in parallel on two cores) still answers the 2nd within it: 4 s was once too short under load.
 */
export const HOLD_MS = 7000;

export interface HeldProbe {
  /** concurrent, iterative, or unknown (the 2nd client was never answered). */
  kind: 'concurrent' | 'iterative' | 'unknown';
  /** The kind in words, for every TCP check's report. */
  text: string;
  reason: string;
  waitedMs: number | null;
  exchange: Outcome['exchange'];
}

/**
 * The held-connection probe: a 1st client connects and sends nothing (as the textbook's client
 * while its user is still typing); a 2nd connects and sends a sentence. A concurrent server
 * answers the 2nd at once; an iterative one only after the 1st has sent and closed, which it
 * does after HOLD_MS. Run once per check and shared: every TCP check reports the kind.
 */
export async function heldProbe(ctx: CheckContext): Promise<HeldProbe> {
  const memo = ctx.memo.get('held') as HeldProbe | undefined;
  if (memo) return memo;
  await ctx.clean();
  const first = 'the first client, typed at last';
  const second = 'the second client';
  const actors: Actor[] = [
    {
      name: '1st client',
      proto: 'tcp',
      ...target(ctx),
      steps: [
        { do: 'connect', timeoutMs: 5000 },
        { do: 'wait', name: 'second-served', timeoutMs: HOLD_MS },
        { do: 'send', data: b64(`${first}\n`) },
        { do: 'read', until: 'reply', timeoutMs: 20_000, quietMs: 500 },
        { do: 'close' },
      ],
    },
    {
      name: '2nd client',
      proto: 'tcp',
      ...target(ctx),
      steps: [
        { do: 'pause', ms: 300 },
        { do: 'connect', timeoutMs: 5000 },
        { do: 'send', data: b64(`${second}\n`) },
        { do: 'read', until: 'reply', timeoutMs: HOLD_MS + 20_000, quietMs: 500 },
        { do: 'signal', name: 'second-served' },
      ],
    },
  ];
  const { result, exchange } = await ctx.script(actors, HOLD_MS + 60_000);
  const aSend = result.actors[0]?.steps.find((s) => s.do === 'send');
  const bSend = result.actors[1]?.steps.find((s) => s.do === 'send');
  const bRead = reads(result, 1)[0];
  const wrong = wrongReply(second, bRead?.data ? bytesOf(bRead) : null);
  let probe: HeldProbe;
  if (!bSend || !bRead || wrong) {
    probe = {
      kind: 'unknown',
      text: 'unknown: the 2nd client was never answered',
      reason: `while the 1st client held its connection, the 2nd client: ${wrong ?? 'could not connect'}`,
      waitedMs: null,
      exchange,
    };
  } else {
    const waitedMs = Math.round(bRead.end - bSend.at);
    // Causal: the 1st client sends only once the 2nd has its reply (the signal) or the hold is
    // over. Its wait ending by the signal says the server answered the 2nd while the 1st had sent
    // nothing. Times are not compared: both are taken to a tenth of a millisecond, within which
    // the signal passes from one actor to the other (once read as a tie, and so iterative).
    const aWait = result.actors[0]?.steps.find((s) => s.do === 'wait');
    const concurrent = aSend === undefined || aWait?.ok === true;
    probe = concurrent
      ? {
          kind: 'concurrent',
          text: 'concurrent',
          reason: 'the 2nd client was answered while the 1st still held its connection without sending',
          waitedMs,
          exchange,
        }
      : {
          kind: 'iterative',
          text: 'iterative: the 2nd client waited for the 1st',
          reason:
            'iterative: the 2nd client was answered only after the 1st had sent its sentence and closed; a client still typing holds up every other',
          waitedMs,
          exchange,
        };
  }
  ctx.memo.set('held', probe);
  return probe;
}

async function judgeConcurrent(ctx: CheckContext): Promise<Outcome> {
  const p = await heldProbe(ctx);
  const measured = p.waitedMs === null ? undefined : { secondClientWaitedMs: p.waitedMs };
  return p.kind === 'concurrent'
    ? passed(p.reason, { measured, exchange: p.exchange })
    : failed(p.reason, { measured, exchange: p.exchange });
}

/** Clients that send at once must not be answered one after another (a server slow per client). */
async function judgeNoWaiting(ctx: CheckContext): Promise<Outcome> {
  await ctx.clean();
  const n = 4;
  const actors: Actor[] = Array.from({ length: n }, (_, i) => ({
    name: `client ${i + 1}`,
    proto: 'tcp' as const,
    ...target(ctx),
    steps: [
      { do: 'connect' as const, timeoutMs: 5000 },
      { do: 'send' as const, data: b64(`client ${i + 1} of ${n}\n`) },
      { do: 'read' as const, until: 'reply' as const, timeoutMs: 60_000, quietMs: 500 },
      { do: 'close' as const },
    ],
  }));
  const { result, exchange } = await ctx.script(actors, 120_000);
  const waits: number[] = [];
  for (const [i, a] of result.actors.entries()) {
    const send = a.steps.find((s) => s.do === 'send');
    const read = reads(result, i)[0];
    const wrong = wrongReply(`client ${i + 1} of ${n}`, read?.data ? bytesOf(read) : null);
    if (!send || !read || wrong)
      return failed(`of ${n} clients at once, client ${i + 1}: ${wrong ?? 'could not connect'}`, {
        exchange,
      });
    waits.push(Math.round(read.end - send.at));
  }
  const sorted = [...waits].sort((a, b) => a - b);
  const measured = Object.fromEntries(sorted.map((w, i) => [`wait${i + 1}Ms`, w]));
  const first = sorted[0]!;
  // One after another: each next client waits about as long again as the one before. A server
  // that answers within a few hundred ms makes nobody wait, whatever it does.
  const staircase = first >= 300 && sorted.slice(1).every((w, i) => w - sorted[i]! >= 0.5 * first);
  if (staircase)
    return failed(
      `iterative: ${n} clients sent at once and were answered one after another, each waiting for the one before (the 2nd waited about twice as long as the 1st)`,
      { measured, exchange },
    );
  return passed(`${n} clients sent at once; none waited for another to be served`, { measured, exchange });
}

/** How long each client holds its connection open without sending, while the census samples. */
const HOLD_OPEN_MS = 2500;

/**
 * One thread for all clients, judged while every client is connected and mid-exchange: five
 * clients connect and hold their connections open before their first line (and, over a stream,
 * again before their second), while the task census samples the program's threads. A thread or
 * process per client (or a pool) has a thread blocked reading each client's socket, or a process
 * holding each; select/poll/epoll and event loops have one thread waiting on all. Counted before
 * any reply, a server whose children exit after one reply is caught too.
 */
async function judgeSingleThread(ctx: CheckContext): Promise<Outcome> {
  await ctx.clean();
  const t = target(ctx);
  const n = 5;
  const line = (s: string) => [
    { do: 'send' as const, data: b64(`${s}\n`) },
    { do: 'read' as const, until: 'reply' as const, timeoutMs: 10_000, quietMs: 500 },
  ];
  // A first client warms the runtime up (Node makes its thread pool on first use, say).
  await ctx.script([
    {
      name: 'warm-up client',
      proto: 'tcp',
      ...t,
      steps: [{ do: 'connect', timeoutMs: 5000 }, ...line('warming up'), { do: 'close' }],
    },
  ]);
  await new Promise((r) => setTimeout(r, 500));
  const census = { uid: ctx.program.uid, port: ctx.port };
  const idle = (await ctx.program.runTool(TASK_CENSUS, { ...census, 'for-ms': 0 })).busiest;
  const stream = ctx.assignment.framing === 'stream';
  const actors: Actor[] = Array.from({ length: n }, (_, i) => ({
    name: `client ${i + 1}`,
    proto: 'tcp' as const,
    ...t,
    steps: [
      { do: 'connect' as const, timeoutMs: 5000 },
      { do: 'pause' as const, ms: HOLD_OPEN_MS },
      ...line(`client ${i + 1} holds on`),
      // Over a stream, held again before the next line (one-shot servers close after the reply).
      ...(stream ? [{ do: 'pause' as const, ms: HOLD_OPEN_MS }, ...line(`client ${i + 1} again`)] : []),
      { do: 'close' as const },
    ],
  }));
  const holdMs = HOLD_OPEN_MS * (stream ? 2 : 1) + 1000;
  const [busy, { result, exchange }] = await Promise.all([
    ctx.program.runTool(TASK_CENSUS, { ...census, 'for-ms': holdMs }),
    ctx.script(actors),
  ]);
  // Whether they were all answered at once is `concurrent`'s question; this one counts threads.
  const answered = Array.from({ length: n }, (_, i) => reads(result, i)[0]).filter(
    (r, i) => r?.data && trimLineEnd(bytesOf(r)).equals(upper(`client ${i + 1} holds on`)),
  ).length;
  return singleThreadOutcome(n, idle, busy, answered, exchange);
}

/** The verdict from the census: idle (no client) and busy (n connected, mid-exchange). */
export function singleThreadOutcome(
  n: number,
  idle: CensusSample,
  busy: CensusResult,
  answered: number,
  exchange?: Outcome['exchange'],
): Outcome {
  const b = busy.busiest;
  const measured = {
    idleThreads: idle.threads,
    busyThreads: busy.max.threads,
    idleProcesses: idle.processes,
    busyProcesses: busy.max.processes,
    threadsWaitingOnClients: b.threadsOnClients,
    processesHoldingClients: b.processesWithClients,
    clientsAnswered: answered,
  };
  const extra = { measured, exchange };
  const counts = `${idle.threads} thread${idle.threads === 1 ? '' : 's'} in ${idle.processes} process${idle.processes === 1 ? '' : 'es'} with no client, up to ${busy.max.threads} in ${busy.max.processes} with ${n} connected`;
  const how = busy.callsReadable
    ? 'counted from the kernel’s view of each thread while the clients held their connections'
    : 'counted by threads and processes alone: this kernel does not show what each thread waits on';
  const calls = [...new Set(b.tasks.filter((x) => x.waitsOn !== null).map((x) => x.call))].join(', ');
  if (b.processesWithClients >= 2)
    return failed(
      `a process per client, not one thread for all: ${b.processesWithClients} processes each held a client’s connection at once (${counts}; ${how})`,
      extra,
    );
  if (b.threadsOnClients >= 2)
    return failed(
      `a thread per client, not one thread for all (select/poll/epoll): ${b.threadsOnClients} threads were each blocked reading its own client (${calls}) at once (${counts}; ${how})`,
      extra,
    );
  // A runtime may add a helper or two on its own; a thread or process per client adds about n.
  if (busy.max.processes - idle.processes >= n - 2)
    return failed(`a process per client, not one thread for all: ${counts} (${how})`, extra);
  if (busy.max.threads - idle.threads >= n - 2)
    return failed(
      `a thread per client, not one thread for all (select/poll/epoll): ${counts} (${how})`,
      extra,
    );
  return passed(
    `one thread served ${n} clients at once: no thread or process per client (${counts}; ${how})`,
    extra,
  );
}

export const concurrent = defineVerdict({
  id: 'concurrent',
  title: 'serves a client while another holds its connection',
  measures:
    'a first client connects and sends nothing (as a user still typing); a second client must get its reply meanwhile',
  roles: ['server'],
  framings: TCP_ECHO_FRAMINGS,
  points: 25,
  run: judgeConcurrent,
});

export const noWaiting = defineVerdict({
  id: 'no-waiting',
  title: 'clients do not wait in turn',
  measures: 'four clients send at once; a server slow per client must not answer them one after another',
  roles: ['server'],
  framings: TCP_ECHO_FRAMINGS,
  points: 20,
  run: judgeNoWaiting,
});

export const singleThread = defineVerdict({
  id: 'single-thread',
  title: 'one thread for all clients',
  measures:
    'five clients connected and held mid-exchange (before their first line, and over a stream before their next): no two threads each blocked reading its own client, no two processes each holding clients, and no thread or process more per client than with none (select/poll/epoll pass; a thread or process per client, or a pool, fail); how the threads were counted is in the reason',
  roles: ['server'],
  framings: TCP_ECHO_FRAMINGS,
  points: 30,
  run: judgeSingleThread,
});
