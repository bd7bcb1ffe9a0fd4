// socklab check: one program judged against an assignment (lab/assignments/), in a lab of its
// own that is removed afterwards (also on failure and Ctrl-C), or in a running one (--project),
// which is left as it was found. Exit 0 only when every required verdict passes.
import { type Command, Option } from 'commander';
import { SocklabError } from '../../common/errors.ts';
import { assignmentNames, loadAssignment } from '../../grading/assignment.ts';
import { readProgram, runCheck } from '../../grading/check.ts';
import type { CheckResult, VerdictResult } from '../../grading/check-result.ts';
import { VERDICTS } from '../../grading/verdicts/registry.ts';
import { checkInVm } from '../../grading/vm-grading.ts';
import { removeLab, uniqueProject } from '../../lab/start-lab.ts';
import { GRADING_BACKENDS } from '../../lab/started-lab.ts';
import { checkJunit, checkMarkdown } from '../../report/check-summary.ts';
import { formatMeasured } from '../../report/check-text.ts';
import { gradescopeResults } from '../../report/gradescope.ts';
import { port } from '../cli-options.ts';
import { targetLab } from '../lab-target.ts';
import { emitResult, writeFlagFile } from '../report-output.ts';

const seedOption = (v: string): number => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 0xffffffff)
    throw new SocklabError(
      'usage.invalid',
      `--seed must be a whole number 0–4294967295, got '${v}'; e.g. --seed 7`,
    );
  return n;
};

/** The verdicts an assignment can name, for --help: id, default points, where it applies, what it measures. */
function verdictCatalogue(): string {
  const rows = VERDICTS.map(
    (v) =>
      `  ${v.id} (${v.points} points; ${v.roles.join(', ')}: ${v.framings.join(', ')})\n      ${v.measures}`,
  );
  return `\nverdicts (an assignment names them under server: or client:, with points):\n${rows.join('\n')}\n`;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .addHelpText('after', verdictCatalogue)
    .description(
      'judge your own server or client against an assignment, in a lab of its own (exit 0 when every required verdict passes)',
    )
    .option(
      '--assignment <name|file>',
      `what to check it as: ${assignmentNames().join(', ')}, or a .yaml file`,
    )
    .option('--server <file>', 'your server (run as: PROGRAM PORT), e.g. UDPServer.py')
    .option(
      '--client <file>',
      'your client (run as: PROGRAM server PORT, a sentence on stdin), e.g. UDPClient.py',
    )
    .addOption(
      new Option('--proto <proto>', 'without --assignment: udp-echo or tcp-echo').choices(['udp', 'tcp']),
    )
    .option(
      '--port <port>',
      'the port it listens on (server) or is given (client); the assignment’s by default',
      port,
    )
    .option('--profile <name>', 'the lossy link (lab/profiles); the assignment’s by default')
    .option('--seed <n>', 'seed of the link’s decisions (replays a grade exactly)', seedOption)
    .option('--project <name>', 'check in this running lab instead of a lab of its own')
    .addOption(
      new Option(
        '--backend <backend>',
        "for the lab of its own (vm: socklab's QEMU guest, no privilege needed; socklab images --vm prepares it)",
      )
        .choices([...GRADING_BACKENDS])
        .default('docker'),
    )
    .option('--json', 'print the result as JSON')
    .option(
      '--html <file>',
      'also write a self-contained HTML report (sequence diagrams of failed exchanges)',
    )
    .option('--gradescope <file>', "also write Gradescope's results.json")
    .option('--junit <file>', 'also write JUnit XML: a test case per verdict (for CI test reporters)')
    .option(
      '--summary <file>',
      'also append the result as Markdown (GitHub Actions: --summary "$GITHUB_STEP_SUMMARY")',
    )
    .action(async (o) => {
      if (!o.server === !o.client)
        throw new SocklabError(
          'usage.invalid',
          'check needs exactly one of --server FILE or --client FILE; e.g. socklab check --assignment udp-echo --server UDPServer.py',
        );
      const role = o.server ? 'server' : 'client';
      const file: string = o.server ?? o.client;
      // Refused here already when it is missing or a link, before any lab is touched.
      readProgram(file);
      if (o.assignment && o.proto)
        throw new SocklabError(
          'usage.invalid',
          '--proto is for checks without --assignment; the assignment says its protocol',
        );
      // Validated before any lab is touched.
      const assignment = loadAssignment(o.assignment ?? (o.proto === 'tcp' ? 'tcp-echo' : 'udp-echo'));
      if (!assignment[role])
        throw new SocklabError(
          'assignment.no-role',
          `assignment ${assignment.name} has no ${role} to check: give --${role === 'server' ? 'client' : 'server'} FILE, or another assignment`,
        );
      if (o.profile) (await import('../../link/model/profiles.ts')).loadProfile(o.profile);
      if (o.backend === 'vm') {
        if (o.project)
          throw new SocklabError(
            'usage.invalid',
            '--backend vm checks in a guest of its own; drop --project',
          );
        const result = await checkInVm({
          assignment: o.assignment ?? assignment.name,
          role,
          file,
          port: o.port,
          profile: o.profile,
          seed: o.seed,
        });
        finish(result, o);
        return;
      }
      const lab = o.project ? await targetLab(o.project) : undefined;
      const project = lab ? lab.project : uniqueProject().replace('socklab-', 'socklab-check-');
      // Ctrl-C: the verdict under way ends, then the program and the lab are removed; a second
      // Ctrl-C removes the lab at once.
      const giveUp = new AbortController();
      const interrupted = (): void => {
        if (!giveUp.signal.aborted) {
          process.stderr.write(
            `socklab: interrupted; stopping the check${lab ? '' : ` and removing ${project}`}\n`,
          );
          giveUp.abort();
          return;
        }
        if (lab) process.exit(130);
        void removeLab(project, o.backend).finally(() => process.exit(130));
      };
      process.on('SIGINT', interrupted);
      process.on('SIGTERM', interrupted);
      const live = process.stderr.isTTY && !o.json;
      const onVerdict = (v: VerdictResult): void => {
        if (live)
          process.stderr.write(
            `  ${v.status === 'pass' ? 'PASS' : 'FAIL'}  ${v.name}${formatMeasured(v.measured)}\n`,
          );
      };
      let result: Awaited<ReturnType<typeof runCheck>>;
      try {
        result = await runCheck({
          assignment,
          role,
          file,
          port: o.port,
          profile: o.profile,
          seed: o.seed,
          lab,
          project,
          backend: o.backend,
          signal: giveUp.signal,
          onVerdict,
        });
      } catch (err) {
        if (giveUp.signal.aborted) process.exit(130);
        throw err;
      } finally {
        process.off('SIGINT', interrupted);
        process.off('SIGTERM', interrupted);
      }
      finish(result, o);
    });
}

/** The result on stdout, its exit code, and the files asked for: the same from every backend. */
function finish(
  result: CheckResult,
  o: { json?: boolean; html?: string; gradescope?: string; junit?: string; summary?: string },
): void {
  process.exitCode = emitResult(result, o);
  if (o.gradescope)
    writeFlagFile(o.gradescope, '--gradescope', `${JSON.stringify(gradescopeResults(result), null, 2)}\n`);
  if (o.junit) writeFlagFile(o.junit, '--junit', checkJunit(result));
  if (o.summary) writeFlagFile(o.summary, '--summary', checkMarkdown(result), true);
}
