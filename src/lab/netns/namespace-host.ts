// The netns backend's host: a network namespace on this machine. Commands run through
// `ip netns exec`, which also gives the namespace its own /etc/hosts and resolv.conf (from
// /etc/netns/NAME/), so `server` resolves in the client as it does in the containers. Files are
// the machine's own: the host's work directory is its part of the lab's state directory.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../../common/data-files.ts';
import { SocklabError } from '../../common/errors.ts';
import type { Jail, JailSpec } from '../jail.ts';
import type { ExecOptions, ExecResult, HostName, HostStream, LabHost } from '../lab-host.ts';
import { openNamespaceJail } from './namespace-jail.ts';

// Run from a clone, the programs are the TypeScript sources; from an installed package, its built
// JavaScript (Node does not strip types under node_modules).
const FROM_DIST = import.meta.url.endsWith('.js');

/**
 * The machine's node first on PATH, so that `node` in a namespace is the one running socklab; and
 * Node's compile cache (where `socklab` itself keeps it), so that linkd and the lab's programs
 * start from cached code: linkd is ready in about half the time, which is most of `up`. Students'
 * programs do not see it: the sandbox starts them with an empty environment.
 */
export const HOST_ENV = {
  PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
  NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'node-compile-cache'),
};

/** Runs argv to completion, collecting output (at most `maxBytes` of each stream, the last ones). */
export function runCollect(
  argv: string[],
  opts: ExecOptions & { maxBytes?: number } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      env: { ...process.env, ...HOST_ENV },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const max = opts.maxBytes ?? 64 << 20;
    const keep = (chunks: Buffer[], size: { n: number }, d: Buffer): void => {
      chunks.push(d);
      size.n += d.length;
      while (size.n - chunks[0]!.length > max) size.n -= chunks.shift()!.length;
    };
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const outSize = { n: 0 };
    const errSize = { n: 0 };
    child.stdout.on('data', (d: Buffer) => keep(out, outSize, d));
    child.stderr.on('data', (d: Buffer) => keep(err, errSize, d));
    child.stdin.on('error', () => {});
    child.stdin.end(opts.stdin ?? '');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new SocklabError('host.exec-timeout', `${argv.join(' ')} did not finish within ${opts.timeoutMs} ms`),
      );
    }, opts.timeoutMs ?? 600_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new SocklabError('host.spawn-failed', `cannot run ${argv[0]}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        exitCode: code ?? (signal ? 128 + 9 : -1),
      });
    });
  });
}

export class NamespaceHost implements LabHost {
  readonly name: HostName;
  readonly labAddress: string | null;
  readonly namespace: string;
  readonly workDir: string;
  /** Where the host's own processes (linkd, the echo servers) write. */
  readonly logFile: string;

  /** `logFile`: where its processes write, when not the host's own log (a user's program's). */
  constructor(
    name: HostName,
    namespace: string,
    labAddress: string | null,
    stateDir: string,
    logFile?: string,
  ) {
    this.name = name;
    this.namespace = namespace;
    this.labAddress = labAddress;
    this.workDir = join(stateDir, name);
    this.logFile = logFile ?? join(stateDir, `${name}.log`);
  }

  get describe(): string {
    return `network namespace ${this.namespace}`;
  }

  program(name: string): string {
    return FROM_DIST ? join(PACKAGE_ROOT, 'dist', `${name}.js`) : join(PACKAGE_ROOT, 'src', `${name}.ts`);
  }

  exec(cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return runCollect(['ip', 'netns', 'exec', this.namespace, ...cmd], opts);
  }

  async copyIn(dir: string, files: Record<string, Buffer | string>): Promise<void> {
    for (const [name, data] of Object.entries(files)) {
      const path = join(dir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, data, { mode: 0o644 });
    }
  }

  async copyOut(path: string): Promise<Buffer> {
    return readFile(path);
  }

  async logs(tail: number): Promise<string> {
    try {
      const lines = readFileSync(this.logFile, 'utf8').split('\n');
      return lines.slice(-tail - 1).join('\n');
    } catch {
      return '';
    }
  }

  shellCommand(): string[] {
    return ['ip', 'netns', 'exec', this.namespace, 'bash'];
  }

  async openStream(cmd: string[]): Promise<HostStream> {
    const child = spawn('ip', ['netns', 'exec', this.namespace, ...cmd], {
      env: { ...process.env, ...HOST_ENV },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const ended = new Promise<void>((resolve) => child.on('close', () => resolve()));
    child.stdin.on('error', () => {});
    return { input: child.stdin, output: child.stdout, ended, close: () => child.kill('SIGKILL') };
  }

  jail(spec: JailSpec): Promise<Jail> {
    return openNamespaceJail(runCollect, this, spec);
  }
}
