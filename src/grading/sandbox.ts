// The sandbox a program under test runs in, as a command line (pure, unit-tested): resource
// limits (prlimit), then an unprivileged user of its own with no capabilities at all and no way
// to gain any (setpriv), then a clean environment. It cannot change lab0, routes, qdiscs or
// firewall rules (no CAP_NET_ADMIN), cannot signal the lab's processes (they are root's), and a
// fork bomb stops at its process limit. The user id is the program's alone (derived from the
// lab and the submission), so the process limit counts only its processes, and everything it
// leaves behind is found by that id afterwards.
import type { Limits } from './assignment.ts';

/** User ids handed to programs under test: far from system and login users. */
export const UID_BASE = 20_000;
export const UID_SPAN = 40_000;

/** A user id of its own for a program, from a name (FNV-1a of it). */
export function uidFor(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return UID_BASE + ((h >>> 0) % UID_SPAN);
}

export interface SandboxSpec {
  uid: number;
  limits: Limits;
  /** Its home and working directory. */
  dir: string;
}

/** `PATH` in the sandbox: where python3, node, cc live in the image and on a Debian machine. */
export const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';

/** The command that runs `argv` inside the sandbox (to be run as root in the host). */
export function sandboxArgv(spec: SandboxSpec, argv: string[]): string[] {
  const l = spec.limits;
  return [
    'prlimit',
    // CPU: SIGXCPU at the limit, SIGKILL a little after.
    `--cpu=${l.cpuSeconds}:${l.cpuSeconds + 5}`,
    `--as=${l.memoryBytes}`,
    `--nproc=${l.processes}`,
    `--fsize=${l.fileBytes}`,
    `--nofile=${l.openFiles}`,
    `--core=0`,
    '--',
    'setpriv',
    `--reuid=${spec.uid}`,
    `--regid=${spec.uid}`,
    '--clear-groups',
    '--inh-caps=-all',
    '--bounding-set=-all',
    '--no-new-privs',
    '--',
    'env',
    '-i',
    `PATH=${SANDBOX_PATH}`,
    `HOME=${spec.dir}`,
    'LANG=C.UTF-8',
    'PYTHONUNBUFFERED=1',
    'PYTHONDONTWRITEBYTECODE=1',
    ...argv,
  ];
}

export type ProgramKind = 'python' | 'node' | 'c' | 'executable';

/** How a program is run, from its name and first bytes; an error names what is accepted. */
export function programKind(name: string, head: Buffer): { kind: ProgramKind } | { error: string } {
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.')).toLowerCase() : '';
  if (ext === '.py') return { kind: 'python' };
  if (['.js', '.mjs', '.cjs', '.ts', '.mts'].includes(ext)) return { kind: 'node' };
  if (ext === '.c') return { kind: 'c' };
  if (head.subarray(0, 2).toString() === '#!') return { kind: 'executable' };
  if (head[0] === 0x7f && head.subarray(1, 4).toString() === 'ELF') return { kind: 'executable' };
  return {
    error: `cannot tell how to run ${name}: give a Python (.py), JavaScript or TypeScript (.js, .ts), C (.c) file, or an executable with a #! line`,
  };
}

/** The argv that runs a deployed program (after compiling, for C) with its arguments. */
export function runnerArgv(kind: ProgramKind, name: string, args: string[]): string[] {
  switch (kind) {
    case 'python':
      return ['python3', '-u', name, ...args];
    case 'node':
      return ['node', name, ...args];
    // Line-buffered output, so that a program killed by a check still shows what it printed.
    case 'c':
      return ['stdbuf', '-oL', '-eL', './a.out', ...args];
    case 'executable':
      return ['stdbuf', '-oL', '-eL', `./${name}`, ...args];
  }
}

/** The compiler's command line for a C program (run in the sandbox too: the source is untrusted). */
export const compileArgv = (name: string): string[] => ['cc', '-O2', '-w', '-o', 'a.out', name, '-lpthread'];
