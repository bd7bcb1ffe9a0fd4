// socklab down: remove a lab, or every lab of both backends (also what a crash left half-made).
import type { Command } from 'commander';
import { listLabs, removeLab } from '../../lab/start-lab.ts';
import { targetProject } from '../lab-target.ts';

export function registerDown(program: Command): void {
  program
    .command('down')
    .description('stop and remove a lab (or --all of them, of both backends)')
    .option('--project <name>', 'which lab')
    .option('--all', 'every socklab lab on this machine')
    .action(async (o) => {
      let labs = [];
      if (o.all) {
        const listed = await listLabs();
        if (listed.dockerProblem && listed.labs.length === 0) throw listed.dockerProblem;
        labs = listed.labs;
      } else labs.push(await targetProject(o.project));
      await Promise.all(labs.map((l) => removeLab(l.project, l.backend)));
      process.stdout.write(
        labs.length ? `removed ${labs.map((l) => l.project).join(', ')}\n` : 'no labs were running\n',
      );
    });
}
