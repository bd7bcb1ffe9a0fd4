// bench:grade — how fast a class is graded: the same batch with 1, 2 and 4 labs at once (each
// worker reusing its lab), and with a fresh lab per submission, in one run. Submissions per
// minute, peak memory the batch takes (the machine's available memory, sampled), and the share
// of the workers' time spent starting labs. With --backend vm: one check in a guest of its own
// (the warm guest restored, its start included), then the class in one guest with 1 and 2 labs
// at once inside it.
//   npm run bench:grade [-- --backend netns|docker|vm] [-- --submissions 8] [-- --jobs N]
// (--jobs N: that many labs at once only, each reused: a whole class, 100, in one configuration)
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../src/common/data-files.ts';
import { runGrade } from '../src/grading/grade.ts';
import { checkInVm, gradeInVm } from '../src/grading/vm-grading.ts';
import type { Backend, GradingBackend } from '../src/lab/started-lab.ts';
import { formatTable } from '../src/report/table.ts';

const ROOT = PACKAGE_ROOT;
const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'docker' },
    submissions: { type: 'string', default: '8' },
    jobs: { type: 'string' },
  },
});
const backend = values.backend as GradingBackend;
const n = Number(values.submissions);

// A class of udp-echo servers: the textbook's, buggy ones, one in C, one in JavaScript.
const programs = [
  ['lab/textbook/UDPServer.py', 'UDPServer.py'],
  ['test/fixtures/grading/AsciiOnlyUDPServer.py', 'UDPServer.py'],
  ['test/fixtures/grading/udp_echo.c', 'udp_echo.c'],
  ['test/fixtures/grading/udp-echo-server.js', 'server.js'],
  ['test/fixtures/grading/CrashOnEmptyUDPServer.py', 'UDPServer.py'],
  ['test/fixtures/grading/PreviousClientUDPServer.py', 'UDPServer.py'],
];
const dir = mkdtempSync(join(tmpdir(), 'socklab-bench-class-'));
for (let i = 0; i < n; i++) {
  const [from, as] = programs[i % programs.length]!;
  mkdirSync(join(dir, `student${String(i + 1).padStart(2, '0')}`));
  copyFileSync(join(ROOT, from!), join(dir, `student${String(i + 1).padStart(2, '0')}`, as!));
}

const available = (): number =>
  Number(/MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) * 1024;

async function measure(jobs: number, reuseLabs: boolean) {
  const base = available();
  let low = base;
  const sampler = setInterval(() => {
    low = Math.min(low, available());
  }, 200);
  const t0 = performance.now();
  const g =
    backend === 'vm'
      ? (await gradeInVm({ dir, assignment: 'udp-echo', jobs })).result
      : await runGrade({ dir, assignment: 'udp-echo', jobs, backend: backend as Backend, reuseLabs });
  const ms = performance.now() - t0;
  clearInterval(sampler);
  // Fresh labs are started inside each check: its own lab time is in its timings.
  const labMs = reuseLabs
    ? g.timings.labStartMs
    : g.submissions.reduce((s, x) => s + (x.check?.timings.labMs ?? 0), 0);
  return {
    jobs,
    reuseLabs,
    perMinute: (60_000 * g.submissions.length) / ms,
    seconds: ms / 1000,
    peakMiB: Math.max(0, (base - low) / 1024 ** 2),
    labShare: labMs / (ms * jobs),
    scores: g.submissions.map((s) => s.score).join(' '),
  };
}

process.stderr.write(`bench:grade: ${n} udp-echo submissions, backend ${backend}\n`);
if (backend === 'vm') {
  const t0 = performance.now();
  const one = await checkInVm({
    assignment: 'udp-echo',
    role: 'server',
    file: join(ROOT, 'lab/textbook/UDPServer.py'),
  });
  const s = (performance.now() - t0) / 1000;
  process.stdout.write(
    `one check in a guest of its own, its start included: ${s.toFixed(1)} s (goal ≤ 30 s: ${s <= 30 ? 'met' : 'NOT met'}; ${/warm guest restored/.test(one.clock ?? '') ? 'a warm guest restored' : 'a cold boot: socklab images --vm saves the warm guest'}); in it, the lab took ${(one.timings.labMs / 1000).toFixed(1)} s, the program and the verdicts ${((one.timings.totalMs - one.timings.labMs) / 1000).toFixed(1)} s, and the guest's start, socklab's start in it and the way back ${(s - one.timings.totalMs / 1000).toFixed(1)} s\n`,
  );
}
const rows = [];
const configs: (readonly [number, boolean])[] = values.jobs
  ? [[Number(values.jobs), true]]
  : backend === 'vm'
    ? [
        [1, true],
        [2, true],
      ]
    : [
        [1, true],
        [2, true],
        [4, true],
        [2, false],
      ];
for (const [jobs, reuse] of configs) {
  const r = await measure(jobs, reuse);
  process.stderr.write(`  jobs ${jobs}${reuse ? '' : ', fresh labs'}: ${r.seconds.toFixed(1)} s\n`);
  rows.push(r);
}
const scores = new Set(rows.map((r) => r.scores));
process.stdout.write(
  `${formatTable(
    ['labs at once', 'labs', 'submissions/min', 'time', 'peak memory', 'time starting labs'],
    rows.map((r) => [
      String(r.jobs),
      r.reuseLabs ? 'reused' : 'one per submission',
      r.perMinute.toFixed(1),
      `${r.seconds.toFixed(1)} s`,
      `${r.peakMiB.toFixed(0)} MiB`,
      `${(100 * r.labShare).toFixed(1)}%`,
    ]),
  )}\n\nthe same scores in every configuration: ${scores.size === 1 ? 'yes' : `NO (${[...scores].join(' | ')})`}\n`,
);
const best = Math.max(...rows.map((r) => r.perMinute));
// Measured where the class was 100 or more; projected from the rate otherwise.
const hundred = n >= 100 ? (Math.min(...rows.map((r) => r.seconds)) * 100) / n / 60 : 100 / best;
process.stdout.write(
  `at the best rate (${best.toFixed(1)} a minute, ${(60 / best).toFixed(1)} s a submission) 100 submissions take ${hundred.toFixed(1)} min${n >= 100 ? ' (measured)' : ' (projected)'}${backend === 'netns' ? ` (goal ≤ 5 min: ${hundred <= 5 ? 'met' : 'NOT met'})` : ''}\n`,
);
