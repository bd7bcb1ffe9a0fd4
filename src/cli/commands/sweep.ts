// socklab sweep: compare at each point of a loss × delay grid.
import type { Command } from 'commander';
import { sweep } from '../../experiments/sweep.ts';
import { progressBar } from '../../report/progress-bar.ts';
import { numberList, positiveInt } from '../cli-options.ts';
import { targetLab } from '../lab-target.ts';
import { emitResult } from '../report-output.ts';

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description(
      'compare UDP and TCP at each loss (and delay) value: delivery, completion time, retransmissions',
    )
    .option(
      '--loss <list>',
      'loss each way, percent',
      numberList('--loss', 0, 100, '0,5,10,20'),
      [0, 5, 10, 20],
    )
    .option('--delay <list>', 'delay each way, ms', numberList('--delay', 0, 10_000, '0,50'), [0])
    .option('--count <n>', 'messages per protocol per point', positiveInt('--count'), 100)
    .option('--project <name>', 'which lab')
    .option('--json', 'as JSON')
    .option('--html <file>', 'also write a self-contained HTML report')
    .action(async (o) => {
      const lab = await targetLab(o.project);
      const bar = progressBar();
      const result = await sweep(lab, {
        loss: o.loss,
        delay: o.delay,
        count: o.count,
        onProgress: (done, total, p) =>
          bar.update(done, total, `loss ${p.lossPercent}%, delay ${p.delayMs} ms`),
      });
      bar.end();
      process.exitCode = emitResult(result, o);
    });
}
