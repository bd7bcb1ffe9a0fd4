// A class's submissions in a folder: every subfolder is one (named after it), and so is a single
// program directly in the folder (named after the file). The program in a subfolder is the file
// the assignment names (any case), else the one program there: .py, .js/.mjs/.cjs/.ts/.mts, .c,
// or an executable with a #! line or ELF header. None or several is that submission's problem,
// said in one line, never an error of the batch.
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { SocklabError } from '../common/errors.ts';
import { programKind } from './sandbox.ts';

export interface Submission {
  name: string;
  /** The program to check, or null with the reason. */
  file: string | null;
  problem: string | null;
  /** Not a submission at all (a hidden entry, a link, a stray file): listed with why, never graded. */
  skipped?: true;
}

const SKIP = new Set(['__pycache__', 'node_modules', '.git', '.venv', 'venv', '__MACOSX']);
const PROGRAM_EXT = /\.(py|js|mjs|cjs|ts|mts|c)$/i;

function head(path: string): Buffer {
  const b = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, b, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  return b;
}

/**
 * Program files under `dir`, two levels deep (a submission is often a folder inside a folder).
 * Symbolic links are never followed (one could point anywhere, /etc/shadow say): they are listed
 * apart, so that a submission whose program is a link is told so.
 */
function programsIn(dir: string, depth = 0, links: string[] = []): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name.startsWith('.') || SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) links.push(path);
    else if (entry.isDirectory()) {
      if (depth < 1) out.push(...programsIn(path, depth + 1, links));
    } else if (entry.isFile() && isProgram(entry.name, path)) out.push(path);
  }
  return out;
}

const isProgram = (name: string, path: string): boolean =>
  PROGRAM_EXT.test(name) ||
  ((statSync(path).mode & 0o111) !== 0 && !('error' in programKind(name, head(path))));

export function findProgram(
  dir: string,
  wanted: string | null,
): { file: string | null; problem: string | null } {
  const links: string[] = [];
  const found = programsIn(dir, 0, links);
  if (wanted) {
    const named = found.filter((f) => basename(f).toLowerCase() === wanted.toLowerCase());
    if (named.length === 1) return { file: named[0]!, problem: null };
  }
  if (found.length === 1) return { file: found[0]!, problem: null };
  const list = found.map((f) => relative(dir, f)).join(', ');
  const linked = links.length
    ? `; ${links.map((l) => relative(dir, l)).join(', ')} ${links.length === 1 ? 'is a symbolic link' : 'are symbolic links'}, which socklab does not follow: hand in the file itself`
    : '';
  if (found.length === 0)
    return {
      file: null,
      problem: `no program found: expected ${wanted ?? 'one program'} (.py, .js, .ts, .c, or an executable with a #! line)${linked}`,
    };
  return {
    file: null,
    problem: `${found.length} programs and none named ${wanted ?? 'as the assignment says'}: ${list}; leave one, or name it ${wanted ?? 'as the assignment says'}`,
  };
}

export function findSubmissions(dir: string, wanted: string | null): Submission[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    throw new SocklabError(
      'file.not-found',
      `cannot read the submissions folder ${dir} (${(err as NodeJS.ErrnoException).code}); give a folder with one subfolder per student`,
    );
  }
  // Every entry gets a row: a skipped one says why, so that nothing handed in goes unmentioned.
  const subs: Submission[] = [];
  const skip = (name: string, why: string): void => {
    subs.push({ name, file: null, problem: `skipped: ${why}`, skipped: true });
  };
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, e.name);
    if (e.isSymbolicLink())
      skip(
        e.name,
        'a symbolic link, which socklab does not follow (it could point anywhere); put the submission itself in the folder',
      );
    else if (e.name.startsWith('.'))
      skip(e.name, 'its name starts with a dot (hidden); rename it if it is a submission');
    else if (SKIP.has(e.name)) skip(e.name, 'a folder that tools and archives make, not a submission');
    else if (e.isDirectory()) subs.push({ name: e.name, ...findProgram(path, wanted) });
    else if (e.isFile() && isProgram(e.name, path)) subs.push({ name: e.name, file: path, problem: null });
    else skip(e.name, 'not a program nor a folder');
  }
  if (subs.every((s) => s.skipped))
    throw new SocklabError(
      'file.not-found',
      `no submissions in ${dir}: expected one subfolder per student (or program files); e.g. submissions/alice/UDPServer.py`,
    );
  return subs;
}

/** A submission's seed: from the assignment's and the submission's name (FNV-1a), so grading again replays it. */
export function submissionSeed(assignmentSeed: number, name: string): number {
  let h = 0x811c9dc5 ^ assignmentSeed;
  for (const ch of Buffer.from(name, 'utf8')) {
    h ^= ch;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
