// What a namespace jail's processes and sockets are, read from this machine's /proc by socklab's
// own process instead of a command run in the jail. On the vm backend's emulated CPU a command
// through the jail costs 0.3-1.3 s (a shell, nsenter, the command), and a check asks "is it still
// running?" and "does it listen yet?" a dozen times; these reads cost milliseconds and take no
// CPU from the program starting beside them. The jail's processes are all visible here (its pid
// namespace is a child of this one), and its network namespace's sockets are in the /proc/PID/net
// of any process in it (the jail's first process, say).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Proto } from '../../common/proto.ts';
import type { HostInspector } from '../lab-host.ts';

/** A process's state letter from /proc/PID/status (`State:\tS (sleeping)`), or null. */
export function stateOf(status: string): string | null {
  return /^State:\s+(\S)/m.exec(status)?.[1] ?? null;
}

/** A process's effective uid from its status (`Uid:\treal\teffective\tsaved\tfs`), or null. */
export function euidOf(status: string): number | null {
  const f = /^Uid:\s+\d+\s+(\d+)/m.exec(status);
  return f ? Number(f[1]) : null;
}

/** The pids a process has in each pid namespace, outermost first (`NSpid:\t412\t22`). */
export function nsPids(status: string): number[] {
  const line = /^NSpid:\s+(.*)$/m.exec(status)?.[1] ?? '';
  return line.trim().split(/\s+/).filter(Boolean).map(Number);
}

// The kernel's socket states (include/net/tcp_states.h): a listening TCP socket, and an unconnected
// UDP one (bound, what `ss -lu` lists).
const TCP_LISTEN = 0x0a;
const UDP_UNCONNECTED = 0x07;

/** Whether a /proc/net/{tcp,udp}[6] table has a listening (tcp) or bound (udp) socket on `port`. */
export function tableListens(table: string, proto: Proto, port: number): boolean {
  const want = proto === 'tcp' ? TCP_LISTEN : UDP_UNCONNECTED;
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const local = f[1]?.split(':')[1];
    if (local === undefined || f[3] === undefined) continue;
    if (Number.parseInt(local, 16) === port && Number.parseInt(f[3], 16) === want) return true;
  }
  return false;
}

/** A file's text, or null where it cannot be read (a process that has ended). */
export const read = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

const link = (path: string): string | null => {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
};

/** Whether the jail whose first process is `init` still stands (its mount namespace is still `mnt`). */
export const stands = (init: number, mnt: string): boolean => link(`/proc/${init}/ns/mnt`) === mnt;

/**
 * The inspector of the jail whose first process is `init` (this machine's pid) and whose mount
 * namespace is `mnt` (the identity that tells the jail from a later process with the same pid).
 */
export function procInspector(init: number, mnt: string): HostInspector {
  const current = (): boolean => stands(init, mnt);
  const pidNs = link(`/proc/${init}/ns/pid`);
  // This machine's pid of each jail pid asked about: found once by a scan of /proc (a poll every
  // 50 ms must not take the CPU from the program starting), then checked to be still the same.
  const known = new Map<number, number>();
  const statusOf = (pid: number, outer: number): string | null => {
    const status = read(`/proc/${outer}/status`);
    if (status === null) return null;
    const pids = nsPids(status);
    return pids.length >= 2 && pids.at(-1) === pid && link(`/proc/${outer}/ns/pid`) === pidNs ? status : null;
  };
  /** The status of every process of the jail's (this machine's pids). */
  const everyStatus = (): string[] => {
    const all: string[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const status = read(`/proc/${entry}/status`);
      if (status !== null && nsPids(status).length >= 2 && link(`/proc/${entry}/ns/pid`) === pidNs)
        all.push(status);
    }
    return all;
  };
  const find = (pid: number): string | null => {
    const cached = known.get(pid);
    if (cached !== undefined) {
      const status = statusOf(pid, cached);
      if (status !== null) return status;
      known.delete(pid);
    }
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const status = statusOf(pid, Number(entry));
      if (status === null) continue;
      known.set(pid, Number(entry));
      return status;
    }
    return null;
  };
  return {
    async alive(pid) {
      if (!current() || pidNs === null) return false;
      const status = find(pid);
      // A zombie has ended: it only waits to be reaped.
      return status !== null && stateOf(status) !== 'Z';
    },
    async users() {
      if (!current() || pidNs === null) return [];
      return everyStatus()
        .filter((status) => stateOf(status) !== 'Z')
        .map((status) => euidOf(status) ?? -1);
    },
    async listening(proto, port) {
      if (!current()) return false;
      return [proto, `${proto}6`].some((t) =>
        tableListens(read(`/proc/${init}/net/${t}`) ?? '', proto, port),
      );
    },
  };
}
