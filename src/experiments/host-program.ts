// Runs one of socklab's programs on a lab host and reads its one JSON object. A program that
// fails says why on stderr; that line becomes the error, so the CLI shows it as it is.
import { AppError } from '../apps/app-error.ts';
import type { LabHost } from '../lab/lab-host.ts';

export const APPS = '/opt/socklab/src/apps';

export async function runJson<T>(
  host: LabHost,
  app: string,
  args: string[],
  timeoutMs = 600_000,
): Promise<T> {
  const r = await host.exec(['node', `${APPS}/${app}.ts`, ...args, '--json'], { timeoutMs });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    const why = r.stderr.trim().split('\n').at(-1) || `exit code ${r.exitCode}`;
    throw new AppError('EPROGRAM', `${app} on the ${host.role} host failed: ${why}`, 1);
  }
}

export const shellQuote = (w: string): string => `'${w.replaceAll("'", "'\\''")}'`;

/** Starts a program in the background on a host; returns its pid. Output goes to `log`. */
export async function startBackground(host: LabHost, cmd: string[], log: string): Promise<number> {
  const quoted = cmd.map(shellQuote).join(' ');
  // Detached with its output in a file: the exec ends at once instead of waiting on the pipe.
  const r = await host.exec(['sh', '-c', `setsid ${quoted} >${log} 2>&1 </dev/null & echo $!`]);
  const pid = Number(r.stdout.trim());
  if (!Number.isInteger(pid) || pid <= 0)
    throw new AppError('ESTART', `could not start ${cmd.join(' ')}: ${r.stderr.trim()}`, 1);
  return pid;
}

export async function stopBackground(host: LabHost, pid: number): Promise<void> {
  await host.exec([
    'sh',
    '-c',
    `kill ${pid} 2>/dev/null; for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 ${pid} 2>/dev/null || exit 0; sleep 0.1; done; kill -9 ${pid} 2>/dev/null; true`,
  ]);
}

/** Waits until something listens on the port (udp or tcp) on the host, or the process died. */
export async function waitListening(
  host: LabHost,
  proto: 'udp' | 'tcp',
  port: number,
  pid: number,
  timeoutMs: number,
): Promise<'listening' | 'exited' | 'timeout'> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const r = await host.exec([
      'sh',
      '-c',
      `kill -0 ${pid} 2>/dev/null || { echo exited; exit; }; ss -Hl${proto === 'udp' ? 'u' : 't'}n 'sport = :${port}' | grep -q . && echo listening`,
    ]);
    const state = r.stdout.trim();
    if (state === 'listening' || state === 'exited') return state;
    await new Promise((res) => setTimeout(res, 100));
  }
  return 'timeout';
}
