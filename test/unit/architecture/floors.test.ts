// The floors of the code, as a rule that fails: each part imports only from its own floor and the
// ones below (common < apps, link < lab < experiments < grading < report < ui < cli). The programs
// on the hosts and linkd run in the lab image, which has no node_modules: apps/, link/ and common/
// import only Node's built-ins and each other as allowed. Nothing outside link/ reaches into the
// relay's insides, and grading never imports report/ (reports read results, not the other way).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/common/data-files.ts';

const SRC = join(PACKAGE_ROOT, 'src');
const FLOORS: Record<string, number> = {
  common: 0,
  apps: 1,
  link: 1,
  lab: 2,
  experiments: 3,
  grading: 4,
  report: 5,
  ui: 6,
  cli: 7,
  'index.ts': 8,
};
/** Parts that run without node_modules (in the lab image, in a namespace, in a VM guest). */
const NO_PACKAGES = ['common', 'apps', 'link'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

interface Edge {
  from: string;
  /** A path under src/ for the project's own files; a package's or built-in's name otherwise. */
  to: string;
  own: boolean;
}

/** Every import of every source file: static, type-only and dynamic ones. */
function imports(): Edge[] {
  const edges: Edge[] = [];
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'([^']+)'/g)) {
      const spec = m[1]!;
      const own = spec.startsWith('.');
      edges.push({
        from: relative(SRC, file),
        to: own ? relative(SRC, resolve(dirname(file), spec)) : spec,
        own,
      });
    }
  }
  return edges;
}

const part = (path: string): string => path.split('/')[0]!;
const EDGES = imports();

describe('the floors', () => {
  it('finds the sources and their imports', () => {
    expect(EDGES.length).toBeGreaterThan(500);
    expect(new Set(EDGES.map((e) => part(e.from)))).toEqual(new Set(Object.keys(FLOORS)));
    expect(EDGES.filter((e) => e.own).every((e) => part(e.to) in FLOORS)).toBe(true);
  });

  it('import only from their own floor and the ones below', () => {
    const up = EDGES.filter((e) => e.own && FLOORS[part(e.to)]! > FLOORS[part(e.from)]!).map(
      (e) => `${e.from} → ${e.to}`,
    );
    expect(up).toEqual([]);
  });

  it('apps/ and link/ do not import each other', () => {
    const across = EDGES.filter(
      (e) => e.own && ['apps', 'link'].includes(part(e.from)) && ['apps', 'link'].includes(part(e.to)),
    )
      .filter((e) => part(e.from) !== part(e.to))
      .map((e) => `${e.from} → ${e.to}`);
    expect(across).toEqual([]);
  });

  it('common/, apps/ and link/ import no package, only node: built-ins', () => {
    const packages = EDGES.filter((e) => NO_PACKAGES.includes(part(e.from)))
      .filter((e) => !e.own && !e.to.startsWith('node:'))
      .map((e) => `${e.from} → ${e.to}`);
    expect(packages).toEqual([]);
  });

  it('nothing outside link/ imports link/relay/', () => {
    const inside = EDGES.filter(
      (e) => e.own && part(e.from) !== 'link' && e.to.startsWith('link/relay/'),
    ).map((e) => `${e.from} → ${e.to}`);
    expect(inside).toEqual([]);
  });

  it('grading/ never imports report/', () => {
    const reads = EDGES.filter((e) => e.own && part(e.from) === 'grading' && part(e.to) === 'report').map(
      (e) => `${e.from} → ${e.to}`,
    );
    expect(reads).toEqual([]);
  });
});
