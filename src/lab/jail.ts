// A jail for one program under test: a host of its own that shares the network of its end host
// (lab0, the lab's names, the same sockets), with processes of its own (nothing it starts outlives
// it), its own /tmp, /var/tmp, /dev/shm and /run/lock, a home of bounded size for its files, and a
// budget for everything it runs together (memory, with what it keeps in tmpfs; processes; CPU).
// Closing it kills all that is in it. Each backend makes it its own way (Docker: a container in
// the end host's network namespace; namespaces: pid and mount namespaces and a cgroup), so check
// and grade see one thing.
import type { ExecOptions, ExecResult, HostAccess } from './lab-host.ts';

export interface Budget {
  /** Everything its processes hold together, tmpfs files included. */
  memoryBytes: number;
  /** Processes and threads together. */
  processes: number;
  /** CPU time per wall time (1: one core). */
  cpus: number;
  /** Its home: its files, what it compiles, what it writes there. */
  diskBytes: number;
  /** Each of /tmp, /var/tmp, /dev/shm and /run/lock. */
  tmpBytes: number;
}

export interface JailSpec {
  /** Unique in the lab (the program's uid, say). */
  name: string;
  budget: Budget;
}

/** What a jail could apply of its budget on this machine, in words, and what it could not, with why. */
export interface BudgetReport {
  applied: string[];
  notApplied: string[];
}

export interface Jail extends HostAccess, AsyncDisposable {
  /** Its home: private, of the budget's disk size. */
  readonly home: string;
  readonly budget: BudgetReport;
  /**
   * Where socklab's own tools see the jail's processes from, as root (the task census): the jail
   * itself where it is a container, its end host where the jail's pid namespace is a child of the
   * host's (and socklab's files may lie in a folder the jail hides, /tmp say).
   */
  readonly observer: HostAccess;
  /** Kills everything in it and removes it; says how many processes were still there. */
  close(): Promise<{ killed: number }>;
}

const MiB = 1024 ** 2;
export const sizeText = (bytes: number): string =>
  bytes >= 1024 * MiB && bytes % (1024 * MiB) === 0
    ? `${bytes / (1024 * MiB)} GiB`
    : `${Math.round(bytes / MiB)} MiB`;

/** The budget's parts in words, for a report. */
export function budgetParts(b: Budget): Record<'memory' | 'processes' | 'cpu' | 'disk' | 'tmp', string> {
  return {
    memory: `memory ${sizeText(b.memoryBytes)} in all (tmpfs included)`,
    processes: `${b.processes} processes and threads`,
    cpu: `${b.cpus} CPU${b.cpus === 1 ? '' : 's'}`,
    disk: `${sizeText(b.diskBytes)} for its files`,
    tmp: `${sizeText(b.tmpBytes)} each for /tmp, /var/tmp, /dev/shm and /run/lock, private`,
  };
}

type Exec = (cmd: string[], opts?: ExecOptions) => Promise<ExecResult>;

/** Files into a jail through its exec (its home is a tmpfs that only its own processes see). */
export async function copyThroughExec(
  exec: Exec,
  where: string,
  dir: string,
  files: Record<string, Buffer | string>,
): Promise<void> {
  for (const [name, data] of Object.entries(files)) {
    const path = `${dir}/${name}`;
    const r = await exec(['sh', '-c', 'mkdir -p "$(dirname "$1")" && base64 -d > "$1"', 'copy', path], {
      stdin: Buffer.from(data).toString('base64'),
    });
    if (r.exitCode !== 0) throw new Error(`cannot write ${path} in ${where}: ${r.stderr.trim()}`);
  }
}

/** One file out of a jail through its exec. */
export async function copyOutThroughExec(exec: Exec, path: string): Promise<Buffer> {
  return Buffer.from((await exec(['base64', '-w0', path])).stdout.trim(), 'base64');
}

/** How many processes that are not root's (the program's) still run in a jail. */
export async function programProcesses(exec: Exec): Promise<number> {
  const r = await exec(['sh', '-c', 'ps -e -o user= | grep -vc "^root$"']).catch(() => null);
  return Number(r?.stdout.trim()) || 0;
}
