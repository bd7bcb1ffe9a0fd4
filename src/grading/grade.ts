// `socklab grade`: a folder of submissions, checked in parallel (up to `jobs` labs at once), each
// with the seed its name gives, so that grading again gives the same link decisions and scores.
// A worker keeps its lab between submissions: each check leaves the lab as it found it (the
// program's processes and files gone, the lab's servers and model back). A submission that hangs
// is cut off at its time limit and its lab replaced; one that cannot be run (no program, two
// programs) is a failed submission with the reason. Nothing one submission does reaches another.
import { randomBytes } from 'node:crypto';
import { availableParallelism, freemem } from 'node:os';
import { join, relative } from 'node:path';
import { removeLab, startLab } from '../lab/start-lab.ts';
import type { Backend, StartedLab } from '../lab/started-lab.ts';
import { type Assignment, loadAssignment } from './assignment.ts';
import { runCheck } from './check.ts';
import type { CheckResult } from './check-result.ts';
import { findSubmissions, submissionSeed } from './submissions.ts';
import type { Role } from './verdict-catalogue.ts';

export const GRADE_SCHEMA = 1;

export interface SubmissionResult {
  name: string;
  /** The program checked, relative to its submission; null when none could be. */
  program: string | null;
  seed: number;
  /** Why it could not be checked (no program, several, the time limit); null when it was. */
  problem: string | null;
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
  role: Role;
  backend: Backend;
  jobs: number;
  /** The rule that gives each submission its seed. */
  seedRule: string;
  submissions: SubmissionResult[];
  timings: { totalMs: number; labStartMs: number; labStarts: number; checksMs: number };
}

export interface GradeOptions {
  dir: string;
  assignment: Assignment | string;
  role?: Role;
  jobs?: number;
  backend?: Backend;
  /** Keep a lab per worker between submissions (default), or start one per submission. */
  reuseLabs?: boolean;
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
export function roleOf(a: Assignment, role?: Role): Role {
  if (role) return role;
  return a.server ? 'server' : 'client';
}

export async function runGrade(o: GradeOptions): Promise<GradeResult> {
  const t0 = performance.now();
  const a = typeof o.assignment === 'string' ? loadAssignment(o.assignment) : o.assignment;
  const role = roleOf(a, o.role);
  const spec = a[role];
  const backend = o.backend ?? 'docker';
  const subs = findSubmissions(o.dir, spec?.program ?? null);
  const jobs = Math.max(1, Math.min(o.jobs ?? defaultJobs(), subs.length));
  const reuse = o.reuseLabs ?? true;
  const maxScore = (spec?.verdicts ?? []).reduce((s, v) => s + v.points, 0);
  const results: SubmissionResult[] = [];
  const timings = { totalMs: 0, labStartMs: 0, labStarts: 0, checksMs: 0 };
  const tag = randomBytes(2).toString('hex');
  const queue = [...subs];
  let done = 0;

  const finish = (r: SubmissionResult): void => {
    results.push(r);
    o.onDone?.(r, ++done, subs.length);
  };

  async function worker(w: number): Promise<void> {
    let lab: StartedLab | null = null;
    let labs = 0;
    const newLab = async (): Promise<StartedLab> => {
      const project = `socklab-grade-${tag}-${w}-${labs++}`;
      o.onLab?.(project);
      const ts = performance.now();
      const l = await startLab({ backend, project, autoCleanup: false, signal: o.signal });
      timings.labStartMs += performance.now() - ts;
      timings.labStarts++;
      return l;
    };
    try {
      for (let s = queue.shift(); s && !o.signal?.aborted; s = queue.shift()) {
        const seed = submissionSeed(a.seed, s.name);
        const ts = performance.now();
        const base = { name: s.name, seed, maxScore, durationMs: 0 };
        if (!s.file) {
          finish({ ...base, program: null, problem: s.problem, score: 0, passed: false, check: null });
          continue;
        }
        o.onStart?.(s.name);
        const program = s.file === join(o.dir, s.name) ? s.name : relative(join(o.dir, s.name), s.file);
        if (reuse) lab ??= await newLab();
        const limitMs = a.timeLimitMs + 60_000;
        const stop = new AbortController();
        const onAbort = (): void => stop.abort();
        o.signal?.addEventListener('abort', onAbort);
        const checking = runCheck({
          assignment: a,
          role,
          file: s.file,
          seed,
          lab: reuse ? lab! : undefined,
          backend,
          project: reuse ? undefined : `socklab-grade-${tag}-${w}-${labs++}`,
          signal: stop.signal,
        });
        let timer: NodeJS.Timeout | undefined;
        const limit = new Promise<'limit'>((resolve) => {
          timer = setTimeout(() => resolve('limit'), limitMs);
        });
        try {
          const r = await Promise.race([checking, limit]);
          if (r === 'limit') {
            // Cut off: the check may still hold the lab; let it go and give this worker a new one.
            stop.abort();
            checking.catch(() => {});
            if (lab) {
              const old = lab;
              lab = null;
              void removeLab(old.project, old.backend).catch(() => {});
            }
            finish({
              ...base,
              program,
              problem: `the check did not end within its time limit (${Math.round(limitMs / 1000)} s); it was stopped`,
              score: 0,
              passed: false,
              check: null,
              durationMs: Math.round(performance.now() - ts),
            });
          } else {
            timings.checksMs += r.timings.totalMs;
            finish({
              ...base,
              program,
              problem: null,
              score: r.score,
              passed: r.passed,
              check: r,
              durationMs: Math.round(performance.now() - ts),
            });
          }
        } catch (err) {
          if (o.signal?.aborted) break;
          // A lab that failed under a check is not trusted with the next one.
          if (lab) {
            const old = lab;
            lab = null;
            await old.down().catch(() => {});
          }
          finish({
            ...base,
            program,
            problem: `the check could not run: ${(err as Error).message.split('\n')[0]}`,
            score: 0,
            passed: false,
            check: null,
            durationMs: Math.round(performance.now() - ts),
          });
        } finally {
          clearTimeout(timer);
          o.signal?.removeEventListener('abort', onAbort);
        }
      }
    } finally {
      if (lab) await lab.down().catch(() => {});
    }
  }

  await Promise.all(Array.from({ length: jobs }, (_, w) => worker(w)));
  o.signal?.throwIfAborted();
  timings.totalMs = Math.round(performance.now() - t0);
  timings.labStartMs = Math.round(timings.labStartMs);
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
    timings,
  };
}
