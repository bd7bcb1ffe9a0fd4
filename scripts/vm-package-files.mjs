// The folders of socklab's package that a warm vm guest needs in its root image (see vm.sh
// --warm-prepare): the package's own (built code, sources, lab files, scripts, the native plane)
// and each production dependency's folder, found as Node finds it (beside the package, or hoisted
// into a parent node_modules when socklab is itself a dependency). Plain JavaScript: Node strips no
// types under node_modules. Prints one absolute path per line.
//   usage: node scripts/vm-package-files.mjs PACKAGE_ROOT
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = process.argv[2];
const out = new Set();
for (const f of ['package.json', 'bin', 'dist', 'src', 'lab', 'scripts', 'native', 'compose.yaml']) {
  if (existsSync(join(root, f))) out.add(join(root, f));
}

/** The folder of `name` as seen from the package at `from`, or null where it is not installed. */
function folderOf(name, from) {
  const require = createRequire(join(from, 'package.json'));
  for (const dir of require.resolve.paths(name) ?? []) {
    if (existsSync(join(dir, name, 'package.json'))) return join(dir, name);
  }
  return null;
}

const seen = new Set();
const todo = [root];
while (todo.length > 0) {
  const from = todo.pop();
  const pkg = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8'));
  for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
    const dir = folderOf(name, from);
    if (!dir || seen.has(dir)) continue;
    seen.add(dir);
    out.add(dir);
    todo.push(dir);
  }
}
process.stdout.write(`${[...out].sort().join('\n')}\n`);
