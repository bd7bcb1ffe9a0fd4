// Which Compose the orchestrator drives: the docker plugin when `docker compose version`
// answers, else a standalone docker-compose on PATH, else one line naming both. Stand-in
// executables on a PATH of their own; each case in a fresh process (detection is cached).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, run } from '../../support/programs.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A directory holding shell scripts named after `programs`, each exiting with its code. */
function pathWith(programs: Record<string, number>): string {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-path-'));
  dirs.push(dir);
  for (const [name, code] of Object.entries(programs)) {
    writeFileSync(join(dir, name), `#!/bin/sh\nexit ${code}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

async function detect(path: string): Promise<{ code: number | null; out: string }> {
  const script = `import('${ROOT}src/lab/docker/compose-cli.ts').then((m) => m.detectCompose()).then(
    (c) => console.log(JSON.stringify(c)),
    (e) => { console.log(e.message); process.exitCode = 1; })`;
  const r = await run(process.execPath, ['-e', script], '', 30_000, { ...process.env, PATH: path });
  return { code: r.code, out: r.stdout.trim() };
}

describe('detectCompose', () => {
  it('uses the docker plugin when `docker compose version` answers', async () => {
    const r = await detect(pathWith({ docker: 0, 'docker-compose': 0 }));
    expect(JSON.parse(r.out)).toEqual({ argv: ['docker', 'compose'], standalone: false });
  });

  it('falls back to a standalone docker-compose on PATH, without running it', async () => {
    // It would fail if run: detection only looks it up.
    const r = await detect(pathWith({ docker: 1, 'docker-compose': 3 }));
    expect(JSON.parse(r.out)).toEqual({ argv: ['docker-compose'], standalone: true });
  });

  it('names both and how to install one when neither is there', async () => {
    const r = await detect(pathWith({ docker: 1 }));
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      'neither `docker compose` (v2) nor `docker-compose` (v1) works here; install Docker Compose (Debian: apt-get install docker-compose)',
    );
  });
});
