// The Compose adapter: up, down and build through `docker compose` (v2) where it exists, or the
// standalone `docker-compose` (v1, the only one Debian 12 ships). compose.yaml is the one
// source of truth for the topology; nothing here knows its services.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { PACKAGE_ROOT } from '../../common/data-files.ts';
import { SocklabError } from '../../common/errors.ts';

export const COMPOSE_FILE = `${PACKAGE_ROOT}compose.yaml`;
export const PROJECT_DIR = PACKAGE_ROOT;

export interface ComposeCommand {
  /** The program and the arguments that come before compose's own: ['docker', 'compose'] or ['docker-compose']. */
  argv: string[];
  /** A standalone executable (v1, or v2 installed as docker-compose) rather than the docker plugin. */
  standalone: boolean;
}

function tryRun(cmd: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => execFile(cmd, args, { timeout: 15_000 }, (err) => resolve(!err)));
}

/** Whether `name` is an executable file in a directory of PATH; looked up, not run. */
function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir || '.', name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

let detected: Promise<ComposeCommand> | null = null;

/**
 * `docker compose` when the plugin answers, else `docker-compose` when it is on PATH; an error
 * naming both otherwise. The standalone one is not run to ask its version: v1 is Python and
 * takes 0.4 s to say it, on every CLI call; if it is broken, its first real call says so.
 */
export function detectCompose(): Promise<ComposeCommand> {
  detected ??= (async () => {
    if (await tryRun('docker', ['compose', 'version']))
      return { argv: ['docker', 'compose'], standalone: false };
    if (onPath('docker-compose')) return { argv: ['docker-compose'], standalone: true };
    throw new SocklabError(
      'docker.no-compose',
      'neither `docker compose` (v2) nor `docker-compose` (v1) works here; install Docker Compose (Debian: apt-get install docker-compose)',
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

/** Compose v1 as Debian 12 ships it: what the classroom test runs, beside v2 everywhere else. */
export const COMPOSE_V1: ComposeCommand = { argv: ['docker-compose'], standalone: true };

export async function compose(
  project: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 600_000,
  using?: ComposeCommand,
): Promise<ComposeRun> {
  const c = using ?? (await detectCompose());
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
            new SocklabError(
              'docker.compose-failed',
              `${c.argv.join(' ')} ${args[0]} failed for project ${project}: ${last}`,
            ),
          );
        } else resolve({ stdout, stderr });
      },
    );
  });
}
