// socklab check: one program judged against an assignment (see src/grading/).
import { existsSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { AppError } from '../../apps/app-error.ts';
import { checkProgram } from '../../experiments/check-program.ts';
import { loadProfile } from '../../lab/profiles.ts';
import { port } from '../cli-options.ts';
import { targetLab } from '../lab-target.ts';
import { emitResult } from '../report-output.ts';

export function registerCheck(program: Command): void {
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
