// socklab run: an experiment from the client (compare, pinger, concurrency, framing), or the raw
// UDP/TCP measurement client. Prints a table (or --json), can write --html; exit 0 only when every
// verdict passes.
import type { Command } from 'commander';
import { PROGRAM as TCP_ECHO_CLIENT } from '../../apps/tcp-echo-client.ts';
import { PROGRAM as UDP_ECHO_CLIENT } from '../../apps/udp-echo-client.ts';
import { SocklabError } from '../../common/errors.ts';
import { compare } from '../../experiments/compare.ts';
import { concurrency } from '../../experiments/concurrency.ts';
import { framing } from '../../experiments/framing.ts';
import { pinger } from '../../experiments/pinger.ts';
import { appOn } from '../../lab/lab-host.ts';
import { positiveInt } from '../cli-options.ts';
import { targetLab } from '../lab-target.ts';
import { emitResult } from '../report-output.ts';

export const EXPERIMENTS = ['udp', 'tcp', 'compare', 'pinger', 'concurrency', 'framing'] as const;

export function registerRun(program: Command): void {
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
        throw new SocklabError(
          'usage.invalid',
          `experiment must be one of ${EXPERIMENTS.join(', ')}, got '${experiment}'; e.g. socklab run compare`,
        );
      }
      const lab = await targetLab(o.project);
      if (experiment === 'udp' || experiment === 'tcp') {
        const program = experiment === 'udp' ? UDP_ECHO_CLIENT : TCP_ECHO_CLIENT;
        const values = { host: 'server', count: o.count ?? 200, json: o.json === true };
        const args =
          experiment === 'udp'
            ? UDP_ECHO_CLIENT.argv({ ...values, interval: 5 })
            : TCP_ECHO_CLIENT.argv(values);
        const r = await lab.client.exec(['node', appOn(lab.client, program.name), ...args], {
          timeoutMs: 600_000,
        });
        process.stdout.write(r.stdout);
        if (r.stderr) process.stderr.write(r.stderr);
        process.exitCode = r.exitCode;
        return;
      }
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
}
