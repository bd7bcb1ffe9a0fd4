// The README's table of verdicts stays true: every verdict of the registry is in it, with its
// default points, and it names no verdict the registry does not have.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/common/data-files.ts';
import { VERDICTS } from '../../../src/grading/verdicts/registry.ts';

it('README lists every verdict with its default points, and no other', () => {
  const readme = readFileSync(`${PACKAGE_ROOT}README.md`, 'utf8');
  const rows = [...readme.matchAll(/^\| `([\w-]+)` \| (\d+) \| /gm)].map((m) => [m[1], Number(m[2])]);
  expect(rows).toEqual(VERDICTS.map((v) => [v.id, v.points]));
});
