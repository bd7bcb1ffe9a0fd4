// socklab grade: a folder of submissions against an assignment, in parallel, reproducibly; a
// table on stdout (or --json), and --csv, --junit, --html files. Ctrl-C removes every lab it started.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { SocklabError } from '../../common/errors.ts';
import { type Assignment, assignmentNames, loadAssignment } from '../../grading/assignment.ts';
import { defaultJobs, type GradeResult, runGrade } from '../../grading/grade.ts';
import { mergeGrades, parseSavedGrade, parseShard, savedGrade } from '../../grading/shard.ts';
import { gradeInVm } from '../../grading/vm-grading.ts';
import { removeLab } from '../../lab/start-lab.ts';
import { GRADING_BACKENDS } from '../../lab/started-lab.ts';
import { renderClassReport } from '../../report/class-report.ts';
import { gradeCsv, gradeJson, gradeJunit, gradescopeOf, gradeTable } from '../../report/grade-formats.ts';
import { progressBar } from '../../report/progress-bar.ts';
import { positiveInt } from '../cli-options.ts';
import { writeFlagFile } from '../report-output.ts';

function readInput(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new SocklabError(
      'file.not-found',
      `cannot read ${flag} ${file} (${(err as NodeJS.ErrnoException).code}); give the file that socklab grade --save wrote`,
    );
  }
}

interface ReportFlags {
  json?: boolean;
  csv?: string;
  junit?: string;
  html?: string;
  gradescope?: string;
}

/** The table (or JSON) on stdout and every report file asked for: the same for one run and a merge. */
function writeReports(result: GradeResult, assignment: Assignment, o: ReportFlags): void {
  process.stdout.write(o.json ? `${JSON.stringify(gradeJson(result), null, 2)}\n` : gradeTable(result));
  if (o.csv) writeFlagFile(o.csv, '--csv', gradeCsv(result, assignment));
  if (o.junit) writeFlagFile(o.junit, '--junit', gradeJunit(result));
  if (o.html) writeFlagFile(o.html, '--html', renderClassReport(result));
  if (o.gradescope) {
    // Skipped entries (hidden, links, stray files) are no students: no results for them.
    const graded = result.submissions.filter((s) => !s.skipped);
    for (const s of graded) {
      const dirOf = join(o.gradescope, s.name);
      mkdirSync(dirOf, { recursive: true });
      writeFileSync(join(dirOf, 'results.json'), `${JSON.stringify(gradescopeOf(s), null, 2)}\n`);
    }
    process.stderr.write(`socklab: wrote ${graded.length} results.json under ${o.gradescope}\n`);
  }
}

