// socklab classroom: the GitHub Actions workflow for an assignment, for the students' repositories
// (GitHub Classroom's template) or, with --teacher, for grading a class on a matrix of runners.
import { type Command, Option } from 'commander';
import { packageVersion } from '../../common/data-files.ts';
import { SocklabError } from '../../common/errors.ts';
import { assignmentNames } from '../../grading/assignment.ts';
import { studentWorkflow, teacherWorkflow, workflowYaml } from '../../report/classroom-workflow.ts';
import { positiveInt } from '../cli-options.ts';
import { writeFlagFile } from '../report-output.ts';
import { studentProgram } from '../student-program.ts';

export function registerClassroom(program: Command): void {
  program
    .command('classroom')
    .description(
      "write a GitHub Classroom / Actions workflow: a student repository's check on every push, or (--teacher) a class graded on N runners and merged",
    )
    .argument('<assignment>', `${assignmentNames().join(', ')}, or a .yaml file in the repository`)
    .addOption(
      new Option('--role <role>', 'server or client (default: the assignment’s server)').choices([
        'server',
        'client',
      ]),
    )
    .option('--program <file>', "the file students commit (default: the assignment's program name)")
    .addOption(
      new Option(
        '--backend <backend>',
        'where the runner runs the lab (netns: no image to build, runs with sudo)',
      )
        .choices(['docker', 'netns'])
        .default('docker'),
    )
    .option(
      '--install <spec>',
      'what npm installs on the runner: a version, a tarball URL, github:OWNER/REPO',
    )
    .option('--teacher', 'the teacher’s workflow: grade the class in shards, then merge')
    .option(
      '--shards <n>',
      'with --teacher: how many runners grade at once (default 4)',
      positiveInt('--shards'),
    )
    .option(
      '--submissions <dir>',
      'with --teacher: the folder of submissions in the repository (default submissions)',
    )
    .option(
      '-o, --output <file>',
      'write it there (e.g. .github/workflows/socklab.yml) instead of printing it',
    )
    .action((ref: string, o) => {
      const { assignment, role, program: file } = studentProgram(ref, o, 'the workflow');
      if (!o.teacher && (o.shards !== undefined || o.submissions !== undefined))
        throw new SocklabError(
          'usage.invalid',
          '--shards and --submissions are for the teacher’s workflow; add --teacher',
        );
      const opts = {
        assignment,
        assignmentRef: ref,
        role,
        program: file,
        backend: o.backend,
        install: o.install ?? `socklab@${packageVersion()}`,
      };
      const workflow = o.teacher
        ? teacherWorkflow({ ...opts, shards: o.shards ?? 4, submissions: o.submissions ?? 'submissions' })
        : studentWorkflow(opts);
      const header = o.teacher
        ? `socklab ${packageVersion()}: grades ${o.submissions ?? 'submissions'}/ against ${ref} on ${o.shards ?? 4} runners, then merges.\nRun it from the Actions tab; the grades are the run's artifact socklab-grades.`
        : `socklab ${packageVersion()}: checks the ${role} (${file}) against ${ref} on every push.\nThe verdicts are the run's summary; the JUnit file and the HTML report are its artifacts.`;
      const text = workflowYaml(workflow, header);
      if (o.output) writeFlagFile(o.output, '--output', text);
      else process.stdout.write(text);
    });
}
