// The CLI's experiments: run compare|pinger|concurrency|framing, sweep, check. Each prints a
// table (or --json), can write --html, and exits 0 only when every verdict passes.
import { existsSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { AppError } from '../apps/app-error.ts';
import { checkProgram } from '../experiments/check-program.ts';
import { compare } from '../experiments/compare.ts';
import { concurrency } from '../experiments/concurrency.ts';
import { framing } from '../experiments/framing.ts';
import { pinger } from '../experiments/pinger.ts';
import { sweep } from '../experiments/sweep.ts';
import { assertEngine } from '../lab/docker-engine.ts';
import { loadProfile } from '../lab/profiles.ts';
import { progressBar } from '../report/progress-bar.ts';
import { numberList, port, positiveInt } from './cli-options.ts';
import { targetLab } from './lab-target.ts';
import { emitResult } from './report-output.ts';

export const EXPERIMENTS = ['udp', 'tcp', 'compare', 'pinger', 'concurrency', 'framing'] as const;

export function addExperimentCommands(
  program: Command,
  runRaw: (
    experiment: 'udp' | 'tcp',
    o: { count: number; project?: string; json?: boolean },
  ) => Promise<void>,
): void {
  program
    .command('run')
    .description('run an experiment from the client: udp, tcp, compare, pinger, concurrency, framing')
    .argument('<experiment>', EXPERIMENTS.join(' | '))
    .option(
      '--count <n>',
      'messages (udp, tcp, compare: 200; pinger: 20 pings; framing: 20 messages)',
      positiveInt('--count'),
    )
    .option('--interval <ms>', 'pinger: time between pings', positiveInt('--interval'), 200)
    .option('--clients <n>', 'concurrency: clients at once', positiveInt('--clients'), 5)
    .option(
      '--hold <ms>',
      'concurrency: how long each client holds its connection',
      positiveInt('--hold'),
      300,
    )
    .option('--project <name>', 'which lab')
    .option('--json', 'as JSON')
    .option('--html <file>', 'also write a self-contained HTML report')
    .action(async (experiment: string, o) => {
      if (!(EXPERIMENTS as readonly string[]).includes(experiment)) {
        throw new AppError(
          'EINVAL',
          `experiment must be one of ${EXPERIMENTS.join(', ')}, got '${experiment}'; e.g. socklab run compare`,
          2,
        );
      }
      await assertEngine();
      if (experiment === 'udp' || experiment === 'tcp')
        return runRaw(experiment, { ...o, count: o.count ?? 200 });
      const lab = await targetLab(o.project);
      const result =
        experiment === 'compare'
          ? await compare(lab, { count: o.count ?? 200 })
          : experiment === 'pinger'
            ? await pinger(lab, { count: o.count ?? 20, intervalMs: o.interval })
            : experiment === 'concurrency'
              ? await concurrency(lab, { clients: o.clients, holdMs: o.hold })
              : await framing(lab, { messages: o.count ?? 20 });
      process.exitCode = emitResult(result, o);
    });

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
      await assertEngine();
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

  program
    .command('check')
    .description(
      'check your own echo server or client: copied into its host, run, measured, judged (exit 0 when all pass)',
    )
    .option('--server <file>', 'your server program (e.g. UDPServer.py)')
    .option('--client <file>', 'your client program; run as: PROGRAM server PORT, the sentence on stdin')
    .addOption(
      new Option('--proto <proto>', 'which protocol it speaks').choices(['udp', 'tcp']).default('udp'),
    )
    .option('--port <port>', 'the port it listens on (server) or is given (client)', port, 12000)
    .option('--profile <name>', 'the link it must survive (lab/profiles)', 'lossy-wifi')
    .option('--project <name>', 'which lab')
    .option('--json', 'as JSON')
    .option('--html <file>', 'also write a self-contained HTML report')
    .action(async (o) => {
      if (!o.server === !o.client)
        throw new AppError(
          'EINVAL',
          'check needs exactly one of --server FILE or --client FILE; e.g. socklab check --server UDPServer.py',
          2,
        );
      const file: string = o.server ?? o.client;
      if (!existsSync(file))
        throw new AppError('ENOENT', `no such file: ${file}; give the path to your program`, 2);
      const profile = loadProfile(o.profile);
      await assertEngine();
      const lab = await targetLab(o.project);
      const result = await checkProgram(lab, {
        role: o.server ? 'server' : 'client',
        file,
        proto: o.proto,
        port: o.port,
        profile,
      });
      process.exitCode = emitResult(result, o);
    });
}
