// A check's result where CI systems show results: Markdown for a GitHub Actions run's summary
// ($GITHUB_STEP_SUMMARY), and JUnit XML (the grade's, for one submission) for test reporters.
import type { CheckResult } from '../grading/check-result.ts';
import { GRADE_SCHEMA, type GradeResult } from '../grading/grade.ts';
import { gradeJunit } from './grade-formats.ts';

/** A Markdown cell: one line, pipes escaped. */
const cell = (s: string): string => s.replace(/\r?\n/g, ' ').replaceAll('|', '\\|');

/** The run's summary: the score, then a row per verdict with what to do about a failed one. */
export function checkMarkdown(r: CheckResult): string {
  const icon = (v: CheckResult['verdicts'][number]): string =>
    v.status === 'pass' ? '✅' : v.required ? '❌' : '⚠️';
  const rows = r.verdicts.map(
    (v) =>
      `| ${icon(v)} | ${cell(v.name)}${v.required ? '' : ' (advisory)'} | ${v.maxPoints > 0 ? `${v.points}/${v.maxPoints}` : '-'} | ${cell(v.reason)} |`,
  );
  return [
    `### socklab check: ${cell(r.title)} (${r.role} ${cell(r.program)})`,
    '',
    `**${r.score}/${r.maxScore}** — ${r.passed ? 'every required verdict passed' : 'a required verdict failed'}. Link: ${cell(r.profile)}, seed ${r.seed} (\`socklab check --seed ${r.seed}\` replays it).`,
    '',
    '| | verdict | points | why |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** One check as JUnit: a test suite named after the program, a test case per verdict. */
export function checkJunit(r: CheckResult): string {
  const g: GradeResult = {
    experiment: 'grade',
    schema: GRADE_SCHEMA,
    assignment: r.assignment,
    title: r.title,
    role: r.role,
    backend: r.backend,
    jobs: 1,
    seedRule: `socklab check --seed ${r.seed}`,
    submissions: [
      {
        name: r.program,
        program: r.program,
        seed: r.seed,
        problem: null,
        score: r.score,
        maxScore: r.maxScore,
        passed: r.passed,
        check: r,
        durationMs: r.timings.totalMs,
      },
    ],
    timings: { totalMs: r.timings.totalMs, labStartMs: 0, labStarts: 0, checksMs: r.timings.totalMs },
  };
  return gradeJunit(g);
}
