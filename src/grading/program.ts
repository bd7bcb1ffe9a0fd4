// A program under test on a lab host: deployed into a directory of its own, compiled (C), started
// in the background (a server) or run to its end (a client), always inside the sandbox, with its
// output in files (bounded by the file-size limit) of which the last lines are shown. Everything
// goes through LabHost, so it works the same in a container and in a network namespace.
import { shellQuote, startBackground, stopBackground } from '../lab/host-processes.ts';
import type { LabHost } from '../lab/lab-host.ts';
import type { Limits } from './assignment.ts';
import { compileArgv, type ProgramKind, runnerArgv, sandboxArgv } from './sandbox.ts';

export interface ProgramRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** How much of a program's output is read back (the end of it). */
const OUTPUT_TAIL_BYTES = 16_384;

export class ProgramUnderTest {
  readonly host: LabHost;
  readonly uid: number;
  readonly name: string;
  readonly kind: ProgramKind;
  readonly limits: Limits;
  /** Its own directory in the host (root's), and the program's working directory inside it. */
  readonly base: string;
  readonly dir: string;
  #pid: number | null = null;
  #runs = 0;

  private constructor(host: LabHost, uid: number, name: string, kind: ProgramKind, limits: Limits) {
    this.host = host;
    this.uid = uid;
    this.name = name;
    this.kind = kind;
    this.limits = limits;
    this.base = `${host.workDir}/check-${uid}`;
    this.dir = `${this.base}/prog`;
  }

  /** Copies the program (and any files it is to serve) into a fresh directory owned by its user. */
  static async deploy(
    host: LabHost,
    o: {
      uid: number;
      name: string;
      kind: ProgramKind;
      source: Buffer;
      limits: Limits;
      files?: Record<string, Buffer>;
    },
  ): Promise<ProgramUnderTest> {
    const p = new ProgramUnderTest(host, o.uid, o.name, o.kind, o.limits);
    await host.exec([
      'sh',
      '-c',
      `rm -rf ${shellQuote(p.base)} && mkdir -p ${shellQuote(p.dir)} && chmod 755 ${shellQuote(p.base)}`,
    ]);
    await host.copyIn(p.dir, { [o.name]: o.source, ...(o.files ?? {}) });
    await host.exec([
      'sh',
      '-c',
      `chown -R ${o.uid}:${o.uid} ${shellQuote(p.dir)} && chmod 755 ${shellQuote(p.dir)} && chmod u+x ${shellQuote(`${p.dir}/${o.name}`)}`,
    ]);
    return p;
  }

  #inSandbox(argv: string[]): string {
    return sandboxArgv({ uid: this.uid, limits: this.limits, dir: this.dir }, argv).map(shellQuote).join(' ');
  }

  /** Compiles a C program with cc, in the sandbox; the compiler's output when it fails. */
  async compile(): Promise<{ ok: boolean; output: string }> {
    const r = await this.host.exec(
      [
        'sh',
        '-c',
        `cd ${shellQuote(this.dir)} && timeout -s KILL 120 ${this.#inSandbox(compileArgv(this.name))} 2>&1`,
      ],
      { timeoutMs: 150_000 },
    );
    return { ok: r.exitCode === 0, output: this.relative(r.stdout.slice(-OUTPUT_TAIL_BYTES)) };
  }

  get logFile(): string {
    return `${this.base}/output-${this.#runs}.log`;
  }

  /** Starts it in the background (a server): `PROGRAM args`, its output to a log of its own. */
  async start(args: string[]): Promise<number> {
    this.#runs++;
    const argv = runnerArgv(this.kind, this.name, args);
    this.#pid = await startBackground(
      this.host,
      ['sh', '-c', `cd ${shellQuote(this.dir)} && exec ${this.#inSandbox(argv)}`],
      this.logFile,
    );
    return this.#pid;
  }

  /** How many times it was started or run. */
  get runs(): number {
    return this.#runs;
  }

  get pid(): number | null {
    return this.#pid;
  }

  async alive(): Promise<boolean> {
    if (this.#pid === null) return false;
    // A zombie is not alive: it has exited and waits for its parent.
    const r = await this.host.exec([
      'sh',
      '-c',
      `s=$(ps -o stat= -p ${this.#pid}); [ -n "$s" ] && [ "\${s#Z}" = "$s" ]`,
    ]);
    return r.exitCode === 0;
  }

  /** Stops the program and everything its user still runs. */
  async stop(): Promise<void> {
    if (this.#pid !== null) await stopBackground(this.host, this.#pid);
    this.#pid = null;
    await this.killAll();
  }

  async killAll(): Promise<void> {
    // Twice: a process that forks while being killed leaves a child the first pass missed.
    await this.host.exec(['sh', '-c', `pkill -9 -u ${this.uid}; sleep 0.05; pkill -9 -u ${this.uid}; true`]);
  }

  /** The last lines it printed (stdout and stderr together), its directory's paths made relative. */
  async output(lines = 20): Promise<string> {
    const r = await this.host.exec([
      'sh',
      '-c',
      `tail -c ${OUTPUT_TAIL_BYTES} ${shellQuote(this.logFile)} 2>/dev/null | tail -n ${lines}`,
    ]);
    return this.relative(r.stdout);
  }

  /** Its directory differs from check to check (the lab's name, its user): reports show names in it. */
  relative(text: string): string {
    return text.replaceAll(`${this.dir}/`, '').replaceAll(this.dir, '.');
  }

  /** Runs it to its end (a client): `PROGRAM args` with `stdin`, killed after `timeoutMs`. */
  async run(args: string[], stdin: string, timeoutMs: number): Promise<ProgramRun> {
    this.#runs++;
    const n = this.#runs;
    const files = {
      in: `${this.base}/run-${n}.in`,
      out: `${this.base}/run-${n}.out`,
      err: `${this.base}/run-${n}.err`,
    };
    await this.host.copyIn(this.base, { [`run-${n}.in`]: stdin });
    const secs = Math.max(1, Math.ceil(timeoutMs / 1000));
    const argv = runnerArgv(this.kind, this.name, args);
    const r = await this.host.exec(
      [
        'sh',
        '-c',
        `cd ${shellQuote(this.dir)} && timeout -s KILL ${secs} ${this.#inSandbox(argv)} <${shellQuote(files.in)} >${shellQuote(files.out)} 2>${shellQuote(files.err)}; echo "exit $?"`,
      ],
      { timeoutMs: timeoutMs + 30_000 },
    );
    const exitCode = Number(/exit (\d+)/.exec(r.stdout)?.[1] ?? -1);
    const tail = async (f: string): Promise<string> =>
      (await this.host.exec(['tail', '-c', String(OUTPUT_TAIL_BYTES), f])).stdout;
    await this.killAll();
    return {
      exitCode,
      stdout: this.relative(await tail(files.out)),
      stderr: this.relative(await tail(files.err)),
      timedOut: exitCode === 137,
    };
  }

  /** Removes every trace: its processes, its directory, and files its user left elsewhere. */
  async cleanup(): Promise<void> {
    await this.killAll();
    await this.host.exec([
      'sh',
      '-c',
      `rm -rf ${shellQuote(this.base)}; find /tmp /var/tmp /dev/shm -xdev -user ${this.uid} -delete 2>/dev/null; true`,
    ]);
  }
}
