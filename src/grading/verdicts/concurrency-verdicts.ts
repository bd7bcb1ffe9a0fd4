// concurrent, no-waiting, single-thread: how a TCP server serves several clients. Judged by
// causality where it can be (was the 2nd client answered while the 1st still held its
// connection?), by the shape of the waiting times where it cannot, and by the program's own
// threads and processes for select().
import type { Actor } from '../../apps/socket-script.ts';
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

/** One thread for all clients: threads and processes with no client and with five at once. */
async function judgeSingleThread(ctx: CheckContext): Promise<Outcome> {
  await ctx.clean();
  const t = target(ctx);
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
  const idle = await ctx.program.tasks();
  const n = 5;
  const actors: Actor[] = Array.from({ length: n }, (_, i) => ({
    name: `client ${i + 1}`,
    proto: 'tcp' as const,
    ...t,
    steps: [
      { do: 'connect' as const, timeoutMs: 5000 },
      ...line(`client ${i + 1} holds on`),
      { do: 'pause' as const, ms: 3000 },
      { do: 'close' as const },
    ],
  }));
  let busy = { processes: 0, threads: 0 };
  let done = false;
  const running = ctx.script(actors).finally(() => {
    done = true;
  });
  while (!done) {
    const now = await ctx.program.tasks();
    busy = {
      processes: Math.max(busy.processes, now.processes),
      threads: Math.max(busy.threads, now.threads),
    };
    await new Promise((r) => setTimeout(r, 200));
  }
  const { result, exchange } = await running;
  // Whether they were all answered at once is `concurrent`'s question; this one counts threads.
  const answered = Array.from({ length: n }, (_, i) => reads(result, i)[0]).filter(
    (r, i) => r?.data && trimLineEnd(bytesOf(r)).equals(upper(`client ${i + 1} holds on`)),
  ).length;
  const measured = {
    idleThreads: idle.threads,
    busyThreads: busy.threads,
    idleProcesses: idle.processes,
    busyProcesses: busy.processes,
    clientsAnswered: answered,
  };
  const counts = `${idle.threads} thread${idle.threads === 1 ? '' : 's'} in ${idle.processes} process${idle.processes === 1 ? '' : 'es'} with no client, ${busy.threads} in ${busy.processes} with ${n} connected`;
  // A runtime may add a helper or two on its own; a thread or process per client adds about n.
  if (busy.processes - idle.processes >= n - 2)
    return failed(`a process per client, not one thread for all: ${counts}`, { measured, exchange });
  if (busy.threads - idle.threads >= n - 2)
    return failed(`a thread per client, not one thread for all (select/poll/epoll): ${counts}`, {
      measured,
      exchange,
    });
  return passed(`one thread served ${n} clients at once: its threads and processes did not grow with them`, {
    measured,
    exchange,
  });
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
    'threads and processes with no client and with five clients connected at once: they must not grow per client (select/poll/epoll)',
  roles: ['server'],
  framings: TCP_ECHO_FRAMINGS,
  points: 30,
  run: judgeSingleThread,
});
