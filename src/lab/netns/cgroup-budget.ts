// A jail's budget as cgroups, on whatever this machine has: cgroup v2 (memory.max, pids.max,
// cpu.max, and cgroup.kill) or the v1 controllers (memory, pids, cpu). Pure builders of the shell
// that sets it up and tears it down; the part that runs it is namespace-jail.ts. A part the machine
// cannot apply is said in words, never silently left out.
import { type Budget, budgetParts } from '../jail.ts';

/** What the machine offers, found once by probeScript(). */
export interface CgroupLayout {
  /** The cgroup v2 mount whose controllers include memory and pids, or null. */
  v2: string | null;
  /** The v1 hierarchies, where mounted. */
  v1: { memory: string | null; pids: string | null; cpu: string | null };
}

/** Prints `v2 PATH` and `v1 CONTROLLER PATH` lines for what can be used. */
export const PROBE_SCRIPT = `for m in /sys/fs/cgroup /sys/fs/cgroup/unified; do
  if [ -f "$m/cgroup.controllers" ] && grep -qw memory "$m/cgroup.controllers" && grep -qw pids "$m/cgroup.controllers"; then echo "v2 $m"; break; fi
done
for c in memory pids cpu; do [ -f "/sys/fs/cgroup/$c/cgroup.procs" ] && echo "v1 $c /sys/fs/cgroup/$c"; done
true`;

export function parseProbe(out: string): CgroupLayout {
  const layout: CgroupLayout = { v2: null, v1: { memory: null, pids: null, cpu: null } };
  for (const line of out.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'v2' && f[1]) layout.v2 = f[1];
    if (f[0] === 'v1' && f[2] && (f[1] === 'memory' || f[1] === 'pids' || f[1] === 'cpu'))
      layout.v1[f[1]] = f[2];
  }
  return layout;
}

export interface CgroupPlan {
  /** Makes the groups and writes the limits; prints `ok PART` or `no PART` per part. */
  setup: string;
  /** Joins the calling shell ($$) to the groups: put before what must run inside. */
  join: string;
  /** Kills what is left (where the kernel can) and removes the groups. */
  remove: string;
}

const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

/** The groups for jail `id` under a `socklab` group of each hierarchy. */
export function cgroupPlan(layout: CgroupLayout, id: string, b: Budget): CgroupPlan {
  const quota = Math.max(1000, Math.round(b.cpus * 100_000));
  const part = (name: string, dir: string, writes: [string, string][]): string => {
    const w = writes.map(([file, value]) => `echo ${value} > ${q(`${dir}/${file}`)}`).join(' && ');
    return `if mkdir -p ${q(dir)} 2>/dev/null && ${w} 2>/dev/null; then echo ok ${name}; else echo no ${name}; fi`;
  };
  if (layout.v2) {
    const parent = `${layout.v2}/socklab`;
    const dir = `${parent}/${id}`;
    const setup = [
      // The controllers handed down to socklab's groups (the root may refuse: then each part says no).
      `echo '+memory +pids +cpu' > ${q(`${layout.v2}/cgroup.subtree_control`)} 2>/dev/null`,
      `mkdir -p ${q(parent)} && echo '+memory +pids +cpu' > ${q(`${parent}/cgroup.subtree_control`)} 2>/dev/null`,
      part('memory', dir, [
        ['memory.max', String(b.memoryBytes)],
        ['memory.swap.max', '0'],
      ]),
      part('processes', dir, [['pids.max', String(b.processes)]]),
      part('cpu', dir, [['cpu.max', `'${quota} 100000'`]]),
    ].join('\n');
    return {
      setup,
      join: `echo $$ > ${q(`${dir}/cgroup.procs`)} 2>/dev/null; `,
      remove: `echo 1 > ${q(`${dir}/cgroup.kill`)} 2>/dev/null; for i in $(seq 50); do rmdir ${q(dir)} 2>/dev/null && break; sleep 0.1; done; true`,
    };
  }
  const dirs: string[] = [];
  const parts: string[] = [];
  const { memory, pids, cpu } = layout.v1;
  if (memory) {
    const dir = `${memory}/socklab/${id}`;
    dirs.push(dir);
    // memsw (memory and swap) only where the kernel counts swap; it must not be below the limit.
    parts.push(
      part('memory', dir, [['memory.limit_in_bytes', String(b.memoryBytes)]]),
      `[ -f ${q(`${dir}/memory.memsw.limit_in_bytes`)} ] && echo ${b.memoryBytes} > ${q(`${dir}/memory.memsw.limit_in_bytes`)} 2>/dev/null; true`,
    );
  } else parts.push('echo no memory');
  if (pids) {
    const dir = `${pids}/socklab/${id}`;
    dirs.push(dir);
    parts.push(part('processes', dir, [['pids.max', String(b.processes)]]));
  } else parts.push('echo no processes');
  if (cpu) {
    const dir = `${cpu}/socklab/${id}`;
    dirs.push(dir);
    parts.push(
      part('cpu', dir, [
        ['cpu.cfs_period_us', '100000'],
        ['cpu.cfs_quota_us', String(quota)],
      ]),
    );
  } else parts.push('echo no cpu');
  return {
    setup: parts.join('\n'),
    join: dirs.map((d) => `echo $$ > ${q(`${d}/cgroup.procs`)} 2>/dev/null; `).join(''),
    remove: `for d in ${dirs.map(q).join(' ')}; do for i in $(seq 50); do rmdir "$d" 2>/dev/null && break; sleep 0.1; done; done; true`,
  };
}

/** The setup's `ok`/`no` lines as the report's words. */
export function budgetReport(
  out: string,
  layout: CgroupLayout,
  b: Budget,
): { applied: string[]; notApplied: string[] } {
  const words = budgetParts(b);
  const how = layout.v2 ? 'cgroup v2' : 'cgroup v1';
  const applied: string[] = [];
  const notApplied: string[] = [];
  for (const p of ['memory', 'processes', 'cpu'] as const) {
    if (new RegExp(`^ok ${p}$`, 'm').test(out)) applied.push(`${words[p]} (${how})`);
    else
      notApplied.push(
        `${words[p]}: ${layout.v2 || layout.v1[p === 'processes' ? 'pids' : p] ? `this machine refused the ${how} ${p} limit` : `this machine has no cgroup ${p === 'processes' ? 'pids' : p} controller`}`,
      );
  }
  return { applied, notApplied };
}
