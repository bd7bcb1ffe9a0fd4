// Clients' own paths in words, one per line or separated by ';': `client2: loss 30%` (both
// directions), `client3 up: delay 250ms`, `client3 down: rate 1mbit`. The same words in a
// profile's lines, linkd's --paths and Compose's LAB_PATHS; formatClientPaths (impairment-text.ts)
// writes them.
import { ImpairmentError } from './impairment-error.ts';
import { clientNameProblem, type PathInput } from './impairment-text.ts';

/** `client2`, `client2 up` or `client2 down`, and what follows the colon. */
const LINE = /^([^\s:]+)(?:\s+(up|down))?\s*:\s*(.*)$/;

/** Whether a profile line's key names a client's path (`client2`, `client2 up`). */
export const isClientKey = (key: string): boolean => /^client\w*(\s+(up|down))?$/.test(key.trim());

/** Adds one `NAME[ up|down]: SPEC` to `into`; a problem (not a line of this form) is returned. */
export function addClientPath(into: Record<string, PathInput>, line: string): string | null {
  const m = LINE.exec(line.trim());
  if (!m)
    return `'${line.trim()}' is not a client's path: write NAME: SPEC, NAME up: SPEC or NAME down: SPEC; e.g. client2: loss 30%`;
  const bad = clientNameProblem(m[1]!);
  if (bad) return bad;
  into[m[1]!] ??= {};
  const path = into[m[1]!]!;
  path[(m[2] as 'up' | 'down' | undefined) ?? 'impair'] = m[3]!;
  return null;
}

/** Every path in `text` (lines or `;`-separated), each problem reported at once. */
export function parseClientPaths(text: string): Record<string, PathInput> {
  const out: Record<string, PathInput> = {};
  const problems = text
    .split(/[;\n]/)
    .filter((l) => l.trim() !== '')
    .map((l) => addClientPath(out, l))
    .filter((p): p is string => p !== null);
  if (problems.length > 0) throw new ImpairmentError(problems);
  return out;
}
