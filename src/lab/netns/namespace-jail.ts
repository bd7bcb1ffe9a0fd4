// A jail in a network namespace's host, made of the kernel's own parts: a pid namespace (its
// first process holds it; when that dies, the kernel kills everything in it, however it forked),
// a mount namespace with private tmpfs for /tmp, /var/tmp, /dev/shm, /run/lock and its home (the
// disk budget), and cgroups for the rest of the budget. Built from commands run as root on the
// machine that has the namespaces (this one for the netns backend; a VM guest for the vm backend),
// so it needs nothing but util-linux and a shell there.

import { readlinkSync } from 'node:fs';
import { budgetParts, copyOutThroughExec, copyThroughExec, type Jail, type JailSpec } from '../jail.ts';
import type { ExecOptions, ExecResult, HostAccess, HostName } from '../lab-host.ts';
import { budgetReport, type CgroupLayout, cgroupPlan, PROBE_SCRIPT, parseProbe } from './cgroup-budget.ts';
import { procInspector, read, stands } from './proc-inspector.ts';

/** Runs a command as root on this machine, the one that holds the namespaces (a vm guest's, in its check). */
export type MachineRun = (argv: string[], opts?: ExecOptions) => Promise<ExecResult>;

/** What the jail takes of the host it shares a network with. */
export interface JailHost {
  name: HostName;
  labAddress: string | null;
  /** Its network namespace. */
  namespace: string;
  workDir: string;
  program(name: string): string;
  describe: string;
}

const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
const readText = (path: string): string => read(path) ?? '';
const layouts = new WeakMap<MachineRun, Promise<CgroupLayout>>();

/** Waits for signals forever and reaps every child that has ended (1 is WNOHANG). */
const REAPER = '$SIG{CHLD} = sub { 1 while waitpid(-1, 1) > 0 }; sleep while 1;';

/** The shell the jail's first process runs: the private mounts, then it holds the namespaces. */
export function jailInitScript(home: string, b: JailSpec['budget']): string {
  const tmp = (dir: string) =>
    `mkdir -p ${dir} && mount -t tmpfs -o size=${b.tmpBytes},mode=1777,nosuid,nodev tmpfs ${dir}`;
  return [
    'set -e',
    // The budget's OOM killer takes the program's processes, never the one that holds the jail.
    'echo -1000 > /proc/self/oom_score_adj 2>/dev/null || true',
    ...['/tmp', '/var/tmp', '/dev/shm', '/run/lock'].map(tmp),
    `mount -t tmpfs -o size=${b.diskBytes},mode=0700,nosuid,nodev tmpfs ${q(home)}`,
    'echo jail-ready',
    // It reaps what the program's processes leave when they end (they become its children): a
    // zombie would count against the budget's processes and look alive to kill -0 (so a stop
    // waited a second for a server that had ended). Perl is in every Debian (perl-base is essential).
    `command -v perl >/dev/null && exec perl -e ${q(REAPER)}`,
    'exec sleep infinity',
  ].join('\n');
}

export async function openNamespaceJail(
  machine: MachineRun,
  host: JailHost & HostAccess,
  spec: JailSpec,
): Promise<Jail> {
  if (!layouts.has(machine))
    layouts.set(
      machine,
      machine(['sh', '-c', PROBE_SCRIPT]).then((r) => parseProbe(r.stdout)),
    );
  const layout = await layouts.get(machine)!;
  const id = `${host.namespace}-${spec.name}`;
  const cg = cgroupPlan(layout, id, spec.budget);
  const set = await machine(['sh', '-c', cg.setup]);
  const report = budgetReport(set.stdout, layout, spec.budget);
  const parts = budgetParts(spec.budget);
  report.applied.push(`${parts.disk} (tmpfs)`, parts.tmp, 'processes of its own (a pid namespace)');
  const home = `${host.workDir}/jail-${spec.name}`;
  const log = `${host.workDir}/jail-${spec.name}.log`;
  // The first process: joined to the groups, in the host's network namespace, then unshared.
  const start = await machine([
    'sh',
    '-c',
    `mkdir -p ${q(home)} && chmod 700 ${q(home)} && ${cg.join}setsid ip netns exec ${q(host.namespace)} unshare --pid --fork --mount-proc --propagation private -- sh -c ${q(jailInitScript(home, spec.budget))} >${q(log)} 2>&1 </dev/null & echo $!`,
  ]);
  const outer = Number(start.stdout.trim());
  // The namespace's pid 1 is unshare's child; commands enter through it. Read here, not by a
  // command: the machine is this one (see MachineRun), and a command costs 0.2 s under TCG.
  // Up to 30 s: a loaded emulated CPU (a class graded two at a time under TCG) is slow to mount.
  let init = 0;
  for (const end = Date.now() + 30_000; init === 0 && Date.now() < end; ) {
    // Ended (a zombie too, where nothing reaps it): unshare failed, and its log says why.
    if (/^State:\s+Z/m.test(readText(`/proc/${outer}/status`) || 'State: Z')) break;
    if (readText(log).includes('jail-ready'))
      init = Number(readText(`/proc/${outer}/task/${outer}/children`).trim().split(/\s+/)[0]) || 0;
    if (init === 0) await new Promise((res) => setTimeout(res, 10));
  }
  if (init === 0) {
    const why = readText(log).trim().split('\n').at(-1) ?? '';
    await machine(['sh', '-c', `kill -9 ${outer} 2>/dev/null; ${cg.remove}`]);
    throw new Error(
      `the program's sandbox could not be made in ${host.describe}: ${why || 'unshare did not start'}`,
    );
  }
  // Its mount namespace, to enter by: a pid alone could be another process's once the jail ended.
  const mnt = readlinkSync(`/proc/${init}/ns/mnt`);
  const enter = (cmd: string[]): string[] => [
    'sh',
    '-c',
    `${cg.join}exec nsenter -t ${init} -n -p -m -- "$@"`,
    'jail',
    ...cmd,
  ];
  const ended = (): ExecResult => ({
    stdout: '',
    stderr: `the jail of ${spec.name} has ended\n`,
    exitCode: 125,
  });
  const inspect = procInspector(init, mnt);
  let closed = false;
  const jail: Jail = {
    name: host.name,
    labAddress: host.labAddress,
    workDir: home,
    home,
    budget: report,
    observer: host,
    describe: `${host.describe}, the jail of ${spec.name}`,
    program: (name) => host.program(name),
    // The jail checked before each command (here, where it costs no process): a pid alone could
    // be another process's once the jail ended.
    exec: async (cmd, opts) => (stands(init, mnt) ? machine(enter(cmd), opts) : ended()),
    inspect,
    copyIn: (dir, files) => copyThroughExec(jail.exec, jail.describe, dir, files),
    copyOut: (path) => copyOutThroughExec(jail.exec, path),
    async logs(tail) {
      return (await machine(['tail', '-n', String(tail), log])).stdout;
    },
    shellCommand: () => ['nsenter', '-t', String(init), '-n', '-p', '-m', 'bash'],
    async close() {
      if (closed) return { killed: 0 };
      closed = true;
      // What still ran of the program's own (root's are the jail's and this count's).
      const killed = (await inspect.users()).filter((u) => u !== 0).length;
      await machine([
        'sh',
        '-c',
        `kill -9 ${init} 2>/dev/null; for i in $(seq 100); do kill -0 ${outer} 2>/dev/null || break; sleep 0.05; done; ${cg.remove}; rm -rf ${q(home)} ${q(log)}`,
      ]);
      return { killed };
    },
    async [Symbol.asyncDispose]() {
      await jail.close();
    },
  };
  return jail;
}
