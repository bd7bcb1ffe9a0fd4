// Which socklab the vm backend's guest runs. Under TCG every module costs: stripping a TypeScript
// file's types takes the emulated CPU about three times as long as loading its JavaScript (an app
// starts in 2.6 s from src, 1.0 s from dist; a whole check 95 s vs 67 s). So the guest runs the
// package's built JavaScript whenever that build is current, even when this process runs from a
// clone's sources; a build older than any source would run yesterday's code, so then the sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from '../../common/data-files.ts';

/** The newest modification time of the files under `dir`, in ms (0 for none). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

/** The built CLI when it is at least as new as every source (no source changed since `npm run build`). */
function currentBuild(): string | null {
  const built = join(PACKAGE_ROOT, 'dist', 'cli', 'socklab.js');
  if (!existsSync(built)) return null;
  // tsc writes every file of a build, so one of them dates it.
  return newest(join(PACKAGE_ROOT, 'src')) <= statSync(built).mtimeMs ? built : null;
}

/** The socklab CLI the guest runs: this one when it is built JavaScript, else a current build, else the sources. */
export function guestCli(): string {
  const self = fileURLToPath(new URL(`../../cli/socklab${extname(import.meta.url)}`, import.meta.url));
  if (self.endsWith('.js')) return self;
  return currentBuild() ?? self;
}