export function registerGrade(program: Command): void {
  program
    .command('grade')
    .description(
      'grade a folder of submissions (a subfolder each) against an assignment, in parallel and reproducibly',
    )
    .argument('[dir]', 'the submissions: one subfolder per student (or program files)')
    .option('--assignment <name|file>', `${assignmentNames().join(', ')}, or a .yaml file`)
    .addOption(
      new Option(
        '--role <role>',
        'server or client (default: the assignment’s server, or its only role)',
      ).choices(['server', 'client']),
    )
    .option(
      '--jobs <n>',
      `labs at once (default: from the cores and free memory, here ${defaultJobs()})`,
      positiveInt('--jobs'),
    )
    .addOption(
      new Option(
        '--backend <backend>',
        'where the labs run (vm: one QEMU guest for the class, no privilege needed)',
      )
        .choices([...GRADING_BACKENDS])
        .default('docker'),
    )
    .option('--fresh-labs', 'a new lab for every submission instead of one per worker, reset between them')
    .option('--csv <file>', 'a row per submission: name, score, max, then a column per verdict')
    .option('--junit <file>', 'JUnit XML: a test case per submission and verdict')
    .option(
      '--html <file>',
      'the class report: score distribution, failures per verdict, each submission’s evidence',
    )
    .option('--gradescope <dir>', "Gradescope's results.json for each submission, in DIR/NAME/results.json")
    .option('--json', 'print the results as JSON instead of the table')
    .option(
      '--shard <I/N>',
      'grade only the I-th of N parts of the class (every N-th submission by name)',
      parseShard,
    )
    .option('--save <file>', 'save the results whole, for grade --merge (with --shard: this part)')
    .option('--merge <files...>', "the shards' --save files, put together: the reports of one grading run")
    .action(async (dir: string | undefined, o) => {
      if (o.merge) {
        const given = ['shard', 'jobs', 'assignment', 'role', 'freshLabs'].filter((k) => o[k] !== undefined);
        if (dir !== undefined || given.length > 0)
          throw new SocklabError(
            'usage.invalid',
            `--merge takes only the saved files and the report options, not ${dir !== undefined ? 'a folder' : `--${given[0]}`}; e.g. socklab grade --merge s1.json s2.json s3.json --csv grades.csv`,
          );
        const parts = (o.merge as string[]).map((f) => parseSavedGrade(readInput(f, '--merge'), f));
        const { result, assignment } = mergeGrades(parts);
        writeReports(result, assignment, o);
        return;
      }
      if (dir === undefined || o.assignment === undefined)
        throw new SocklabError(
          'usage.invalid',
          `socklab grade needs ${dir === undefined ? 'the submissions folder' : '--assignment'}; e.g. socklab grade submissions/ --assignment udp-echo (or --merge FILES...)`,
        );
      const assignment = loadAssignment(o.assignment);
      if (o.role && !assignment[o.role as 'server'])
        throw new SocklabError(
          'assignment.no-role',
          `assignment ${assignment.name} has no ${o.role} to grade`,
        );
      if (o.backend === 'vm') {
        process.stderr.write(
          `socklab: grading in one guest of the vm backend (its netns backend, ${o.jobs ?? 'default'} labs at once)\n`,
        );
        const { result } = await gradeInVm({
          dir,
          assignment: o.assignment,
          role: o.role,
          jobs: o.jobs,
          shard: o.shard,
        });
        if (o.save) writeFlagFile(o.save, '--save', `${JSON.stringify(savedGrade(result, assignment))}\n`);
        writeReports(result, assignment, o);
        process.exitCode = 0;
        return;
      }
      const jobs: number = o.jobs ?? defaultJobs();
      const tty = process.stderr.isTTY === true;
      process.stderr.write(
        `socklab: grading with ${jobs} lab${jobs === 1 ? '' : 's'} at once (${o.jobs ? '--jobs' : 'from the cores and free memory'}), backend ${o.backend}\n`,
      );
      const giveUp = new AbortController();
      const labs = new Set<string>();
      const interrupted = (): void => {
        if (!giveUp.signal.aborted) {
          process.stderr.write(
            'socklab: interrupted; finishing the checks under way and removing every lab\n',
          );
          giveUp.abort();
          return;
        }
        void Promise.all([...labs].map((p) => removeLab(p, o.backend).catch(() => {}))).finally(() =>
          process.exit(130),
        );
      };
      process.on('SIGINT', interrupted);
      process.on('SIGTERM', interrupted);
      const bar = progressBar();
      const started = Date.now();
      let result: Awaited<ReturnType<typeof runGrade>>;
      try {
        result = await runGrade({
          dir,
          assignment,
          role: o.role,
          jobs,
          backend: o.backend,
          reuseLabs: !o.freshLabs,
          shard: o.shard,
          signal: giveUp.signal,
          onLab: (p) => labs.add(p),
          onDone: (r, done, total) => {
            const eta = done ? Math.round((((Date.now() - started) / done) * (total - done)) / 1000) : 0;
            if (tty) bar.update(done, total, `${r.name} ${r.score}/${r.maxScore}; about ${eta} s left`);
            else
              process.stderr.write(
                `socklab: [${done}/${total}] ${r.name}: ${r.score}/${r.maxScore}${r.problem ? ` (${r.problem})` : ''}\n`,
              );
          },
        });
      } catch (err) {
        if (giveUp.signal.aborted) {
          await Promise.all([...labs].map((p) => removeLab(p, o.backend).catch(() => {})));
          process.exit(130);
        }
        throw err;
      } finally {
        bar.end();
        process.off('SIGINT', interrupted);
        process.off('SIGTERM', interrupted);
      }
      if (o.shard)
        process.stderr.write(
          `socklab: shard ${o.shard.index}/${o.shard.count}: ${result.submissions.length} of ${result.shard?.found.length ?? '?'} submissions\n`,
        );
      if (o.save) writeFlagFile(o.save, '--save', `${JSON.stringify(savedGrade(result, assignment))}\n`);
      writeReports(result, assignment, o);
      // A batch that ran is a success, whatever the scores: the scores are in the reports.
      process.exitCode = 0;
    });
}
