// Long-running processes on a lab host, whichever backend: started detached (their own session,
// output to a file, so the exec that starts them ends at once), found again by pid, stopped.
import { SocklabError } from '../common/errors.ts';
import type { Proto } from '../common/proto.ts';
import type { HostAccess } from './lab-host.ts';

export const shellQuote = (w: string): string => `'${w.replaceAll("'", "'\\''")}'`;

/** Starts `cmd` in the background on a host; returns its pid. Output goes to `log`. */
export async function startBackground(host: HostAccess, cmd: string[], log: string): Promise<number> {
  const quoted = cmd.map(shellQuote).join(' ');
  const r = await host.exec(['sh', '-c', `setsid ${quoted} >${shellQuote(log)} 2>&1 </dev/null & echo $!`]);
  const pid = Number(r.stdout.trim());
  if (!Number.isInteger(pid) || pid <= 0)
    throw new SocklabError('host.start-failed', `could not start ${cmd.join(' ')}: ${r.stderr.trim()}`);
  return pid;
}

/** Stops a process: TERM, then KILL if it is still there after a second. */
export async function stopBackground(host: HostAccess, pid: number): Promise<void> {
  await host.exec([
    'sh',
    '-c',
    `kill ${pid} 2>/dev/null; for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 ${pid} 2>/dev/null || exit 0; sleep 0.1; done; kill -9 ${pid} 2>/dev/null; true`,
  ]);
}

export async function isAlive(host: HostAccess, pid: number): Promise<boolean> {
  if (host.inspect) return host.inspect.alive(pid);
  return (await host.exec(['kill', '-0', String(pid)])).exitCode === 0;
}

/** Whether something listens on the port (udp or tcp) on the host now. */
export async function listeningOn(host: HostAccess, proto: Proto, port: number): Promise<boolean> {
  if (host.inspect) return host.inspect.listening(proto, port);
  const r = await host.exec([
    'sh',
    '-c',
    `ss -Hl${proto === 'udp' ? 'u' : 't'}n 'sport = :${port}' | grep -q .`,
  ]);
  return r.exitCode === 0;
}

/** Waits until something listens on the port (udp or tcp) on the host, or the process died. */
export async function waitListening(
  host: HostAccess,
  proto: Proto,
  port: number,
  pid: number | null,
  timeoutMs: number,
): Promise<'listening' | 'exited' | 'timeout'> {
  const end = Date.now() + timeoutMs;
  const { inspect } = host;
  if (inspect) {
    while (Date.now() < end) {
      if (pid !== null && !(await inspect.alive(pid))) return 'exited';
      if (await inspect.listening(proto, port)) return 'listening';
      await new Promise((res) => setTimeout(res, 50));
    }
    return 'timeout';
  }
  const alive = pid === null ? '' : `kill -0 ${pid} 2>/dev/null || { echo exited; exit; }; `;
  while (Date.now() < end) {
    const r = await host.exec([
      'sh',
      '-c',
      `${alive}ss -Hl${proto === 'udp' ? 'u' : 't'}n 'sport = :${port}' | grep -q . && echo listening`,
    ]);
    const state = r.stdout.trim();
    if (state === 'listening' || state === 'exited') return state;
    await new Promise((res) => setTimeout(res, 50));
  }
  return 'timeout';
}
