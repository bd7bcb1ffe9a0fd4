// A program under test on a lab host: in a jail of its own there (its own processes, private /tmp
// and /dev/shm, a home of bounded size, a budget for all it runs; see lab/jail.ts), deployed into
// that home, compiled (C), started in the background (a server) or run to its end (a client),
// always inside the sandbox (its own user, no capabilities, per-process limits), with its output in
// files of which the last lines are shown. The jail is closed at the end: nothing it started
// outlives it. Everything goes through the jail's host interface, so it works the same on every
// backend.
import type { OptionSpecs } from '../common/app-args.ts';
import { SocklabError } from '../common/errors.ts';
import type { HostProgram, OptionValues } from '../common/host-program.ts';
import { shellQuote, startBackground, stopBackground } from '../lab/host-processes.ts';
import type { Budget, Jail } from '../lab/jail.ts';
import type { LabHost } from '../lab/lab-host.ts';
import { runProgram } from '../lab/run-program.ts';
import type { Limits } from './assignment.ts';
import { compileArgv, type ProgramKind, runnerArgv, sandboxArgv } from './sandbox.ts';

/** Room in the jail's process budget for socklab's own tools beside the program (the task census). */
const TOOL_PROCESSES = 32;

/** The jail's budget from an assignment's limits. */
export function budgetOf(l: Limits): Budget {
  return {
    memoryBytes: l.totalMemoryBytes,
    processes: l.processes + TOOL_PROCESSES,
    cpus: l.cpus,
    diskBytes: l.diskBytes,
    tmpBytes: l.tmpBytes,
  };
}

export interface ProgramRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** How much of a program's output is read back (the end of it). */
const OUTPUT_TAIL_BYTES = 16_384;

export class ProgramUnderTest {
  /** Its jail: where everything of it runs. */
  readonly host: Jail;
  readonly uid: number;
  readonly name: string;
  readonly kind: ProgramKind;
  readonly limits: Limits;
  /** Its own directory in the host (root's), and the program's working directory inside it. */
  readonly base: string;
  readonly dir: string;
  #pid: number | null = null;
  #runs = 0;

  private constructor(jail: Jail, uid: number, name: string, kind: ProgramKind, limits: Limits) {
    this.host = jail;
    this.uid = uid;
    this.name = name;
    this.kind = kind;
    this.limits = limits;
    this.base = jail.home;
    this.dir = `${this.base}/prog`;
  }

  /**
   * Makes its jail in `host` and copies the program (and any files it is to serve) into its home,
   * owned by its user and readable by nobody else.
   */
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
    const jail = await host.jail({ name: String(o.uid), budget: budgetOf(o.limits) }).catch((err: Error) => {
      throw new SocklabError(
        'sandbox.unavailable',
        `${err.message}; no program can be judged here until that is fixed`,
      );
    });
    const p = new ProgramUnderTest(jail, o.uid, o.name, o.kind, o.limits);
    try {
      // The per-process limits, tried once as root: a limit this machine refuses is the assignment's
      // or the machine's problem, said as such, never a student's program that "did not start".
      const probe = await jail.exec(sandboxArgv({ uid: o.uid, limits: o.limits, dir: p.base }, ['true']));
      if (probe.exitCode !== 0)
        throw new SocklabError(
          'sandbox.unavailable',
          `the assignment's limits cannot be applied on this machine: ${probe.stderr.trim().split('\n')[0]}; lower them in its limits:`,
        );
      await jail.copyIn(p.dir, { [o.name]: o.source, ...(o.files ?? {}) });
      await jail.exec([
        'sh',
        '-c',
        `chown -R ${o.uid}:${o.uid} ${shellQuote(p.base)} && chmod 700 ${shellQuote(p.base)} && chmod 755 ${shellQuote(p.dir)} && chmod u+x ${shellQuote(`${p.dir}/${o.name}`)}`,
      ]);
    } catch (err) {
      await jail.close();
      throw err;
    }
    return p;
  }

  /** One of socklab's programs run where the program's processes are seen, as root (the task census, say). */
  runTool<S extends OptionSpecs, R>(program: HostProgram<S, R>, values: OptionValues<S>): Promise<R> {
    return runProgram(this.host.observer, program, values, { timeoutMs: 300_000 });
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
    if (this.host.inspect) return this.host.inspect.alive(this.#pid);
    // A zombie is not alive: it has exited and waits for its parent.
    const r = await this.host.exec([
      'sh',
      '-c',
      `s=$(ps -o stat= -p ${this.#pid}); [ -n "$s" ] && [ "\${s#Z}" = "$s" ]`,
    ]);
    return r.exitCode === 0;
  }

  /** Stops the program and everything its user still runs. */
  /**
   * Stops the program and everything its user still runs; says how many of its processes were
   * still running once the program itself had ended (a daemon it left, say).
   */
  async stop(): Promise<number> {
    if (this.#pid !== null) await stopBackground(this.host, this.#pid);
    this.#pid = null;
    // Several looks: a process that forks and exits in a loop can slip past one scan of /proc.
    const { inspect } = this.host;
    if (inspect) {
      let n = 0;
      for (let i = 0; i < 10 && n === 0; i++) {
        n = (await inspect.users()).filter((u) => u === this.uid).length;
        if (n === 0) await new Promise((res) => setTimeout(res, 20));
      }
      await this.killAll();
      return n;
    }
    const left = await this.host.exec([
      'sh',
      '-c',
      `for i in 1 2 3 4 5 6 7 8 9 10; do n=$(pgrep -u ${this.uid} | wc -l); [ "$n" -gt 0 ] && break; sleep 0.02; done; echo $n`,
    ]);
    await this.killAll();
    return Number(left.stdout.trim()) || 0;
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

  /**
   * Removes every trace: its jail and all in it (its files, what it left in /tmp or /dev/shm, any
   * process that escaped even the kill after its stop). Says how many processes that was.
   */
  async cleanup(): Promise<{ escaped: number }> {
    const { killed } = await this.host.close();
    return { escaped: killed };
  }
}
