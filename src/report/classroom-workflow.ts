// GitHub Classroom / Actions workflows for an assignment, built as typed objects and then written
// as YAML. Two kinds: a student repository's (one job per push: the check, its verdicts as the
// run's summary, a JUnit file and the HTML report as artifacts) and a teacher's (a matrix of
// runners, each grading one shard of the class, then a job that merges them into the reports of
// one grading run). Pure: the CLI writes what these return.
import type { Assignment } from '../grading/assignment.ts';
import type { ProgramRole } from '../grading/framing.ts';

export type YamlValue = string | number | boolean | YamlValue[] | { [key: string]: YamlValue };

export interface Step {
  name?: string;
  uses?: string;
  with?: Record<string, YamlValue>;
  run?: string;
  if?: string;
}

export interface Job {
  'runs-on': string;
  'timeout-minutes': number;
  needs?: string;
  strategy?: { 'fail-fast': boolean; matrix: Record<string, YamlValue[]> };
  steps: Step[];
}

export interface Workflow {
  name: string;
  on: YamlValue;
  jobs: Record<string, Job>;
}

export interface WorkflowOptions {
  assignment: Assignment;
  /** What the assignment is given as in the workflow: its name, or a path in the repository. */
  assignmentRef: string;
  role: ProgramRole;
  /** The file a student commits (any folder, any case): the assignment's program name. */
  program: string;
  backend: 'docker' | 'netns';
  /** What `npm install --global` installs: `socklab@VERSION`, a tarball's URL, `github:OWNER/REPO`. */
  install: string;
}

const setup = (o: WorkflowOptions): Step[] => [
  { uses: 'actions/checkout@v4' },
  { uses: 'actions/setup-node@v4', with: { 'node-version': 24 } },
  { name: 'Install socklab', run: `npm install --global ${o.install}` },
  ...(o.backend === 'docker'
    ? [{ name: "Build the lab's image", run: 'socklab images' }]
    : [
        {
          name: 'Network namespaces need iproute2',
          run: 'command -v ip || sudo apt-get install -y iproute2',
        },
      ]),
];

/** socklab as the backend needs it: the netns backend runs as root (the runner has sudo). */
const socklab = (o: WorkflowOptions): string =>
  o.backend === 'netns' ? 'sudo env "PATH=$PATH" socklab' : 'socklab';

/** A student repository's workflow: every push is checked, and the run's page says why. */
export function studentWorkflow(o: WorkflowOptions): Workflow {
  const find = `prog=$(find . -maxdepth 3 -path ./.git -prune -o -type f -iname '${o.program}' -print | head -1)
if [ -z "$prog" ]; then
  echo "### socklab: no ${o.program} in this repository; commit it (any folder, any case) and push again" >> "$GITHUB_STEP_SUMMARY"
  exit 1
fi`;
  return {
    name: `socklab ${o.assignment.name}`,
    on: ['push', 'workflow_dispatch'],
    jobs: {
      check: {
        'runs-on': 'ubuntu-latest',
        'timeout-minutes': Math.max(10, Math.ceil(o.assignment.timeLimitMs / 60_000) + 10),
        steps: [
          ...setup(o),
          {
            name: `Check the ${o.role}`,
            run: `${find}
${socklab(o)} check --assignment ${o.assignmentRef} --${o.role} "$prog" --backend ${o.backend} --junit socklab-junit.xml --summary "$GITHUB_STEP_SUMMARY" --html socklab-report.html`,
          },
          {
            if: 'always()',
            uses: 'actions/upload-artifact@v4',
            with: {
              name: 'socklab-report',
              path: 'socklab-report.html\nsocklab-junit.xml',
              'if-no-files-found': 'ignore',
            },
          },
        ],
      },
    },
  };
}

/**
 * A teacher's workflow: `shards` runners grade a part of `submissions` each (the same seeds as on
 * one machine), and one job merges their results into the CSV, JUnit, HTML and Gradescope files.
 */
