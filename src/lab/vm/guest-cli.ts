// Which socklab the vm backend's guest runs. Under TCG every module costs: stripping a TypeScript
// file's types takes the emulated CPU about three times as long as loading its JavaScript (an app
// starts in 2.6 s from src, 1.0 s from dist; a whole check took 95 s vs 67 s). So the guest runs
// the package's built JavaScript whenever that build is current, even when this process runs from
// a clone's sources; a build older than any source would run yesterday's code, so then the sources.
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

/**
 * The CLI for a guest, given the package's root and the CLI this process runs: that one when it is
 * built JavaScript; else the build when it is at least as new as every source; else the sources.
 */
export function chooseGuestCli(root: string, self: string): string {
  if (self.endsWith('.js')) return self;
  const built = join(root, 'dist', 'cli', 'socklab.js');
  if (!existsSync(built)) return self;
  // tsc writes every file of a build, so any one of them dates it.
  return newest(join(root, 'src')) <= statSync(built).mtimeMs ? built : self;
}

/** The socklab CLI the guest runs. */
export function guestCli(): string {
  const self = fileURLToPath(new URL(`../../cli/socklab${extname(import.meta.url)}`, import.meta.url));
  return chooseGuestCli(PACKAGE_ROOT, self);
}
