// The GitHub Actions workflows `socklab classroom` writes, run here the way a runner runs them: the
// YAML parsed by a YAML parser, each `run:` step in bash (-eo pipefail, as Actions does) in a
// checkout, with $GITHUB_STEP_SUMMARY a file. What the runner would fetch is stood in for: `npm
// install --global` by this checkout's CLI on PATH, `sudo` by running as we are (root), the
// artifacts by the files they would carry; `uses:` steps are GitHub's own and are skipped.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { netnsUnavailable } from '../../../src/lab/netns/netns-lab.ts';
import { fixture, textbook } from '../../helpers/grading.ts';
import { ROOT, run } from '../../support/programs.ts';

const unavailable = await netnsUnavailable();

interface Step {
  name?: string;
  run?: string;
  uses?: string;
}
interface Workflow {
  jobs: Record<string, { steps: Step[]; strategy?: { matrix: { shard: number[] } } }>;
}

/** What the runner would have installed: socklab (this checkout), npm that installs nothing, sudo. */
function shims(): string {
  const bin = mkdtempSync(join(tmpdir(), 'socklab-shims-'));
  const put = (name: string, body: string): void => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  put('socklab', `exec "${process.execPath}" "${ROOT}src/cli/socklab.ts" "$@"`);
  put('npm', 'echo "npm $* (socklab comes from the checkout under test)"');
  put('sudo', 'while [ "${1#-}" != "$1" ]; do shift; done; exec "$@"');
  return bin;
}

/** `socklab classroom ...` parsed as YAML (by PyYAML, not by us). */
async function workflow(args: string[]): Promise<Workflow> {
  const r = await run(process.execPath, [`${ROOT}src/cli/socklab.ts`, 'classroom', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(
    execFileSync('python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], {
      input: r.stdout,
    }).toString(),
  ) as Workflow;
}

/** A job's `run:` steps in order, as the runner runs them; stops at the first that fails. */
async function runJob(
  steps: Step[],
  cwd: string,
  env: Record<string, string>,
  matrix: Record<string, string> = {},
): Promise<{ code: number; failed?: string; output: string }> {
  let output = '';
  for (const step of steps) {
    if (!step.run) continue;
    const script = step.run.replace(/\$\{\{ matrix\.(\w+) \}\}/g, (_, k: string) => matrix[k]!);
    const r = await run(
      'bash',
      ['--noprofile', '--norc', '-eo', 'pipefail', '-c', `cd "${cwd}" && ${script}`],
      '',
      300_000,
      { ...process.env, ...env },
    );
    output += r.stdout + r.stderr;
    if (r.code !== 0) return { code: r.code ?? -1, failed: step.name ?? step.run, output };
  }
  return { code: 0, output };
}

describe.skipIf(unavailable !== null)(
  `socklab classroom's workflows, run as a runner runs them${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    const env = (summary: string) => ({
      PATH: `${shims()}:${process.env.PATH}`,
      GITHUB_STEP_SUMMARY: summary,
    });

    it("a student's repository: the textbook server passes, a broken one fails with the verdict that says why, a missing one is named", async () => {
      const w = await workflow(['udp-echo', '--backend', 'netns']);
      const steps = w.jobs.check!.steps;
      expect(steps.filter((s) => s.uses).map((s) => s.uses)).toEqual([
        'actions/checkout@v4',
        'actions/setup-node@v4',
        'actions/upload-artifact@v4',
      ]);
      const repo = (program?: string): { dir: string; summary: string } => {
        const dir = mkdtempSync(join(tmpdir(), 'socklab-student-'));
        if (program) {
          // In a folder and in another case: found as a student would commit it.
          mkdirSync(join(dir, 'lab1'));
          copyFileSync(program, join(dir, 'lab1', 'udpserver.py'));
        }
        return { dir, summary: join(dir, 'summary.md') };
      };
      const good = repo(textbook('UDPServer.py'));
      const ok = await runJob(steps, good.dir, env(good.summary));
      expect(ok.code, ok.output).toBe(0);
      const summary = readFileSync(good.summary, 'utf8');
      expect(summary).toMatch(/\*\*(\d+)\/\1\*\* — every required verdict passed/);
      expect(summary).not.toContain('| ❌ |');
      const junit = execFileSync('python3', [
        '-c',
        `import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = root.findall('testsuite/testcase')
print(len(cases), sum(1 for c in cases if c.find('failure') is not None))`,
        join(good.dir, 'socklab-junit.xml'),
      ])
        .toString()
        .trim();
      expect(junit).toMatch(/^\d+ 0$/);
      expect(readFileSync(join(good.dir, 'socklab-report.html'), 'utf8')).toContain('<html');

      const broken = repo(fixture('AsciiOnlyUDPServer.py'));
      const bad = await runJob(steps, broken.dir, env(broken.summary));
      expect(bad.code).toBe(1);
      expect(bad.failed).toBe('Check the server');
      const failed = readFileSync(broken.summary, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('| ❌ |'));
      expect(failed).toHaveLength(1);
      expect(readFileSync(broken.summary, 'utf8')).toContain('a required verdict failed');

      const none = repo();
      const missing = await runJob(steps, none.dir, env(none.summary));
      expect(missing.code).toBe(1);
      expect(readFileSync(none.summary, 'utf8')).toContain('no UDPServer.py in this repository');
    }, 300_000);

    it("a teacher's repository: two runners grade a shard each, and the merge gives the class's grades", async () => {
      const w = await workflow(['udp-echo', '--teacher', '--shards', '2', '--backend', 'netns']);
      expect(w.jobs.grade!.strategy!.matrix.shard).toEqual([1, 2]);
      const dir = mkdtempSync(join(tmpdir(), 'socklab-teacher-'));
      const put = (student: string, from: string): void => {
        mkdirSync(join(dir, 'submissions', student), { recursive: true });
        copyFileSync(from, join(dir, 'submissions', student, 'UDPServer.py'));
      };
      put('alice', textbook('UDPServer.py'));
      put('bob', fixture('AsciiOnlyUDPServer.py'));
      mkdirSync(join(dir, 'submissions', 'erin'));
      const summary = join(dir, 'summary.md');
      // Each runner checks out the repository on its own: here, the same folder, side by side.
      const shards = await Promise.all(
        ['1', '2'].map((shard) => runJob(w.jobs.grade!.steps, dir, env(summary), { shard })),
      );
      for (const s of shards) expect(s.code, s.output).toBe(0);
      const merged = await runJob(w.jobs.merge!.steps, dir, env(summary));
      expect(merged.code, merged.output).toBe(0);
      const csv = readFileSync(join(dir, 'grades.csv'), 'utf8').trim().split('\n');
      expect(csv.map((l) => l.split(',')[0])).toEqual(['submission', 'alice', 'bob', 'erin']);
      const [, alice, bob, erin] = csv.map((l) => l.split(','));
      expect(alice![1]).toBe(alice![2]);
      expect(Number(bob![1])).toBeLessThan(Number(bob![2]));
      expect(erin![1]).toBe('0');
      expect(readFileSync(summary, 'utf8')).toContain('alice');
      expect(readFileSync(join(dir, 'gradescope', 'alice', 'results.json'), 'utf8')).toContain('"score"');
    }, 300_000);
  },
);
