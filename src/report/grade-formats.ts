// The class's results in the formats courses use: a terminal table, CSV (a row per submission, a
// column per verdict), JUnit XML (a test case per submission and verdict, for CI systems) and
// JSON. Pure, and deterministic for the same results: the measured times are in `time`
// attributes and `…Ms` fields only, so that grading again gives the same files but for them.

import { type Assignment, loadAssignment } from '../grading/assignment.ts';
import { GRADE_SCHEMA, type GradeResult, type SubmissionResult } from '../grading/grade.ts';
import { type GradescopeResults, gradescopeResults } from './gradescope.ts';
import { formatTable } from './table.ts';

const csvCell = (v: string | number): string => {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/**
 * name, score, max, passed, seed, then per verdict the points it earned (a 0-point, advisory
 * verdict: pass or fail), then the problem when it could not be checked.
 */
export function gradeCsv(g: GradeResult, assignment?: Assignment): string {
  const verdicts = (assignment ?? loadAssignment(g.assignment))[g.role]?.verdicts.map((v) => v.id) ?? [];
  // A C program adds "compiles" before the others.
  if (g.submissions.some((s) => s.check?.verdicts.some((v) => v.id === 'compiles')))
    verdicts.unshift('compiles');
  const header = ['submission', 'score', 'max', 'passed', 'seed', ...verdicts, 'problem'];
  const rows = g.submissions.map((s) => {
    const byId = new Map((s.check?.verdicts ?? []).map((v) => [v.id, v]));
    return [
      s.name,
      s.score,
      s.maxScore,
      s.skipped ? 'skipped' : s.passed ? 'yes' : 'no',
      s.seed,
      ...verdicts.map((id) => {
        const r = byId.get(id);
        if (!r) return '';
        return r.maxPoints > 0 ? r.points : r.status;
      }),
      s.problem ?? '',
    ];
  });
  return `${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}

/** Text as XML: the five special characters escaped, and control characters XML 1.0 forbids replaced. */
const xml = (s: string): string =>
  Array.from(s, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20 && c !== '\t' && c !== '\n' && c !== '\r') return '?';
    return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }[c] ?? c;
  }).join('');
const secs = (ms: number): string => (ms / 1000).toFixed(3);

/** One <testsuite> per submission, one <testcase> per verdict; a submission that could not be checked is one failed case. */
export function gradeJunit(g: GradeResult): string {
  const suites = g.submissions.map((s) => {
    const cases = s.check
      ? s.check.verdicts.map((v) => {
          const t = s.check!.timings.verdictMs[v.id] ?? 0;
          const name = `${v.id}: ${v.name}${v.required ? '' : ' (advisory)'}`;
          const body =
            v.status === 'pass'
              ? ''
              : v.required
                ? `<failure message="${xml(v.reason)}" type="${xml(v.id)}">${xml(v.reason)}</failure>`
                : `<skipped message="${xml(`advisory, failed: ${v.reason}`)}"/>`;
          return `    <testcase classname="${xml(s.name)}" name="${xml(name)}" time="${secs(t)}">${body}</testcase>`;
        })
      : [
          s.skipped
            ? `    <testcase classname="${xml(s.name)}" name="program" time="0.000"><skipped message="${xml(s.problem ?? '')}"/></testcase>`
            : `    <testcase classname="${xml(s.name)}" name="program" time="0.000"><failure message="${xml(s.problem ?? '')}" type="program">${xml(s.problem ?? '')}</failure></testcase>`,
        ];
    const failures = s.check
      ? s.check.verdicts.filter((v) => v.status !== 'pass' && v.required).length
      : s.skipped
        ? 0
        : 1;
    const skipped = s.check
      ? s.check.verdicts.filter((v) => v.status !== 'pass' && !v.required).length
      : s.skipped
        ? 1
        : 0;
    return `  <testsuite name="${xml(s.name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${secs(s.durationMs)}">
    <properties><property name="score" value="${s.score}"/><property name="max" value="${s.maxScore}"/><property name="seed" value="${s.seed}"/></properties>
${cases.join('\n')}
  </testsuite>`;
  });
  const tests = g.submissions.reduce((n, s) => n + (s.check ? s.check.verdicts.length : 1), 0);
  const failures = g.submissions.reduce(
    (n, s) =>
      n +
      (s.check
        ? s.check.verdicts.filter((v) => v.status !== 'pass' && v.required).length
        : s.skipped
          ? 0
          : 1),
    0,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="socklab grade ${xml(g.assignment)} (${xml(g.role)})" tests="${tests}" failures="${failures}" time="${secs(g.timings.totalMs)}">
${suites.join('\n')}
</testsuites>
`;
}

/** The JSON report: every submission's verdicts with reasons, without evidence (that is the HTML's). */
export function gradeJson(g: GradeResult): unknown {
  return {
    experiment: 'grade',
    schema: GRADE_SCHEMA,
    assignment: g.assignment,
    title: g.title,
    role: g.role,
    backend: g.backend,
    seedRule: g.seedRule,
    submissions: g.submissions.map((s) => ({
      name: s.name,
      program: s.program,
      seed: s.seed,
      score: s.score,
      maxScore: s.maxScore,
      passed: s.passed,
      problem: s.problem,
      ...(s.skipped ? { skipped: true } : {}),
      kind: s.check?.kind?.name ?? null,
      verdicts: (s.check?.verdicts ?? []).map((v) => ({
        id: v.id,
        status: v.status,
        required: v.required,
        points: v.points,
        maxPoints: v.maxPoints,
        reason: v.reason,
        ...(v.measured ? { measured: v.measured } : {}),
      })),
      sandbox: s.check?.sandbox ?? null,
      durationMs: s.durationMs,
    })),
    summary: gradeSummary(g),
    timings: { totalMs: g.timings.totalMs, labStartMs: g.timings.labStartMs, checksMs: g.timings.checksMs },
  };
}

export interface GradeSummary {
  submissions: number;
  passed: number;
  /** How many submissions failed each verdict (required or advisory), by id. */
  failedBy: Record<string, number>;
  /** How many could not be checked at all. */
  notChecked: number;
  meanScore: number;
}

export function gradeSummary(g: GradeResult): GradeSummary {
  const failedBy: Record<string, number> = {};
  // Skipped entries are listed, but are no submissions: they count nowhere.
  const subs = g.submissions.filter((s) => !s.skipped);
  for (const s of subs)
    for (const v of s.check?.verdicts ?? [])
      if (v.status !== 'pass') failedBy[v.id] = (failedBy[v.id] ?? 0) + 1;
  return {
    submissions: subs.length,
    passed: subs.filter((s) => s.passed).length,
    failedBy,
    notChecked: subs.filter((s) => !s.check).length,
    meanScore: subs.length
      ? Math.round((100 * subs.reduce((a, s) => a + s.score, 0)) / subs.length) / 100
      : 0,
  };
}

const failedIds = (s: SubmissionResult): string =>
  s.check
    ? s.check.verdicts
        .filter((v) => v.status !== 'pass')
        .map((v) => `${v.id}${v.required ? '' : '?'}`)
        .join(' ') || '-'
    : `(${s.problem})`;

/** The terminal table: submission, score, failed verdicts (advisory ones marked ?). */
export function gradeTable(g: GradeResult): string {
  const sum = gradeSummary(g);
  const table = formatTable(
    ['submission', 'score', 'failed verdicts (? advisory)'],
    g.submissions.map((s) => [
      s.name,
      s.skipped ? 'skipped' : `${s.score}/${s.maxScore}${s.passed ? '' : ' FAIL'}`,
      failedIds(s),
    ]),
  );
  const by = Object.entries(sum.failedBy)
    .sort((a, b) => b[1] - a[1])
    .map(([id, n]) => `${id} ${n}`)
    .join(', ');
  return `${g.assignment} (${g.title}), the ${g.role}: ${sum.submissions} submissions, ${sum.passed} passed, mean score ${sum.meanScore}; ${g.jobs} lab${g.jobs === 1 ? '' : 's'} at once (${g.backend})\n\n${table}\n\nfailed verdicts: ${by || 'none'}${sum.notChecked ? `; ${sum.notChecked} could not be checked` : ''}\n${g.seedRule}; replay one: socklab check --assignment ${g.assignment} --${g.role} FILE --seed SEED\n`;
}

/** A submission's Gradescope results.json (one that could not be checked: score 0 and why). */
export function gradescopeOf(s: SubmissionResult): GradescopeResults {
  if (s.check) return gradescopeResults(s.check);
  return {
    score: 0,
    output: `socklab could not check this submission: ${s.problem}`,
    tests: [
      {
        name: 'program',
        score: 0,
        max_score: s.maxScore,
        status: 'failed',
        output: s.problem ?? '',
        visibility: 'visible',
      },
    ],
    stdout_visibility: 'visible',
  };
}
