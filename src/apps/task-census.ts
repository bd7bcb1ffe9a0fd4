// task-census: who serves the clients of a program under test, as the kernel sees it. Every thread
// of every process of one user: the system call it is blocked in and that call's first argument
// (/proc/PID/task/TID/syscall), and per process which client connections it holds (its fds against
// the established TCP sockets on the port). A thread blocked reading a client's socket is waiting
// on that client: one thread for all clients never has two such threads, nor two processes each
// holding clients, whatever the language. Sampled for a while (the clients hold their connections
// meanwhile); runs as root in the program's host (reading another user's syscalls needs
// CAP_SYS_PTRACE, which the lab's hosts have and the program under test never has). Zero dependencies.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { intOption, type OptionSpecs, parseOptions, portOption } from '../common/app-args.ts';
import { SocklabError } from '../common/errors.ts';
import { defineProgram, printResult } from '../common/host-program.ts';
import { runMain } from '../common/program-errors.ts';

const PROG = 'task-census';

const OPTIONS = {
  uid: { type: 'string', value: 'UID', help: 'whose processes to count' },
  port: { type: 'string', value: 'PORT', help: 'the port its clients connect to', default: '12000' },
  'for-ms': { type: 'string', value: 'MS', help: 'how long to sample (0: once)', default: '0' },
  every: { type: 'string', value: 'MS', help: 'between samples', default: '100' },
  json: { type: 'boolean', help: 'print the result as JSON (always)' },
} as const satisfies OptionSpecs;

/** One thread as the kernel had it in one sample. */
export interface TaskView {
  pid: number;
  tid: number;
  /** The system call it is blocked in, by name where known (`recvfrom`, `epoll_wait`), else its number. */
  call: string | null;
  /** The client connection (socket inode) it is blocked reading, or null. */
  waitsOn: number | null;
}

export interface CensusSample {
  processes: number;
  threads: number;
  /** Client connections (established on the port) held by any of its processes. */
  clients: number;
  /** Threads each blocked reading a client connection. */
  threadsOnClients: number;
  /** Processes each holding at least one client connection. */
  processesWithClients: number;
  tasks: TaskView[];
}

export interface CensusResult {
  samples: number;
  /** Whether the threads' system calls could be read (a kernel or architecture without them: no). */
  callsReadable: boolean;
  /** The sample where the most threads waited on clients (ties: the most processes with clients). */
  busiest: CensusSample;
  max: { processes: number; threads: number; clients: number };
}

export const PROGRAM = defineProgram<typeof OPTIONS, CensusResult>(PROG, 1, OPTIONS);

/** System calls that read from the descriptor in their first argument, per architecture. */
const READS: Record<string, ReadonlySet<number>> = {
  x64: new Set([0, 17, 19, 45, 47, 299]),
  arm64: new Set([63, 65, 67, 207, 212, 243]),
};
const NAMES: Record<string, Record<number, string>> = {
  x64: {
    0: 'read',
    7: 'poll',
    17: 'pread64',
    19: 'readv',
    23: 'select',
    34: 'pause',
    35: 'nanosleep',
    43: 'accept',
    45: 'recvfrom',
    47: 'recvmsg',
    61: 'wait4',
    202: 'futex',
    230: 'clock_nanosleep',
    232: 'epoll_wait',
    270: 'pselect6',
    271: 'ppoll',
    281: 'epoll_pwait',
    288: 'accept4',
    299: 'recvmmsg',
    441: 'epoll_pwait2',
  },
  arm64: {
    22: 'epoll_pwait',
    63: 'read',
    65: 'readv',
    67: 'pread64',
    72: 'pselect6',
    73: 'ppoll',
    98: 'futex',
    101: 'nanosleep',
    115: 'clock_nanosleep',
    202: 'accept',
    207: 'recvfrom',
    212: 'recvmsg',
    242: 'accept4',
    243: 'recvmmsg',
    260: 'wait4',
    441: 'epoll_pwait2',
  },
};

const read = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};
const list = (path: string): string[] => {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
};

