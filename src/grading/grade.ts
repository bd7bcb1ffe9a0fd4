// `socklab grade`: a folder of submissions, checked in parallel (up to `jobs` labs at once), each
// with the seed its name gives, so that grading again gives the same link decisions and scores.
// A worker keeps its lab between submissions: each check leaves the lab as it found it (the
// program's processes and files gone, the lab's servers and model back). A submission that hangs
// is cut off at its time limit and its lab replaced; one that cannot be run (no program, two
// programs) is a failed submission with the reason. Nothing one submission does reaches another.
import { randomBytes } from 'node:crypto';
import { availableParallelism, freemem } from 'node:os';
import { join, relative } from 'node:path';
import { SocklabError } from '../common/errors.ts';
import { removeLab, startLab } from '../lab/start-lab.ts';
import type { Backend, GradingBackend, StartedLab } from '../lab/started-lab.ts';
import { type Assignment, loadAssignment } from './assignment.ts';
import { type CheckOptions, runCheck } from './check.ts';
import type { CheckResult } from './check-result.ts';
import type { ProgramRole } from './framing.ts';
import { inShard, type Shard } from './shard.ts';
import { findSubmissions, type Submission, submissionSeed } from './submissions.ts';

export const GRADE_SCHEMA = 1;

export interface SubmissionResult {
  name: string;
  /** The program checked, relative to its submission; null when none could be. */
  program: string | null;
  seed: number;
  /** Why it could not be checked (no program, several, the time limit); null when it was. */
  problem: string | null;
  /** Not a submission (a hidden entry, a link, a stray file): listed with why, left out of every count. */
  skipped?: true;
  score: number;
  maxScore: number;
  passed: boolean;
  check: CheckResult | null;
  durationMs: number;
}

export interface GradeResult {
  experiment: 'grade';
  schema: typeof GRADE_SCHEMA;
  assignment: string;
  title: string;
  role: ProgramRole;
  backend: GradingBackend;
  jobs: number;
  /** The rule that gives each submission its seed. */
  seedRule: string;
  submissions: SubmissionResult[];
  timings: { totalMs: number; labStartMs: number; labStarts: number; checksMs: number };
  /** Graded as one shard of several: which, and every submission the folder held (all shards'). */
  shard?: Shard & { found: string[] };
}

export interface GradeOptions {
  dir: string;
  assignment: Assignment | string;
  role?: ProgramRole;
  jobs?: number;
  backend?: Backend;
  /** Keep a lab per worker between submissions (default), or start one per submission. */
  reuseLabs?: boolean;
  /** Grade only this shard's submissions (every N-th in name order; see shard.ts). */
  shard?: Shard;
  signal?: AbortSignal;
  onStart?: (name: string) => void;
  onDone?: (r: SubmissionResult, done: number, total: number) => void;
  /** Hears every lab it starts, so that a caller can remove them if the process must stop. */
  onLab?: (project: string) => void;
}

/** Labs at once by default: the cores, and about 600 MB of free memory per lab. */
export function defaultJobs(): number {
  return Math.max(1, Math.min(availableParallelism(), Math.floor(freemem() / (600 * 1024 ** 2)), 8));
}

/** The role to grade: --role, else the assignment's only one, else its server. */
export function roleOf(a: Assignment, role?: ProgramRole): ProgramRole {
  if (role) return role;
  return a.server ? 'server' : 'client';
}

/** What every worker of one grading run shares. */
interface GradeRun {
  o: GradeOptions;
  assignment: Assignment;
  role: ProgramRole;
  backend: Backend;
  maxScore: number;
  tag: string;
  timings: GradeResult['timings'];
}

export async function runGrade(o: GradeOptions): Promise<GradeResult> {
  const t0 = performance.now();
  const a = typeof o.assignment === 'string' ? loadAssignment(o.assignment) : o.assignment;
  const role = roleOf(a, o.role);
  const spec = a[role];
  const backend = o.backend ?? 'docker';
  const found = findSubmissions(o.dir, spec?.program ?? null);
  const subs = found.filter((_, i) => inShard(i, o.shard));
  const jobs = Math.max(1, Math.min(o.jobs ?? defaultJobs(), subs.length));
  const run: GradeRun = {
    o,
    assignment: a,
    role,
    backend,
    maxScore: (spec?.verdicts ?? []).reduce((s, v) => s + v.points, 0),
    tag: randomBytes(2).toString('hex'),
    timings: { totalMs: 0, labStartMs: 0, labStarts: 0, checksMs: 0 },
  };
  const results: SubmissionResult[] = [];
  const queue = [...subs];
  const finish = (r: SubmissionResult): void => {
    results.push(r);
    o.onDone?.(r, results.length, subs.length);
  };
  await Promise.all(Array.from({ length: jobs }, (_, w) => worker(run, w, queue, finish)));
  o.signal?.throwIfAborted();
  run.timings.totalMs = Math.round(performance.now() - t0);
  run.timings.labStartMs = Math.round(run.timings.labStartMs);
  return {
    experiment: 'grade',
    schema: GRADE_SCHEMA,
    assignment: a.name,
    title: a.title,
    role,
    backend,
    jobs,
    seedRule: `each submission's seed is FNV-1a of its folder's name, started from the assignment's seed (${a.seed})`,
    submissions: results.sort((x, y) => x.name.localeCompare(y.name)),
    timings: run.timings,
    ...(o.shard ? { shard: { ...o.shard, found: found.map((s) => s.name) } } : {}),
  };
}

