// socklab impair: change the link now, or start a timed scenario, without restarting anything.
import type { Command } from 'commander';
import { SocklabError } from '../../common/errors.ts';
import { formatScenarioStatus } from '../../link/control/scenario-runner.ts';
import { buildLinkModel, formatLinkModel } from '../../link/model/impairment-text.ts';
import { positiveInt } from '../cli-options.ts';
import { targetLab } from '../lab-target.ts';
import { linkInput, print } from '../link-input.ts';

export function registerImpair(program: Command, impairHelp: string): void {
  program
    .command('impair')
    .description('change the link now (or run a timed scenario), without restarting anything')
    .argument('[spec]', `both directions: ${impairHelp}; 'none' clears`)
    .option('--up <spec>', 'client to server')
    .option('--down <spec>', 'server to client')
    .option('--seed <n>', 'seed', positiveInt('--seed'))
    .option('--profile <name>', 'link settings from lab/profiles')
    .option('--scenario <name|file|steps>', "a timed scenario from now ('clear' stops it)")
    .option('--project <name>', 'which lab')
    .option('--json', 'as JSON')
    .action(async (spec, o) => {
      const clear = o.scenario === 'clear';
      // Checked here first, so a typo fails before any host is touched.
      const input = linkInput(spec, { ...o, scenario: clear ? undefined : o.scenario });
      const hasModel = input.impair !== undefined || input.up !== undefined || input.down !== undefined;
      if (!hasModel && !input.scenario && !clear && input.seed === undefined)
        throw new SocklabError(
          'usage.invalid',
          "impair needs an impairment, --up/--down, --profile or --scenario; e.g. socklab impair 'delay 40ms loss 10%'",
        );
      buildLinkModel(input);
      const lab = await targetLab(o.project);
      if (hasModel || input.seed !== undefined) await lab.impair(input);
      const status = input.scenario
        ? await lab.scenario(input.scenario)
        : clear
          ? await lab.scenario(null)
          : null;
      print(
        o.json,
        { model: lab.model, scenario: status },
        `${formatLinkModel(lab.model)}${status ? `\n${formatScenarioStatus(status)}` : clear ? '\nno scenario runs' : ''}`,
      );
    });
}