/** Inodes of the established TCP connections whose local port is `port` (IPv4 and IPv6). */
export function clientSockets(tables: string[], port: number): Set<number> {
  const out = new Set<number>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of tables)
    for (const line of table.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address rem_address st ... inode (the 10th field)
      if (f.length > 9 && f[1]!.endsWith(`:${hexPort}`) && f[3] === '01') out.add(Number(f[9]));
    }
  return out;
}

/** `nr arg1 ...` of a thread blocked in a system call; null when it runs or is not in one. */
export function parseSyscall(text: string | null): { nr: number; arg1: number } | null {
  const f = text?.trim().split(/\s+/) ?? [];
  const nr = Number(f[0]);
  if (!Number.isInteger(nr) || nr < 0 || f.length < 2) return null;
  return { nr, arg1: Number.parseInt(f[1]!, 16) };
}

function sample(uid: number, port: number): { sample: CensusSample; callsRead: boolean } {
  const clients = clientSockets([read('/proc/net/tcp') ?? '', read('/proc/net/tcp6') ?? ''], port);
  const reads = READS[process.arch] ?? new Set<number>();
  const names = NAMES[process.arch] ?? {};
  const tasks: TaskView[] = [];
  const held = new Set<number>();
  let processes = 0;
  let processesWithClients = 0;
  let callsRead = false;
  for (const entry of list('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const uidLine = /^Uid:\s+(\d+)/m.exec(read(`/proc/${pid}/status`) ?? '');
    if (Number(uidLine?.[1]) !== uid) continue;
    processes++;
    const socketOf = new Map<number, number>();
    for (const fd of list(`/proc/${pid}/fd`)) {
      try {
        const ino = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        if (ino && clients.has(Number(ino))) socketOf.set(Number(fd), Number(ino));
      } catch {
        // Closed meanwhile.
      }
    }
    for (const ino of socketOf.values()) held.add(ino);
    if (socketOf.size > 0) processesWithClients++;
    for (const t of list(`/proc/${pid}/task`)) {
      const text = read(`/proc/${pid}/task/${t}/syscall`);
      if (text !== null) callsRead = true;
      const call = parseSyscall(text);
      tasks.push({
        pid,
        tid: Number(t),
        call: call ? (names[call.nr] ?? String(call.nr)) : null,
        waitsOn: call && reads.has(call.nr) ? (socketOf.get(call.arg1) ?? null) : null,
      });
    }
  }
  const waiting = new Set(tasks.filter((t) => t.waitsOn !== null).map((t) => t.tid));
  return {
    sample: {
      processes,
      threads: tasks.length,
      clients: held.size,
      threadsOnClients: waiting.size,
      processesWithClients,
      tasks,
    },
    callsRead: callsRead && reads.size > 0,
  };
}

async function main(argv: string[]): Promise<number> {
  const opts = parseOptions(
    PROG,
    'Counts how the threads of a user wait on the clients of a port.',
    OPTIONS,
    argv,
  );
  if (!opts) return 0;
  const uid = intOption(opts, 'uid', 1, 0xfffffffe, 20001);
  if (uid === undefined)
    throw new SocklabError('usage.invalid', '--uid is required: whose threads to count; e.g. --uid 20001');
  const port = portOption(opts, 12000, false);
  const forMs = intOption(opts, 'for-ms', 0, 600_000, 5000)!;
  const every = intOption(opts, 'every', 10, 10_000, 100)!;
  const end = Date.now() + forMs;
  let busiest: CensusSample | null = null;
  const max = { processes: 0, threads: 0, clients: 0 };
  let samples = 0;
  let callsReadable = false;
  for (;;) {
    const s = sample(uid, port);
    samples++;
    callsReadable ||= s.callsRead;
    max.processes = Math.max(max.processes, s.sample.processes);
    max.threads = Math.max(max.threads, s.sample.threads);
    max.clients = Math.max(max.clients, s.sample.clients);
    const rank = (x: CensusSample) => x.threadsOnClients * 1000 + x.processesWithClients * 10 + x.clients;
    if (!busiest || rank(s.sample) > rank(busiest)) busiest = s.sample;
    if (Date.now() + every > end) break;
    await new Promise((r) => setTimeout(r, every));
  }
  printResult(PROGRAM, { samples, callsReadable, busiest: busiest!, max });
  return 0;
}

if (import.meta.main) await runMain(PROG, () => main(process.argv.slice(2)));
