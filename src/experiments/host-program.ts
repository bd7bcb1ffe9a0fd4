// Runs one of socklab's programs on a lab host and reads its one JSON object. A program that
// fails says why on stderr; that line becomes the error, so the CLI shows it as it is.
import { AppError } from '../apps/app-error.ts';
import { appOn, type LabHost } from '../lab/lab-host.ts';

export async function runJson<T>(
  host: LabHost,
  app: string,
  args: string[],
  timeoutMs = 600_000,
): Promise<T> {
  const r = await host.exec(['node', appOn(host, app), ...args, '--json'], { timeoutMs });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    const why = r.stderr.trim().split('\n').at(-1) || `exit code ${r.exitCode}`;
    throw new AppError('program.failed', `${app} on the ${host.role} host failed: ${why}`);
  }
}
