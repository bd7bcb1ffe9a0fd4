// The project's data files in lab/: profiles, scenarios, assignments, each a folder of files with
// one extension, named by their file names; and where the package lies, found once, here (src/ and
// dist/ both sit one floor below the root, so the same relative URL works built or not).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root folder (package.json, compose.yaml, lab/), with a trailing slash. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** This socklab's version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;
}

/** A folder of the package's data under lab/ (`profiles`, `assignments`), with a trailing slash. */
export const labDir = (name: string): string => `${join(PACKAGE_ROOT, 'lab', name)}/`;

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
