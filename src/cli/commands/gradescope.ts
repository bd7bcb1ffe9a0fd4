// socklab gradescope: a Gradescope autograder zip for an assignment. It carries socklab itself (the
// package as npm packs it) and the dependencies the CLI's check needs, so that Gradescope's set-up
// needs only Debian's package mirror; grading then runs in the vm backend's guest.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Command, Option } from 'commander';
import { PACKAGE_ROOT, packageVersion } from '../../common/data-files.ts';
import { SocklabError } from '../../common/errors.ts';
import { assignmentNames } from '../../grading/assignment.ts';
import { autograderFiles } from '../../report/gradescope-autograder.ts';
import { type ZipEntry, zipArchive } from '../../report/zip-file.ts';
import { writeFlagFile } from '../report-output.ts';
import { studentProgram } from '../student-program.ts';

/** What the CLI's check imports (Docker's clients are loaded only for the Docker backend). */
const SHIPPED_DEPS = ['commander', 'yaml'];

/** Every file under `dir`, as zip entries under `prefix`. */
function filesUnder(dir: string, prefix: string): ZipEntry[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .sort()
    .flatMap((rel) => {
      const p = join(dir, rel);
      const st = statSync(p);
      return st.isFile() ? [{ path: `${prefix}/${rel}`, data: readFileSync(p), mode: st.mode & 0o777 }] : [];
    });
}

/** The folder of package `name` that holds `entry` (its package.json's; not every package exports that file). */
function packageDir(entry: string, name: string): string {
  for (let d = dirname(entry); d !== dirname(d); d = dirname(d)) {
    if (existsSync(join(d, 'package.json')) && d.endsWith(`node_modules/${name}`)) return d;
  }
  throw new SocklabError(
    'program.failed',
    `cannot find the folder of ${name} (from ${entry}); reinstall socklab`,
  );
}

/** socklab as npm packs it (the files package.json lists), without running its build. */
function packedSocklab(): Buffer {
  const dest = mkdtempSync(join(tmpdir(), 'socklab-pack-'));
  try {
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dest], {
      cwd: PACKAGE_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return readFileSync(join(dest, out.toString().trim().split('\n').at(-1)!));
  } catch (err) {
    throw new SocklabError(
      'program.failed',
      `npm pack of socklab failed (${(err as Error).message.split('\n')[0]}); the autograder zip carries socklab as npm packs it: install npm`,
    );
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
}

export function registerGradescope(program: Command): void {
  program
    .command('gradescope')
    .description(
      "write a Gradescope autograder (a zip) that judges each submission in the vm backend's guest",
    )
    .argument('<assignment>', `${assignmentNames().join(', ')}, or a .yaml file`)
    .addOption(
      new Option('--role <role>', 'server or client (default: the assignment’s server)').choices([
        'server',
        'client',
      ]),
    )
    .option('--program <file>', "the file students submit (default: the assignment's program name)")
    .option('-o, --output <file>', 'the zip to write', 'autograder.zip')
    .action((ref: string, o) => {
      const { assignment, role, program: file } = studentProgram(ref, o, 'the autograder');
      // An assignment of the course's own goes in the zip; a built-in one is socklab's.
      const own = assignmentNames().includes(ref) ? null : ref;
      const opts = {
        assignmentRef: own ? '/autograder/source/assignment.yaml' : ref,
        role,
        program: file,
        version: packageVersion(),
        shippedDeps: SHIPPED_DEPS,
      };
      const require = createRequire(import.meta.url);
      const entries: ZipEntry[] = [
        ...autograderFiles(opts),
        ...(own ? [{ path: 'assignment.yaml', data: readFileSync(own) }] : []),
        { path: 'socklab.tgz', data: packedSocklab() },
        ...SHIPPED_DEPS.flatMap((dep) =>
          filesUnder(packageDir(require.resolve(dep), dep), `node_modules/${dep}`),
        ),
      ];
      writeFlagFile(o.output, '--output', zipArchive(entries));
      process.stdout.write(
        `wrote ${o.output}: Gradescope's autograder for ${assignment.name} (${role} ${file}), ${entries.length} files; upload it as the assignment's autograder\n`,
      );
    });
}
