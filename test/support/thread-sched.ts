// How the kernel schedules each thread of a process, from the text of /proc/<pid>/task/*/stat
// (read here, or with `cat` inside a container): what linkd's forwarding threads got, not what
// linkd says they got.

export interface ThreadSched {
  name: string;
  nice: number;
  /** 0 SCHED_OTHER, 1 SCHED_FIFO, 2 SCHED_RR (without the reset-on-fork flag). */
  policy: number;
  rtPriority: number;
}

/** One stat line per thread, in any order; lines that are not a stat line are skipped. */
export function parseThreadStats(text: string): ThreadSched[] {
  return text.split('\n').flatMap((line) => {
    const open = line.indexOf('(');
    const close = line.lastIndexOf(')');
    if (open < 0 || close < open) return [];
    // After the name, field 3 (state) is at 0: nice is field 19, rt_priority 40, policy 41.
    const f = line.slice(close + 2).split(' ');
    if (f.length < 39) return [];
    return [
      {
        name: line.slice(open + 1, close),
        nice: Number(f[16]),
        rtPriority: Number(f[37]),
        policy: Number(f[38]),
      },
    ];
  });
}
