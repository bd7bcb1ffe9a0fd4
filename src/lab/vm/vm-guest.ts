// The vm backend's adapter: one command in socklab's QEMU guest (scripts/vm.sh: Debian's kernel,
// this machine's files over 9p, no network, no privilege, TCG where KVM cannot be had). The guest
// runs socklab itself on its netns backend, whose kernel features it has whatever this machine's
// container allows; what crosses back is a file the command writes, typed by its caller.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../common/data-files.ts';
import { SocklabError } from '../../common/errors.ts';

const SCRIPT = join(PACKAGE_ROOT, 'scripts', 'vm.sh');

export interface GuestRun {
  code: number;
  /** What the command and the guest printed (the console), the last 64 KiB. */
  console: string;
  ms: number;
}

function spawnScript(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  timeoutMs: number,
): Promise<GuestRun> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT, ...args], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const keep = (chunk: Buffer): void => {
      out = (out + chunk.toString('utf8')).slice(-65_536);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(
        new SocklabError(
          'host.spawn-failed',
          `cannot run ${SCRIPT}: ${err.message}; socklab's vm backend needs bash`,
        ),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 124, console: out, ms: Math.round(performance.now() - t0) });
    });
  });
}

const lastLines = (text: string, n: number): string => text.trim().split('\n').slice(-n).join(' | ');

/** Null when the guest can boot here (kernel cached, qemu and busybox present); else the one line that says what to do. */
export async function guestProblem(): Promise<string | null> {
  const r = await spawnScript(['--prepared'], {}, PACKAGE_ROOT, 30_000);
  if (r.code === 0) return null;
  return (
    lastLines(r.console, 1).replace(/^socklab-vm: /, '') ||
    `scripts/vm.sh --prepared failed (exit ${r.code}); prepare the guest: socklab images --vm`
  );
}

/**
 * Prepares the guest (qemu, busybox, the kernel, its initramfs) and boots it once to prove it, then
 * saves the warm guest that checks restore: `socklab images --vm`.
 */
export async function prepareGuest(): Promise<GuestRun> {
  const r = await spawnScript(['true'], { SOCKLAB_VM_PREPARE: '1' }, PACKAGE_ROOT, 1_800_000);
  if (r.code !== 0)
    throw new SocklabError(
      'lab.not-ready',
      `the vm backend's guest could not be prepared: ${lastLines(r.console, 3)}`,
    );
  const w = await spawnScript(['--warm-prepare'], {}, PACKAGE_ROOT, 1_800_000);
  if (w.code !== 0)
    throw new SocklabError(
      'lab.not-ready',
      `the vm backend's warm guest could not be saved: ${lastLines(w.console, 3)}`,
    );
  return { code: 0, console: `${r.console}${w.console}`, ms: r.ms + w.ms };
}

/**
 * Runs `argv` in a fresh guest, as root there, from `cwd`; `keep` are folders under /tmp it reads
 * or writes (the guest's own /tmp is its memory). `warm`: a copy of the saved warm guest where it
 * is current (its lab is SOCKLAB_VM_WARM_LAB there), a cold boot where not; `request`: a file its
 * agent answers instead of running `argv` (vm-warm-request.ts). Fails with the
 * console's last lines when the guest does not finish in time.
 */
export async function runInGuest(
  argv: string[],
  opts: { cwd: string; keep?: string[]; timeoutMs?: number; warm?: boolean; request?: string },
): Promise<GuestRun> {
  const problem = await guestProblem();
  if (problem) throw new SocklabError('lab.not-ready', `the vm backend cannot start: ${problem}`);
  const timeoutMs = opts.timeoutMs ?? 1_800_000;
  const r = await spawnScript(
    argv,
    {
      SOCKLAB_VM_QUIET: '1',
      SOCKLAB_VM_WARM: opts.warm ? '1' : '',
      SOCKLAB_VM_REQUEST: opts.request ?? '',
      SOCKLAB_VM_KEEP: (opts.keep ?? []).join(':'),
      SOCKLAB_VM_TIMEOUT: String(Math.ceil(timeoutMs / 1000)),
    },
    opts.cwd,
    timeoutMs + 30_000,
  );
  if (/the VM ended without finishing the command/.test(r.console))
    throw new SocklabError(
      'lab.not-ready',
      `the vm backend's guest did not finish: ${lastLines(r.console, 5)}`,
    );
  return r;
}
