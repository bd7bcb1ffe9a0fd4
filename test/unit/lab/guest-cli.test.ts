// The vm backend's guest runs the built JavaScript only while it is as new as the sources: a build
// older than any source would grade with yesterday's code.
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseGuestCli } from '../../../src/lab/vm/guest-cli.ts';

/** A package with one source and, when `builtAt` is given, its build dated then (seconds). */
function pkg(sourceAt: number, builtAt?: number): string {
  const root = mkdtempSync(join(tmpdir(), 'socklab-guest-cli-'));
  mkdirSync(join(root, 'src', 'cli'), { recursive: true });
  const source = join(root, 'src', 'cli', 'socklab.ts');
  writeFileSync(source, '');
  utimesSync(source, sourceAt, sourceAt);
  if (builtAt !== undefined) {
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    const built = join(root, 'dist', 'cli', 'socklab.js');
    writeFileSync(built, '');
    utimesSync(built, builtAt, builtAt);
  }
  return root;
}

describe('the CLI a vm guest runs', () => {
  it('is the build when it is at least as new as every source', () => {
    const root = pkg(1_000, 2_000);
    expect(chooseGuestCli(root, join(root, 'src/cli/socklab.ts'))).toBe(join(root, 'dist/cli/socklab.js'));
  });

  it('is the sources when one changed after the build, or there is no build', () => {
    const stale = pkg(3_000, 2_000);
    expect(chooseGuestCli(stale, join(stale, 'src/cli/socklab.ts'))).toBe(join(stale, 'src/cli/socklab.ts'));
    const none = pkg(1_000);
    expect(chooseGuestCli(none, join(none, 'src/cli/socklab.ts'))).toBe(join(none, 'src/cli/socklab.ts'));
  });

  it('is this process’s own CLI when that is already JavaScript', () => {
    const root = pkg(3_000, 2_000);
    expect(chooseGuestCli(root, join(root, 'dist/cli/socklab.js'))).toBe(join(root, 'dist/cli/socklab.js'));
  });
});