/** A worker's lab: kept between submissions (unless fresh labs are asked for), replaced when not trusted. */
class LabSlot {
  readonly #run: GradeRun;
  readonly #worker: number;
  #lab: StartedLab | null = null;
  #made = 0;

  constructor(run: GradeRun, worker: number) {
    this.#run = run;
    this.#worker = worker;
  }

  /** A name for a lab of this worker's (each new lab a new one). */
  nextProject(): string {
    return `socklab-grade-${this.#run.tag}-${this.#worker}-${this.#made++}`;
  }

  async get(): Promise<StartedLab> {
    if (this.#lab) return this.#lab;
    const { o, backend, timings } = this.#run;
    const project = this.nextProject();
    o.onLab?.(project);
    const ts = performance.now();
    this.#lab = await startLab({ backend, project, autoCleanup: false, signal: o.signal });
    timings.labStartMs += performance.now() - ts;
    timings.labStarts++;
    return this.#lab;
  }

  /** Lets the lab go: `remove` in the background (a check may still hold it), or `down` now. */
  async drop(how: 'remove' | 'down'): Promise<void> {
    const old = this.#lab;
    this.#lab = null;
    if (!old) return;
    if (how === 'remove') void removeLab(old.project, old.backend).catch(() => {});
    else await old.down().catch(() => {});
  }
}

async function worker(
  run: GradeRun,
  w: number,
  queue: Submission[],
  finish: (r: SubmissionResult) => void,
): Promise<void> {
  const slot = new LabSlot(run, w);
  try {
    for (let s = queue.shift(); s && !run.o.signal?.aborted; s = queue.shift()) {
      const r = await gradeOne(run, slot, s);
      if (r) finish(r);
    }
  } finally {
    await slot.drop('down');
  }
}

/** One submission's row; null when grading was aborted meanwhile. */
async function gradeOne(run: GradeRun, slot: LabSlot, s: Submission): Promise<SubmissionResult | null> {
  const { o, assignment: a } = run;
  const seed = submissionSeed(a.seed, s.name);
  const ts = performance.now();
  const row = (program: string | null, problem: string | null, check: CheckResult | null) => ({
    name: s.name,
    seed,
    maxScore: run.maxScore,
    program,
    problem,
    score: check?.score ?? 0,
    passed: check?.passed ?? false,
    check,
    // Nothing ran for a submission without a program.
    durationMs: s.file ? Math.round(performance.now() - ts) : 0,
  });
  if (!s.file) return { ...row(null, s.problem, null), ...(s.skipped ? { skipped: true as const } : {}) };
  o.onStart?.(s.name);
  const program = s.file === join(o.dir, s.name) ? s.name : relative(join(o.dir, s.name), s.file);
  const reuse = o.reuseLabs ?? true;
  const lab = reuse ? await slot.get() : undefined;
  const outcome = await checkWithin(run, {
    assignment: a,
    role: run.role,
    file: s.file,
    seed,
    lab,
    backend: run.backend,
    project: reuse ? undefined : slot.nextProject(),
  });
  if (outcome.kind === 'done') {
    run.timings.checksMs += outcome.result.timings.totalMs;
    return row(program, null, outcome.result);
  }
  if (outcome.kind === 'limit') {
    // Cut off: the check may still hold the lab; let it go and give this worker a new one.
    await slot.drop('remove');
    return row(
      program,
      `the check did not end within its time limit (${Math.round(outcome.limitMs / 1000)} s); it was stopped`,
      null,
    );
  }
  if (o.signal?.aborted) return null;
  // No submission can be judged where sandboxes cannot be made, or a tool the verdicts use is
  // missing: the batch stops, with why.
  if (
    outcome.error instanceof SocklabError &&
    (outcome.error.code === 'sandbox.unavailable' || outcome.error.code === 'lab.tool-missing')
  )
    throw outcome.error;
  // A lab that failed under a check is not trusted with the next one.
  await slot.drop('down');
  return row(program, `the check could not run: ${outcome.error.message.split('\n')[0]}`, null);
}

type Checked =
  | { kind: 'done'; result: CheckResult }
  | { kind: 'limit'; limitMs: number }
  | { kind: 'error'; error: Error };

/** Runs a check, cut off at the assignment's time limit and a minute (and by the run's signal). */
async function checkWithin(run: GradeRun, opts: Omit<CheckOptions, 'signal'>): Promise<Checked> {
  const limitMs = run.assignment.timeLimitMs + 60_000;
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  run.o.signal?.addEventListener('abort', onAbort);
  const checking = runCheck({ ...opts, signal: stop.signal });
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<'limit'>((resolve) => {
    timer = setTimeout(() => resolve('limit'), limitMs);
  });
  try {
    const r = await Promise.race([checking, limit]);
    if (r !== 'limit') return { kind: 'done', result: r };
    stop.abort();
    checking.catch(() => {});
    return { kind: 'limit', limitMs };
  } catch (err) {
    return { kind: 'error', error: err as Error };
  } finally {
    clearTimeout(timer);
    run.o.signal?.removeEventListener('abort', onAbort);
  }
}
