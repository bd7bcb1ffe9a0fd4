// socklab grade on a class folder mixing the textbook's programs, buggy ones, a program that
// attacks the lab, a fork bomb, one that leaves a daemon and a file behind, and submissions that
// cannot be run: full marks exactly to the correct ones, files their consumers parse, the same
// files again on a second run, and nothing of one submission reaching the next on a reused lab.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../../src/grading/check.ts';
import { netnsUnavailable } from '../../../src/lab/netns/netns-lab.ts';
import { type StartedLab, startLab } from '../../../src/lab/start-lab.ts';
import { fixture, textbook } from '../../helpers/grading.ts';
import { ROOT, run } from '../../support/programs.ts';

const unavailable = await netnsUnavailable();

/** The class: each submission a folder (or a file), named as a student's would be. */
function makeClass(): string {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-class-'));
  const put = (student: string, from: string, as?: string): void => {
    mkdirSync(join(dir, student), { recursive: true });
    copyFileSync(from, join(dir, student, as ?? from.replace(/^.*\//, '')));
  };
  put('alice', textbook('UDPServer.py'));
  put('bob', fixture('AsciiOnlyUDPServer.py'), 'UDPServer.py');
  put('carol', fixture('HostileUDPServer.py'), 'UDPServer.py');
  put('dave', fixture('udp-echo-server.js'));
  put('dave', fixture('AsciiUpperUDPServer.py'));
  mkdirSync(join(dir, 'erin'));
  writeFileSync(join(dir, 'erin', 'README.txt'), 'I forgot to hand in my program\n');
  put('frank', fixture('ForkBomb.py'), 'server.py');
  put('grace', fixture('udp_echo.c'));
  put('heidi', fixture('LeaveBehindUDPServer.py'));
  put('ivan/lab1', textbook('UDPServer.py'));
  copyFileSync(fixture('echo-server-shebang'), join(dir, 'judy'));
  chmodSync(join(dir, 'judy'), 0o755);
  // C with toupper(): right under the assignment's default uppercase rule.
  put('kim', fixture('c/udp_echo_server.c'));
  return dir;
}

const FULL_MARKS = ['alice', 'carol', 'grace', 'heidi', 'ivan', 'judy', 'kim'];

/** The same file but for what is measured: durations and the JUnit `time` attributes. */
const unmeasured = (text: string): string =>
  text
    .replace(/ time="[\d.]+"/g, ' time="-"')
    .replace(/"(\w*Ms|durationMs)": \d+/g, '"$1": -')
    .replace(/"measured": \{[^}]*\}/g, '"measured": {}');

describe.skipIf(unavailable !== null)(
  `socklab grade${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    const classDir = makeClass();
    /** The reports the runs are compared by: JSON on stdout, CSV, JUnit, Gradescope's. */
    const reports = (dest: string): string[] => [
      '--json',
      '--csv',
      join(dest, 'grades.csv'),
      '--junit',
      join(dest, 'grades.xml'),
      '--gradescope',
      join(dest, 'gradescope'),
    ];
    const gradeClass = (jobs: string): string[] => [
      'grade',
      classDir,
      '--assignment',
      'udp-echo',
      '--backend',
      'netns',
      '--jobs',
      jobs,
    ];
    const out = (n: number) => mkdtempSync(join(tmpdir(), `socklab-grade-${n}-`));
    const grade = async (dest: string) => {
      const r = await run(
        process.execPath,
        [
          `${ROOT}src/cli/socklab.ts`,
          ...gradeClass('2'),
          ...reports(dest),
          '--html',
          join(dest, 'class.html'),
        ],
        '',
        600_000,
      );
      writeFileSync(join(dest, 'grades.json'), r.stdout);
      return r;
    };
    let first: string;
    let firstRun: Awaited<ReturnType<typeof grade>>;

    beforeAll(async () => {
      first = out(1);
      firstRun = await grade(first);
    }, 600_000);

    it('gives full marks exactly to the correct programs, and says why each other one lost its points', () => {
      expect(firstRun.code, firstRun.stderr).toBe(0);
      const json = JSON.parse(firstRun.stdout);
      const full = json.submissions
        .filter((s: { score: number; maxScore: number }) => s.score === s.maxScore)
        .map((s: { name: string }) => s.name);
      expect(full).toEqual(FULL_MARKS);
      const by = Object.fromEntries(json.submissions.map((s: { name: string }) => [s.name, s]));
      expect(
        by.bob.verdicts
          .filter((v: { status: string }) => v.status === 'fail')
          .map((v: { id: string }) => v.id),
      ).toEqual(['echoes']);
      expect(by.dave.problem).toMatch(
        /^2 programs and none named UDPServer\.py: AsciiUpperUDPServer\.py, udp-echo-server\.js/,
      );
      expect(by.erin.problem).toMatch(/^no program found/);
      expect(by.frank.verdicts[0]).toMatchObject({ id: 'starts', status: 'fail' });
      expect(by.ivan.program).toBe('lab1/UDPServer.py');
      // Every seed is in the report; the same name always gives the same seed.
      expect(new Set(json.submissions.map((s: { seed: number }) => s.seed)).size).toBe(
        json.submissions.length,
      );
      expect(firstRun.stderr).toMatch(/grading with 2 labs at once \(--jobs\), backend netns/);
    });

    it('writes CSV that a CSV reader parses, JUnit XML that an XML parser reads as JUnit, and Gradescope results', () => {
      const csv = execFileSync('python3', [
        '-c',
        'import csv, json, sys; print(json.dumps(list(csv.DictReader(open(sys.argv[1])))))',
        join(first, 'grades.csv'),
      ]).toString();
      const rows = JSON.parse(csv);
      expect(rows.map((r: { submission: string }) => r.submission)).toEqual([
        'alice',
        'bob',
        'carol',
        'dave',
        'erin',
        'frank',
        'grace',
        'heidi',
        'ivan',
        'judy',
        'kim',
      ]);
      expect(rows[1]).toMatchObject({
        submission: 'bob',
        score: '60',
        max: '100',
        passed: 'no',
        echoes: '0',
        starts: '10',
      });
      const junit = execFileSync('python3', [
        '-c',
        `import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == 'testsuites'
out = {}
for s in root.findall('testsuite'):
    cases = s.findall('testcase')
    assert int(s.get('tests')) == len(cases)
    assert int(s.get('failures')) == sum(1 for c in cases if c.find('failure') is not None)
    out[s.get('name')] = [c.get('name').split(':')[0] for c in cases if c.find('failure') is not None]
print(json.dumps(out))`,
        join(first, 'grades.xml'),
      ]).toString();
      const failures = JSON.parse(junit);
      expect(failures.alice).toEqual([]);
      expect(failures.bob).toEqual(['echoes']);
      expect(failures.erin).toEqual(['program']);
      expect(readdirSync(join(first, 'gradescope')).sort()).toEqual(
        rows.map((r: { submission: string }) => r.submission),
      );
      for (const name of readdirSync(join(first, 'gradescope'))) {
        const g = JSON.parse(readFileSync(join(first, 'gradescope', name, 'results.json'), 'utf8'));
        expect(typeof g.score).toBe('number');
        for (const t of g.tests)
          expect(Object.keys(t).sort()).toEqual([
            'max_score',
            'name',
            'output',
            'score',
            'status',
            'visibility',
          ]);
        expect(g.score).toBe(g.tests.reduce((s: number, t: { score: number }) => s + t.score, 0));
      }
      const page = readFileSync(join(first, 'class.html'), 'utf8');
      expect(page).toContain('aria-label="Score distribution"');
      expect(page).toContain('<title>Submissions that failed each verdict</title>');
    });

    it('grading again gives the same files, but for the measured times', async () => {
      const second = out(2);
      const again = await grade(second);
      expect(again.code, again.stderr).toBe(0);
      for (const f of [
        'grades.csv',
        'grades.xml',
        'grades.json',
        'gradescope/bob/results.json',
        'gradescope/carol/results.json',
        'gradescope/frank/results.json',
      ])
        expect(unmeasured(readFileSync(join(second, f), 'utf8')), f).toBe(
          unmeasured(readFileSync(join(first, f), 'utf8')),
        );
    }, 600_000);

    it('three shards, graded side by side as a matrix of runners would, merge into the files of one run', async () => {
      const dest = out(3);
      const socklab = (args: string[]) =>
        run(process.execPath, [`${ROOT}src/cli/socklab.ts`, ...args], '', 600_000);
      const shards = await Promise.all(
        [1, 2, 3].map((i) =>
          socklab([...gradeClass('1'), '--shard', `${i}/3`, '--save', join(dest, `shard${i}.json`)]),
        ),
      );
      for (const [i, r] of shards.entries()) {
        expect(r.code, r.stderr).toBe(0);
        // 11 entries, round robin: 4, 4 and 3.
        expect(r.stderr).toContain(`shard ${i + 1}/3: ${[4, 4, 3][i]} of 11 submissions`);
      }
      const merge = (files: string[], more: string[] = []) =>
        socklab(['grade', '--merge', ...files.map((f) => join(dest, f)), ...more]);
      const merged = await merge(['shard2.json', 'shard1.json', 'shard3.json'], reports(dest));
      expect(merged.code, merged.stderr).toBe(0);
      writeFileSync(join(dest, 'grades.json'), merged.stdout);
      expect(readdirSync(join(dest, 'gradescope')).sort()).toEqual(
        readdirSync(join(first, 'gradescope')).sort(),
      );
      for (const f of [
        'grades.csv',
        'grades.xml',
        'grades.json',
        ...readdirSync(join(first, 'gradescope')).map((n) => `gradescope/${n}/results.json`),
      ])
        expect(unmeasured(readFileSync(join(dest, f), 'utf8')), f).toBe(
          unmeasured(readFileSync(join(first, f), 'utf8')),
        );
      // A shard missing, or given twice: one line that says which, and how to grade it.
      const missing = await merge(['shard1.json', 'shard3.json']);
      expect(missing.code).toBe(2);
      expect(missing.stderr.trim()).toBe(
        `socklab: --merge: shard 2/3 missing; grade it with socklab grade DIR --shard 2/3 --save FILE`,
      );
      const twice = await merge(['shard1.json', 'shard1.json', 'shard3.json']);
      expect(twice.stderr).toContain('shard 1/3 is given twice');
    }, 600_000);
  },
);

describe.skipIf(unavailable !== null)('a lab reused between submissions', () => {
  let lab: StartedLab;
  beforeAll(async () => {
    lab = await startLab({ backend: 'netns' });
  });
  afterAll(async () => {
    await lab?.down();
  });

  it('a submission that leaves a daemon and a file behind does not affect the next one', async () => {
    const first = await runCheck({
      assignment: 'udp-echo',
      role: 'server',
      file: fixture('LeaveBehindUDPServer.py'),
      lab,
    });
    expect(first.passed).toBe(true);
    // Its file and its daemon are gone: nothing but root's processes in the server host (those in
    // its network namespace: on this backend `ps` would list the whole machine's).
    expect(existsSync('/tmp/socklab-left-behind')).toBe(false);
    const users = await lab.server.exec([
      'sh',
      '-c',
      'me=$(readlink /proc/self/ns/net); for p in /proc/[0-9]*; do [ "$(readlink $p/ns/net 2>/dev/null)" = "$me" ] && stat -c %u $p; done | sort -un',
    ]);
    expect(
      users.stdout
        .trim()
        .split(/\s+/)
        .map(Number)
        .filter((u) => u >= 20_000 && u < 60_000),
    ).toEqual([]);
    const next = await runCheck({
      assignment: 'udp-echo',
      role: 'server',
      file: textbook('UDPServer.py'),
      lab,
    });
    expect(next.verdicts.filter((v) => v.status !== 'pass').map((v) => v.id)).toEqual(['non-utf8']);
    expect(next.score).toBe(next.maxScore);
  }, 120_000);
});
