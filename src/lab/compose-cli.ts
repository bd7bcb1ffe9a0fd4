// The Compose adapter: up, down and build through `docker compose` (v2) where it exists, or the
// standalone `docker-compose` (v1, the only one Debian 12 ships). compose.yaml is the one
// source of truth for the topology; nothing here knows its services.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AppError } from '../apps/app-error.ts';

export const COMPOSE_FILE = fileURLToPath(new URL('../../compose.yaml', import.meta.url));
export const PROJECT_DIR = fileURLToPath(new URL('../..', import.meta.url));

export interface ComposeCommand {
  /** The program and the arguments that come before compose's own: ['docker', 'compose'] or ['docker-compose']. */
  argv: string[];
  version: 1 | 2;
}

function tryRun(cmd: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => execFile(cmd, args, { timeout: 15_000 }, (err) => resolve(!err)));
}

let detected: Promise<ComposeCommand> | null = null;

/** `docker compose` when the plugin answers, else `docker-compose`; an error naming both otherwise. */
export function detectCompose(): Promise<ComposeCommand> {
  detected ??= (async () => {
    if (await tryRun('docker', ['compose', 'version']))
      return { argv: ['docker', 'compose'], version: 2 as const };
    if (await tryRun('docker-compose', ['version'])) return { argv: ['docker-compose'], version: 1 as const };
    throw new AppError(
      'ENOCOMPOSE',
      'neither `docker compose` (v2) nor `docker-compose` (v1) works here; install Docker Compose (Debian: apt-get install docker-compose)',
      1,
    );
  })();
  return detected;
}

/** The args for one compose call on our file and a project. */
export function composeArgs(project: string, args: string[]): string[] {
  return ['-f', COMPOSE_FILE, '-p', project, ...args];
}

export interface ComposeRun {
  stdout: string;
  stderr: string;
}

export async function compose(
  project: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 600_000,
): Promise<ComposeRun> {
  const c = await detectCompose();
  const [cmd, ...pre] = c.argv;
  return new Promise((resolve, reject) => {
    execFile(
      cmd!,
      [...pre, ...composeArgs(project, args)],
      { cwd: PROJECT_DIR, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          const last = stderr.trim().split('\n').filter(Boolean).at(-1) ?? err.message;
          reject(
            new AppError(
              'ECOMPOSE',
              `${c.argv.join(' ')} ${args[0]} failed for project ${project}: ${last}`,
              1,
            ),
          );
        } else resolve({ stdout, stderr });
      },
    );
  });
}

/** Container name pattern of each Compose version, so containers can be found without asking. */
export function containerName(c: ComposeCommand, project: string, service: string): string {
  return c.version === 2 ? `${project}-${service}-1` : `${project}_${service}_1`;
}
