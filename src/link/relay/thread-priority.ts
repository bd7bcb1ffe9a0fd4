// The forwarding threads' scheduling priority. linkd stands for the network, which does not wait
// for the programs at its ends to yield a core: on a machine whose cores the ends (and their
// kernel work) keep busy, a forwarding thread woken at a frame's time waited its turn behind them
// (bench:link: 60-140 ms a second on the run queue under TCP bulk through 10 ms, lateness p99
// about 2 ms). At nice -10 it is let in first, and it takes only what it needs: it sleeps between
// frames (the native plane's timerfd; see timer-queue.ts).
import { setPriority } from 'node:os';

/** What linkd asks for unless SOCKLAB_LINKD_NICE says otherwise (0: the default priority). */
export const DEFAULT_NICE = -10;

/** What a thread got: the nice value it runs at, or why raising it was refused. */
export type ThreadPriority = { nice: number } | { refused: string; asked: number };

/** SOCKLAB_LINKD_NICE as a nice value, -20 to 19; one line that says so otherwise. */
export function forwardingNice(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SOCKLAB_LINKD_NICE;
  if (raw === undefined || raw === '') return DEFAULT_NICE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < -20 || n > 19)
    throw new Error(
      `SOCKLAB_LINKD_NICE must be a whole number from -20 to 19 (the forwarding threads' nice value), got '${raw}'; e.g. SOCKLAB_LINKD_NICE=0 for the default priority`,
    );
  return n;
}

/** Sets the calling thread's priority (Linux: setpriority with pid 0 is this thread alone). */
export function raiseThisThread(nice: number): ThreadPriority {
  if (nice === 0) return { nice: 0 };
  try {
    setPriority(nice);
    return { nice };
  } catch (err) {
    // Node wraps it (ERR_SYSTEM_ERROR); the errno's name is in `info`.
    const e = err as NodeJS.ErrnoException & { info?: { code?: string } };
    return { refused: e.info?.code ?? e.code ?? e.message, asked: nice };
  }
}

export const priorityText = (p: ThreadPriority): string =>
  'nice' in p
    ? `forwarding threads at nice ${p.nice}`
    : `forwarding threads at the default priority (nice ${p.asked} was refused: ${p.refused}; the link host needs CAP_SYS_NICE, or SOCKLAB_LINKD_NICE=0)`;
