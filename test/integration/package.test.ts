// socklab as another project sees it: the packed tarball installed under node_modules (where Node
// does not strip TypeScript), imported by name, starting a lab on the real engine.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, run } from '../support/programs.ts';

const exec = promisify(execFile);

describe('the package', () => {
  it('installed in another project, exports startLab and the experiments, and its CLI runs', async () => {
    const project = mkdtempSync(join(tmpdir(), 'socklab-consumer-'));
    const { stdout } = await exec('npm', ['pack', '--silent', '--pack-destination', project], { cwd: ROOT });
    const tarball = join(project, stdout.trim().split('\n').at(-1)!);
    const pkg = join(project, 'node_modules', 'socklab');
    mkdirSync(pkg, { recursive: true });
    await exec('tar', ['-xzf', tarball, '-C', pkg, '--strip-components=1']);
    // Its dependencies, as npm would have installed them beside it (no registry needed here).
    const deps = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).dependencies);
    for (const dep of deps) symlinkSync(join(ROOT, 'node_modules', dep), join(project, 'node_modules', dep));
    writeFileSync(join(project, 'package.json'), '{"type":"module"}');
    writeFileSync(
      join(project, 'suite.js'),
      `import { startLab, compare, allPassed, loadProfile } from 'socklab';
await using lab = await startLab({ ...loadProfile('lossy-wifi').model });
const r = await compare(lab, { count: 50 });
console.log(JSON.stringify({ project: lab.project, passed: allPassed(r.verdicts), tcpIntact: r.tcp.intact, udpSent: r.udp.sent }));
`,
    );
    const r = await run(process.execPath, [join(project, 'suite.js')], '', 300_000);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ passed: true, tcpIntact: true, udpSent: 50 });
    const help = await run(process.execPath, [join(pkg, 'bin', 'socklab.js'), '--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/check .*judge your own server or client against an\s+assignment/);
  });
});
