// socklab shell, logs, capture: the hosts of a running lab, whichever backend runs it.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { SocklabError } from '../../common/errors.ts';
import { positiveInt } from '../cli-options.ts';
import { targetLab } from '../lab-target.ts';

export const exitCodeOf = (child: ReturnType<typeof spawn>): Promise<number> =>
  new Promise((resolve) => child.on('close', (code) => resolve(code ?? 0)));

export function registerHostCommands(program: Command): void {
  program
    .command('shell')
    .description('a shell on one of the hosts')
    .argument('<host>', 'client | link | server')
    .option('--project <name>', 'which lab')
    .action(async (host: string, o) => {
      if (host !== 'client' && host !== 'link' && host !== 'server') {
        throw new SocklabError(
          'usage.invalid',
          `host must be client, link or server, got '${host}'; e.g. socklab shell client`,
        );
      }
      const lab = await targetLab(o.project);
      const [cmd, ...args] = lab[host].shellCommand();
      process.exitCode = await exitCodeOf(spawn(cmd!, args, { stdio: 'inherit' }));
    });

  program
    .command('logs')
    .description("the hosts' logs")
    .option('--project <name>', 'which lab')
    .option('--tail <n>', 'lines per host', positiveInt('--tail'), 100)
    .action(async (o) => {
      const lab = await targetLab(o.project);
      for (const host of [lab.link, lab.server, lab.client]) {
        process.stdout.write(`== ${host.name} (${host.describe})\n${await host.logs(o.tail)}`);
      }
    });

  program
    .command('capture')
    .description("capture the link's inner frames (pcapng; dropped frames marked) for --seconds")
    .requiredOption('--out <file>', 'where to write it, e.g. link.pcap')
    .option('--seconds <n>', 'how long', positiveInt('--seconds'), 10)
    .option('--project <name>', 'which lab')
    .action(async (o) => {
      const lab = await targetLab(o.project);
      const { pcapng, frames } = await lab.captureLink(o.seconds * 1000);
      await writeFile(o.out, pcapng);
      process.stdout.write(
        `wrote ${o.out}: ${frames} frames (open it in Wireshark; dropped frames carry a comment)\n`,
      );
    });
}
