// `socklab gradescope` run the way Gradescope runs an autograder: its zip unpacked into
// /autograder/source of a Debian image and setup.sh run while the image is built (the package
// mirror reachable), then run_autograder per submission in a container with no network, no
// capability, no new privileges and Docker's default seccomp profile, as root and as nobody.
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fixture, textbook } from '../helpers/grading.ts';
import { ROOT, run } from '../support/programs.ts';

const exec = promisify(execFile);
const IMAGE = 'socklab-test-gradescope:latest';

interface Results {
  score: number;
  output?: string;
  tests?: { name: string; score: number; max_score: number; status: string; output: string }[];
}

/** The offline base: Debian with Node, what the lab image is built on (no registry here). */
async function baseImage(): Promise<string> {
  const { stdout } = await exec('bash', ['-c', `source ${ROOT}docker/base-packages.sh && base_image_tag`]);
  return stdout.trim();
}

/** One submission graded as Gradescope grades it; the results.json it leaves. */
async function grade(program: string | null, user?: string): Promise<Results> {
  const submission = mkdtempSync(join(tmpdir(), 'socklab-gs-sub-'));
  if (program) {
    mkdirSync(join(submission, 'src'));
    copyFileSync(program, join(submission, 'src', 'UDPServer.py'));
  }
  const results = mkdtempSync(join(tmpdir(), 'socklab-gs-res-'));
  chmodSync(results, 0o777);
  chmodSync(submission, 0o755);
  const r = await run(
    'docker',
    [
      'run',
      '--rm',
      '--init',
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      '--network',
      'none',
      ...(user ? ['--user', user] : []),
      '-v',
      `${submission}:/autograder/submission:ro`,
      '-v',
      `${results}:/autograder/results`,
      '--entrypoint',
      '/autograder/run_autograder',
      IMAGE,
    ],
    '',
    1_500_000,
  );
  expect(r.code, r.stderr).toBe(0);
  let log = '';
  try {
    log = readFileSync(join(results, 'socklab.log'), 'utf8');
  } catch {}
  const text = readFileSync(join(results, 'results.json'), 'utf8');
  return {
    ...(JSON.parse(text) as Results),
    output: (JSON.parse(text) as Results).output ?? log.slice(-2000),
  };
}

describe('socklab gradescope', () => {
  it('an autograder that sets up with the mirror and then grades with no network and no capability, as root or as nobody', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'socklab-gs-'));
    const made = await run(process.execPath, [
      `${ROOT}src/cli/socklab.ts`,
      'gradescope',
      'udp-echo',
      '-o',
      join(dir, 'autograder.zip'),
    ]);
    expect(made.code, made.stderr).toBe(0);
    // What Gradescope does with the zip while it builds the grading image.
    writeFileSync(
      join(dir, 'Dockerfile'),
      `ARG BASE_IMAGE
FROM \${BASE_IMAGE}
COPY autograder.zip /tmp/autograder.zip
RUN mkdir -p /autograder/source /autograder/results \\
    && python3 -m zipfile -e /tmp/autograder.zip /autograder/source \\
    && bash /autograder/source/setup.sh \\
    && cp /autograder/source/run_autograder /autograder/run_autograder && chmod +x /autograder/run_autograder
`,
    );
    const built = await run(
      'docker',
      ['build', '-q', '--build-arg', `BASE_IMAGE=${await baseImage()}`, '-t', IMAGE, dir],
      '',
      1_500_000,
    );
    expect(built.code, built.stderr).toBe(0);

    const [good, broken, none] = await Promise.all([
      grade(textbook('UDPServer.py')),
      grade(fixture('AsciiOnlyUDPServer.py'), '65534:65534'),
      grade(null),
    ]);
    // The textbook's server: every required test passes; the score is the tests' sum.
    const max = good.tests!.reduce((s, t) => s + t.max_score, 0);
    expect(good.score, good.output).toBe(max);
    expect(good.tests!.filter((t) => t.max_score > 0 && t.status !== 'passed')).toEqual([]);
    // One that upper-cases ASCII only: the echo test fails, and says what came back.
    const failed = broken.tests!.filter((t) => t.status === 'failed' && t.max_score > 0);
    expect(
      failed.map((t) => t.name),
      broken.output,
    ).toHaveLength(1);
    expect(failed[0]!.name).toMatch(/echo/i);
    expect(failed[0]!.output.length).toBeGreaterThan(20);
    expect(broken.score).toBe(max - failed[0]!.max_score);
    // Both graded in a copy of the warm guest that setup.sh saved, as root and as nobody.
    expect(good.output).toContain('a warm guest restored');
    expect(broken.output).toContain('a warm guest restored');
    // Nothing submitted: no score, and the file the student should submit.
    expect(none).toMatchObject({ score: 0 });
    expect(none.output).toContain('found no UDPServer.py in your submission');
  }, 3_000_000);
});
