// The forwarding threads' scheduling priority. linkd stands for the network, which does not wait
// for the programs at its ends to yield a core: on a machine whose cores the ends (and their
// kernel work) keep busy, a forwarding thread woken at a frame's time waited its turn behind them
// (bench:link, TCP bulk through 10 ms: 60-140 ms a second on the run queue at nice 0, lateness
// p99 about 2 ms). At nice -10 the scheduler still shares the core out by weight (64-113 ms a
// second); under SCHED_RR, the lowest real-time priority, a woken thread runs at once ahead of
// every ordinary process (8-11 ms a second, lateness p99 0.21-0.34 ms against 0.38-1.04 at nice
// -10, the same run). It takes only what it needs: it sleeps between frames (the native plane's
// timerfd; see timer-queue.ts), and the kernel's real-time throttling keeps a twentieth of each
// core for the rest. Priority 1 is above any ordinary process and below the kernel's own
// real-time threads (interrupt threads at 50). Where real time is refused (no CAP_SYS_NICE; or a
// kernel built to budget real time per cgroup, CONFIG_RT_GROUP_SCHED, whose container cgroups get
// none unless the engine's daemon was given some: Docker on this lab's machine), the threads ask
// for nice -10; `linkctl show` says which and why.
import { constants, setPriority } from 'node:os';

/** What linkd asks for unless SOCKLAB_LINKD_RT / SOCKLAB_LINKD_NICE say otherwise. */
export const DEFAULT_REALTIME = 1;
export const DEFAULT_NICE = -10;

/** Why real time was not asked of the kernel: the call is the addon's (native/realtime.c). */
const NO_ADDON = 'the native addon is not loaded';

/** What a forwarding thread asks for: SCHED_RR at `realtime` (0: not), else `nice` (0: nothing). */
export interface PriorityAsk {
  realtime: number;
  nice: number;
}

/** What a thread got, and what it asked for and was refused on the way (errno names). */
export interface ThreadPriority {
  got: { realtime: number } | { nice: number };
  refused: { what: 'realtime' | 'nice'; asked: number; code: string }[];
}

function wholeIn(
  name: string,
  raw: string | undefined,
  lo: number,
  hi: number,
  dflt: number,
  what: string,
): number {
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < lo || n > hi)
    throw new Error(
      `${name} must be a whole number from ${lo} to ${hi} (${what}), got '${raw}'; e.g. ${name}=0`,
    );
  return n;
}

/** SOCKLAB_LINKD_RT (0-99) and SOCKLAB_LINKD_NICE (-20 to 19); one line that says so otherwise. */
export function forwardingPriority(env: NodeJS.ProcessEnv = process.env): PriorityAsk {
  return {
    realtime: wholeIn(
      'SOCKLAB_LINKD_RT',
      env.SOCKLAB_LINKD_RT,
      0,
      99,
      DEFAULT_REALTIME,
      "the forwarding threads' SCHED_RR priority; 0 does not ask for real time",
    ),
    nice: wholeIn(
      'SOCKLAB_LINKD_NICE',
      env.SOCKLAB_LINKD_NICE,
      -20,
      19,
      DEFAULT_NICE,
      "the forwarding threads' nice value where real time is refused or not asked for; 0 for the default priority",
    ),
  };
}

/** The errno's name for a negative errno (the addon's answer). */
function errnoName(negative: number): string {
  const e = Object.entries(constants.errno).find(([, v]) => v === -negative);
  return e ? e[0] : `errno ${-negative}`;
}

/**
 * Sets the calling thread's priority: SCHED_RR through the addon's `realtime` (undefined where
 * the addon is not loaded), else a nice value (Linux: setpriority with pid 0 is this thread alone).
 */
export function raiseThisThread(ask: PriorityAsk, realtime?: (priority: number) => number): ThreadPriority {
  const refused: ThreadPriority['refused'] = [];
  if (ask.realtime > 0) {
    const r = realtime ? realtime(ask.realtime) : null;
    if (r === 0) return { got: { realtime: ask.realtime }, refused };
    refused.push({
      what: 'realtime',
      asked: ask.realtime,
      code: r === null ? NO_ADDON : errnoName(r),
    });
  }
  if (ask.nice === 0) return { got: { nice: 0 }, refused };
  try {
    setPriority(ask.nice);
    return { got: { nice: ask.nice }, refused };
  } catch (err) {
    // Node wraps it (ERR_SYSTEM_ERROR); the errno's name is in `info`.
    const e = err as NodeJS.ErrnoException & { info?: { code?: string } };
    refused.push({ what: 'nice', asked: ask.nice, code: e.info?.code ?? e.code ?? e.message });
    return { got: { nice: 0 }, refused };
  }
}

export function priorityText(p: ThreadPriority): string {
  const got =
    'realtime' in p.got
      ? `real-time priority ${p.got.realtime} (SCHED_RR)`
      : p.got.nice === 0
        ? 'the default priority'
        : `nice ${p.got.nice}`;
  if (p.refused.length === 0) return `forwarding threads at ${got}`;
  const what = p.refused
    .map((r) => `${r.what === 'realtime' ? 'real-time priority' : 'nice'} ${r.asked} was refused: ${r.code}`)
    .join('; ');
  // What each refusal needs: real time by the kernel's rules (which cover nice's), or the addon.
  const rt = p.refused.find((r) => r.what === 'realtime');
  const needs: string[] = [];
  if (rt?.code === NO_ADDON) needs.push('real time needs the native addon (native/build.sh)');
  else if (rt)
    needs.push(
      'the link host needs CAP_SYS_NICE, and where the kernel budgets real time per cgroup (CONFIG_RT_GROUP_SCHED) a budget for its cgroup',
    );
  if (p.refused.some((r) => r.what === 'nice') && (!rt || rt.code === NO_ADDON))
    needs.push('the link host needs CAP_SYS_NICE');
  const off = p.refused
    .map((r) => (r.what === 'realtime' ? 'SOCKLAB_LINKD_RT=0' : 'SOCKLAB_LINKD_NICE=0'))
    .join(' ');
  return `forwarding threads at ${got} (${what}; ${needs.join('; ')}, or ${off})`;
}
