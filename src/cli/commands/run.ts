// socklab run: an experiment from the client (compare, pinger, concurrency, framing, demux), or
// the raw UDP/TCP measurement client. In a lab of several clients, `--client` says which one. Prints a table (or --json), can write --html; exit 0 only when every
// verdict passes.
import type { Command } from 'commander';
import { PROGRAM as TCP_ECHO_CLIENT } from '../../apps/tcp-echo-client.ts';
import { PROGRAM as UDP_ECHO_CLIENT } from '../../apps/udp-echo-client.ts';
import { SocklabError } from '../../common/errors.ts';
import { compare } from '../../experiments/compare.ts';
import { concurrency } from '../../experiments/concurrency.ts';
import { demux } from '../../experiments/demux.ts';
import { framing } from '../../experiments/framing.ts';
import { pinger } from '../../experiments/pinger.ts';
import { appOn } from '../../lab/lab-host.ts';
import { clientIndex } from '../../link/model/impairment-model.ts';
import { positiveInt } from '../cli-options.ts';
import { targetLab } from '../lab-target.ts';
import { emitResult } from '../report-output.ts';

export const EXPERIMENTS = ['udp', 'tcp', 'compare', 'pinger', 'concurrency', 'framing', 'demux'] as const;

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run an experiment from the client: udp, tcp, compare, pinger, concurrency, framing, demux')
    .argument('<experiment>', EXPERIMENTS.join(' | '))
    .option(
      '--count <n>',
      'messages (udp, tcp, compare: 200; pinger: 20 pings; framing: 20 messages)',
      positiveInt('--count'),
    )
    .option('--interval <ms>', 'pinger: time between pings', positiveInt('--interval'), 200)
    .option(
      '--clients <n>',
      'concurrency: clients at once (5); demux: client sockets (one per client host)',
      positiveInt('--clients'),
    )
    .option('--client <name>', 'udp, tcp, compare, pinger, framing: from which client host', 'client')
    .option(
      '--hosts <n>',
      'concurrency, demux: over how many client hosts (default all of the lab’s)',
      positiveInt('--hosts'),
    )
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
      if (clientIndex(o.client) < 0)
        throw new SocklabError(
          'usage.invalid',
          `--client must name a client host (client, client2, ...), got '${o.client}'; e.g. --client client2`,
        );
      const lab = await targetLab(o.project);
      const from = lab.host(o.client);
      const hosts = o.hosts === undefined ? lab.clients : lab.clients.slice(0, o.hosts);
      if (o.hosts !== undefined && o.hosts > lab.clients.length)
        throw new SocklabError(
          'lab.no-host',
          `--hosts ${o.hosts} asks for more client hosts than the lab has (${lab.clients.length}); start a lab with more: socklab up --clients ${o.hosts}`,
        );
      if (experiment === 'udp' || experiment === 'tcp') {
        const program = experiment === 'udp' ? UDP_ECHO_CLIENT : TCP_ECHO_CLIENT;
        const values = { host: 'server', count: o.count ?? 200, json: o.json === true };
        const args =
          experiment === 'udp'
            ? UDP_ECHO_CLIENT.argv({ ...values, interval: 5 })
            : TCP_ECHO_CLIENT.argv(values);
        const r = await from.exec(['node', appOn(from, program.name), ...args], {
          timeoutMs: 600_000,
        });
        process.stdout.write(r.stdout);
        if (r.stderr) process.stderr.write(r.stderr);
        process.exitCode = r.exitCode;
        return;
      }
      const result =
        experiment === 'compare'
          ? await compare(lab, { count: o.count ?? 200, from: from.name })
          : experiment === 'pinger'
            ? await pinger(lab, { count: o.count ?? 20, intervalMs: o.interval })
            : experiment === 'concurrency'
              ? await concurrency(lab, { clients: o.clients ?? 5, holdMs: o.hold, hosts: hosts.length })
              : experiment === 'demux'
                ? await demux(lab, { clients: o.clients ?? hosts.length, count: o.count, hosts })
                : await framing(lab, { messages: o.count ?? 20 });
      process.exitCode = emitResult(result, o);
    });
}
