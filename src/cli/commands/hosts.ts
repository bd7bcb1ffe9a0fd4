// socklab shell, exec, logs, capture: the hosts of a running lab, whichever backend runs it.
// Hosts by name: client, client2, ... (a lab of several clients), link, server.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { SocklabError } from '../../common/errors.ts';
import { clientIndex } from '../../link/model/impairment-model.ts';
import { positiveInt } from '../cli-options.ts';
import { targetLab } from '../lab-target.ts';

export const exitCodeOf = (child: ReturnType<typeof spawn>): Promise<number> =>
  new Promise((resolve) => child.on('close', (code) => resolve(code ?? 0)));

/** A host's name as the lab spells them; anything else is refused before a lab is looked for. */
function checkHostName(host: string): string {
  if (host === 'link' || host === 'server' || clientIndex(host) >= 0) return host;
  throw new SocklabError(
    'usage.invalid',
    `host must be client, link or server (or client2, client3, ... in a lab of several clients), got '${host}'; e.g. socklab shell client`,
  );
}

export function registerHostCommands(program: Command): void {
  program
    .command('shell')
    .description('a shell on one of the hosts')
    .argument('<host>', 'client | link | server (client2, ... in a lab of several clients)')
    .option('--project <name>', 'which lab')
    .action(async (host: string, o) => {
      const name = checkHostName(host);
      const lab = await targetLab(o.project);
      const [cmd, ...args] = lab.host(name).shellCommand();
      process.exitCode = await exitCodeOf(spawn(cmd!, args, { stdio: 'inherit' }));
    });

  program
    .command('exec')
    .description('run a command on one of the hosts, print its output and exit with its code')
    .argument('<host>', 'client | link | server (client2, ... in a lab of several clients)')
    .argument('<command...>', 'the command and its arguments (after --), e.g. -- ping -c 3 server')
    .option('--project <name>', 'which lab')
    .option('--timeout <seconds>', 'give up after this long', positiveInt('--timeout'), 60)
    .action(async (host: string, command: string[], o) => {
      const name = checkHostName(host);
      const lab = await targetLab(o.project);
      const r = await lab.host(name).exec(command, { timeoutMs: o.timeout * 1000 });
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      process.exitCode = r.exitCode;
    });

  program
    .command('logs')
    .description("the hosts' logs")
    .option('--project <name>', 'which lab')
    .option('--tail <n>', 'lines per host', positiveInt('--tail'), 100)
    .action(async (o) => {
      const lab = await targetLab(o.project);
      for (const host of [lab.link, lab.server, ...lab.clients]) {
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