export function teacherWorkflow(o: WorkflowOptions & { shards: number; submissions: string }): Workflow {
  const shard = '${{ matrix.shard }}';
  const save = `shard-${shard}.json`;
  return {
    name: `socklab grade ${o.assignment.name}`,
    on: 'workflow_dispatch',
    jobs: {
      grade: {
        'runs-on': 'ubuntu-latest',
        'timeout-minutes': 350,
        strategy: {
          'fail-fast': false,
          matrix: { shard: Array.from({ length: o.shards }, (_, i) => i + 1) },
        },
        steps: [
          ...setup(o),
          {
            name: `Grade shard ${shard} of ${o.shards}`,
            run: `${socklab(o)} grade ${o.submissions} --assignment ${o.assignmentRef} --role ${o.role} --backend ${o.backend} --shard ${shard}/${o.shards} --save ${save}`,
          },
          { uses: 'actions/upload-artifact@v4', with: { name: `socklab-shard-${shard}`, path: save } },
        ],
      },
      merge: {
        needs: 'grade',
        'runs-on': 'ubuntu-latest',
        'timeout-minutes': 15,
        steps: [
          { uses: 'actions/setup-node@v4', with: { 'node-version': 24 } },
          { name: 'Install socklab', run: `npm install --global ${o.install}` },
          {
            uses: 'actions/download-artifact@v4',
            with: { pattern: 'socklab-shard-*', 'merge-multiple': true },
          },
          {
            name: 'Merge the shards',
            run: `socklab grade --merge shard-*.json --csv grades.csv --junit grades.xml --html class.html --gradescope gradescope > grades.txt
{ echo '\`\`\`'; cat grades.txt; echo '\`\`\`'; } >> "$GITHUB_STEP_SUMMARY"`,
          },
          {
            uses: 'actions/upload-artifact@v4',
            with: { name: 'socklab-grades', path: 'grades.csv\ngrades.xml\nclass.html\ngradescope/' },
          },
        ],
      },
    },
  };
}

/** A scalar as YAML: plain where that cannot be misread, else double-quoted (JSON's quoting is YAML's). */
function scalar(v: string | number | boolean): string {
  if (typeof v !== 'string') return String(v);
  const plain =
    /^[A-Za-z_./][A-Za-z0-9_./@() -]*$/.test(v) &&
    !/^(true|false|yes|no|on|off|null|y|n)$/i.test(v) &&
    !v.endsWith(' ');
  return plain ? v : JSON.stringify(v);
}

function emit(v: YamlValue, pad: string): string[] {
  if (Array.isArray(v)) {
    if (v.length === 0) return [`${pad}[]`];
    return v.flatMap((item) => {
      if (typeof item !== 'object') return [`${pad}- ${scalar(item)}`];
      const [head, ...rest] = emit(item, `${pad}  `);
      return [`${pad}- ${head!.trimStart()}`, ...rest];
    });
  }
  if (typeof v !== 'object') return [`${pad}${scalar(v)}`];
  return Object.entries(v).flatMap(([key, value]) => {
    if (typeof value === 'string' && value.includes('\n'))
      return [`${pad}${key}: |`, ...value.split('\n').map((l) => (l ? `${pad}  ${l}` : ''))];
    if (typeof value !== 'object') return [`${pad}${key}: ${scalar(value)}`];
    if (Array.isArray(value) && value.every((x) => typeof x !== 'object') && value.length <= 8)
      return [`${pad}${key}: [${value.map(scalar).join(', ')}]`];
    return [`${pad}${key}:`, ...emit(value, `${pad}  `)];
  });
}

/** The workflow as a file: a comment saying where it came from, then YAML. */
export function workflowYaml(w: Workflow, header: string): string {
  const comments = header
    .split('\n')
    .map((l) => `# ${l}`)
    .join('\n');
  return `${comments}\n${emit(w as unknown as YamlValue, '').join('\n')}\n`;
}
