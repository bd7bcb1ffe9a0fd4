// The project's data files in lab/: profiles, scenarios, assignments, each a folder of files with
// one extension, named by their file names.
import { readdirSync } from 'node:fs';

/** The names of the files in `dir` that end in `ext` (without it), sorted; none when it is missing. */
export function namesIn(dir: string, ext: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith(ext))
      .map((f) => f.slice(0, -ext.length))
      .sort();
  } catch {
    return [];
  }
}
