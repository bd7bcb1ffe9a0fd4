// Gradescope's results.json from a check: one test per verdict (name, score, max_score, status,
// output), the total score, and the program's last output; what a Gradescope `run_autograder`
// writes to /autograder/results/results.json. Pure.
import type { CheckResult } from '../grading/check-result.ts';
import { formatSandbox } from './check-text.ts';

export interface GradescopeTest {
  name: string;
  score: number;
  max_score: number;
  status: 'passed' | 'failed';
  output: string;
  visibility: 'visible';
}

export interface GradescopeResults {
  score: number;
  output: string;
  tests: GradescopeTest[];
  stdout_visibility: 'visible';
}

export function gradescopeResults(r: CheckResult): GradescopeResults {
  return {
    score: r.score,
    output: `socklab check of ${r.program} as the ${r.role} of ${r.assignment} (${r.title}): ${r.passed ? 'every required verdict passed' : 'a required verdict failed'}; seed ${r.seed}, replay with: socklab check --assignment ${r.assignment} --${r.role} ${r.program} --seed ${r.seed}${r.kind ? `\nserver kind: ${r.kind.text}` : ''}${r.output.trim() ? `\n\nthe program's last output:\n${r.output.trim()}` : ''}${formatSandbox(r.sandbox)}${r.clock ? `\ntimed by ${r.clock}` : ''}`,
    tests: r.verdicts.map((v) => ({
      name: `${v.name}${v.required ? '' : ' (advisory)'}`,
      score: v.points,
      max_score: v.maxPoints,
      status: v.status === 'pass' ? 'passed' : 'failed',
      output: v.reason,
      visibility: 'visible',
    })),
    stdout_visibility: 'visible',
  };
}
