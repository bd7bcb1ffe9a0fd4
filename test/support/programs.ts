// Runs the programs of src/apps as real processes, the way a student or the lab runs them.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { PACKAGE_ROOT } from '../../src/common/data-files.ts';

export const ROOT = PACKAGE_ROOT;
export const appPath = (name: string): string => `${ROOT}src/apps/${name}.ts`;
export const labPath = (rel: string): string => `${ROOT}lab/${rel}`;

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Running extends AsyncDisposable {
  child: ChildProcess;
  port: number;
  stdout(): string;
  stderr(): string;
  /** Waits until stdout matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<Finished>;
}

export interface Spawned {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<Finished>;
}

/** Spawns a command with piped stdio and keeps all it writes; `onChange` hears new output and the exit. */
export function spawnCollecting(
  cmd: string,
  args: string[],
  opts: SpawnOptions = {},
  onChange: () => void = () => {},
): Spawned {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...opts });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    onChange();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<Finished>((resolve) => {
    child.on('close', (code) => {
      onChange();
      resolve({ code, stdout: out, stderr: err });
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Starts a command and returns once its output matches `ready`; `port` comes from the match's first group. */
export async function start(
  cmd: string,
  args: string[],
  ready: RegExp,
  timeoutMs = 10_000,
): Promise<Running> {
  const waiters = new Set<() => void>();
  const { child, stdout, stderr, exited } = spawnCollecting(cmd, args, {}, () => {
    for (const w of waiters) w();
  });
  const waitFor = (pattern: RegExp, ms = timeoutMs): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = stdout().match(pattern);
        if (m) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(m);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          waiters.delete(check);
          clearTimeout(timer);
          reject(
            new Error(
              `${cmd} ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}) before ${pattern}: ${stdout()}${stderr()}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${pattern}; stdout: ${stdout()} stderr: ${stderr()}`));
      }, ms);
      waiters.add(check);
      check();
    });
  const m = await waitFor(ready);
  const stop = async (): Promise<Finished> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
    const f = await exited;
    clearTimeout(killer);
    return f;
  };
  return {
    child,
    port: Number(m[1] ?? 0),
    stdout,
    stderr,
    waitFor,
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}

const READY = /ready to receive on (?:UDP|TCP) \S+:(\d+)/;

/** Starts one of our servers on a free port. */
export function startApp(name: string, args: string[] = []): Promise<Running> {
  return start(process.execPath, [appPath(name), '--host', '127.0.0.1', '--port', '0', ...args], READY);
}

/** Runs a command to completion, feeding `input` on stdin. */
export function run(
  cmd: string,
  args: string[],
  input = '',
  timeoutMs = 30_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Finished> {
  const { child, stdout, stderr, exited } = spawnCollecting(cmd, args, { env });
  child.stdin!.on('error', () => {});
  child.stdin!.end(input);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${cmd} ${args.join(' ')} did not finish in ${timeoutMs} ms; stdout: ${stdout()} stderr: ${stderr()}`,
        ),
      );
    }, timeoutMs);
    void exited.then((f) => {
      clearTimeout(timer);
      resolve(f);
    });
  });
}

export const runApp = (name: string, args: string[], input = '', timeoutMs = 30_000): Promise<Finished> =>
  run(process.execPath, [appPath(name), ...args], input, timeoutMs);

/** A one-line error: exactly one line on stderr and no stack trace. */
export function isOneLineError(stderr: string): boolean {
  const lines = stderr.trimEnd().split('\n');
  return lines.length === 1 && !/\n\s+at /.test(stderr) && lines[0]!.length > 0;
}
