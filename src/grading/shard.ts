// Grading a class on several machines: `grade --shard I/N` grades every N-th submission (in name
// order, from the I-th), `grade --merge` puts the shards' saved results back together. A
// submission's seed comes from its name, not from where it is graded, so the merged result is the
// one a single machine gives, submission by submission (only the measured times differ).
import { packageVersion } from '../common/data-files.ts';
import { SocklabError } from '../common/errors.ts';
import type { Assignment } from './assignment.ts';
import type { GradeResult } from './grade.ts';

export interface Shard {
  /** From 1. */
  index: number;
  count: number;
}

/** A shard's results as `grade --save` writes them: everything the reports need, typed. */
export interface SavedGrade {
  socklab: 'grade';
  version: string;
  assignment: Assignment;
  /** Every submission the folder held (in every shard), so that a merge knows what is missing. */
  found: string[];
  shard: Shard | null;
  result: GradeResult;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : 0;
  const count = m ? Number(m[2]) : 0;
  if (!m || count < 1 || count > 1000 || index < 1 || index > count)
    throw new SocklabError(
      'usage.invalid',
      `--shard must be I/N with 1 ≤ I ≤ N ≤ 1000 (this machine's part of N), got '${text}'; e.g. --shard 2/3`,
    );
  return { index, count };
}

/** Whether the i-th submission (from 0, in name order) is this shard's: round robin, so shards are even. */
export const inShard = (i: number, shard: Shard | undefined): boolean =>
  !shard || i % shard.count === shard.index - 1;

export function savedGrade(result: GradeResult, assignment: Assignment): SavedGrade {
  const { shard, ...rest } = result;
  return {
    socklab: 'grade',
    version: packageVersion(),
    assignment,
    found: shard?.found ?? result.submissions.map((s) => s.name),
    shard: shard ? { index: shard.index, count: shard.count } : null,
    result: rest,
  };
}

/** Reads a saved shard (one line naming the file and the fix when it is not one). */
export function parseSavedGrade(text: string, source: string): SavedGrade {
  let g: Partial<SavedGrade>;
  try {
    g = JSON.parse(text) as Partial<SavedGrade>;
  } catch (err) {
    throw new SocklabError(
      'usage.invalid',
      `--merge ${source}: not JSON (${(err as Error).message}); give the files that socklab grade --save wrote`,
    );
  }
  if (g?.socklab !== 'grade' || !g.result || !Array.isArray(g.found) || !g.assignment)
    throw new SocklabError(
      'usage.invalid',
      `--merge ${source}: not a file of socklab grade --save; give the files that socklab grade --shard I/N --save FILE wrote`,
    );
  if (g.version !== packageVersion())
    throw new SocklabError(
      'usage.invalid',
      `--merge ${source}: written by socklab ${String(g.version)}, this is socklab ${packageVersion()}; grade every shard with the same socklab`,
    );
  return g as SavedGrade;
}

/**
 * One result from the shards: the same assignment, role and shard count, every shard once, every
 * submission found graded exactly once. Times add up (the checks') or are the longest (the run's).
 */
export function mergeGrades(parts: SavedGrade[]): { result: GradeResult; assignment: Assignment } {
  const first = parts[0];
  if (!first)
    throw new SocklabError('usage.invalid', '--merge needs the saved shards: --merge s1.json s2.json ...');
  const differs = (what: string, f: (p: SavedGrade) => unknown): void => {
    const seen = [...new Set(parts.map((p) => JSON.stringify(f(p))))];
    if (seen.length > 1)
      throw new SocklabError(
        'usage.invalid',
        `--merge: the shards differ in ${what} (${seen.join(' vs ')}); merge shards of one grading run`,
      );
  };
  differs('assignment', (p) => p.result.assignment);
  differs('role', (p) => p.result.role);
  differs('backend', (p) => p.result.backend);
  differs('shard count', (p) => p.shard?.count ?? 1);
  differs('submissions found', (p) => p.found);
  const count = first.shard?.count ?? 1;
  const have = parts.map((p) => p.shard?.index ?? 1);
  const twice = have.filter((i, k) => have.indexOf(i) !== k);
  if (twice.length > 0)
    throw new SocklabError(
      'usage.invalid',
      `--merge: shard ${twice[0]}/${count} is given twice; give each once`,
    );
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !have.includes(i));
  if (missing.length > 0)
    throw new SocklabError(
      'usage.invalid',
      `--merge: shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing; grade ${missing.length > 1 ? 'them' : 'it'} with socklab grade DIR --shard ${missing[0]}/${count} --save FILE`,
    );
  const submissions = parts.flatMap((p) => p.result.submissions).sort((x, y) => x.name.localeCompare(y.name));
  const graded = submissions.map((s) => s.name);
  const lost = first.found.filter((n) => !graded.includes(n));
  if (lost.length > 0)
    throw new SocklabError(
      'usage.invalid',
      `--merge: ${lost.join(', ')} ${lost.length > 1 ? 'were' : 'was'} in the folder but in no shard's results (a shard stopped early?); grade that shard again`,
    );
  const r = first.result;
  const sum = (f: (g: GradeResult) => number): number => parts.reduce((n, p) => n + f(p.result), 0);
  return {
    assignment: first.assignment,
    result: {
      ...r,
      jobs: sum((g) => g.jobs),
      submissions,
      timings: {
        totalMs: Math.max(...parts.map((p) => p.result.timings.totalMs)),
        labStartMs: sum((g) => g.timings.labStartMs),
        labStarts: sum((g) => g.timings.labStarts),
        checksMs: sum((g) => g.timings.checksMs),
      },
    },
  };
}
