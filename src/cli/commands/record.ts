// socklab record: a run's fates saved to a file, for `socklab up --replay` to give them again.
import type { Command } from 'commander';
import { SocklabError } from '../../common/errors.ts';
import { writeReplayFile } from '../../lab/replay-io.ts';
import { formatReplayReport } from '../../link/control/replay-report.ts';
import { targetLab } from '../lab-target.ts';
import { print } from '../link-input.ts';

export function registerRecord(program: Command): void {
  program
    .command('record')
    .description(
      "save the fates of every frame since the link's last reset to a file (replay it: socklab up --replay FILE)",
    )
    .option('-o, --output <file>', 'where to write the recording')
    .option('--reset', 'start a recording now: the link forgets what it recorded (and its counters)')
    .option(
      '--report',
      'how the replay in force went: which frames met their recorded fates, which flows diverged',
    )
    .option('--project <name>', 'which lab')
    .option('--json', 'as JSON')
    .action(async (o) => {
      if (!o.reset && !o.report && !o.output)
        throw new SocklabError(
          'usage.invalid',
          'socklab record needs something to do: --reset (start a recording), -o FILE (save it) or --report (how a replay goes)',
        );
      const lab = await targetLab(o.project);
      if (o.reset) {
        await lab.resetLink();
        process.stdout.write(
          `recording ${lab.project} from now; save it with: socklab record -o run.replay\n`,
        );
      }
      if (o.report) {
        const report = await lab.replayReport();
        print(
          o.json,
          report,
          report ? formatReplayReport(report).join('\n') : `${lab.project} replays nothing`,
        );
      }
      if (o.output) {
        const file = await lab.recordReplay();
        writeReplayFile(o.output, file);
        const flows = Object.values(file.flows).reduce((n, f) => n + Object.keys(f).length, 0);
        print(
          o.json,
          { path: o.output, frames: file.frames, flows },
          `wrote ${o.output}: ${file.frames} frames in ${flows} flows; replay them with: socklab up --replay ${o.output}`,
        );
      }
    });
}
