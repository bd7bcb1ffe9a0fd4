// socklab impair: change the link now, or start a timed scenario, without restarting anything.
import type { Command } from 'commander';
import { SocklabError } from '../../common/errors.ts';
import { formatScenarioStatus } from '../../link/control/scenario-runner.ts';
import { buildLinkModel, clientNameProblem, formatLinkModel } from '../../link/model/impairment-text.ts';
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
    .option('--client <name>', "that client's path only (client2, ...); without it, every client's")
    .option('--paths <paths>', "clients' own paths: 'client2: loss 30%; client3 down: delay 250ms'")
    .option('--profile <name>', 'link settings from lab/profiles')
    .option('--scenario <name|file|steps>', "a timed scenario from now ('clear' stops it)")
    .option('--project <name>', 'which lab')
    .option('--json', 'as JSON')
    .action(async (spec, o) => {
      const clear = o.scenario === 'clear';
      // Checked here first, so a typo fails before any host is touched.
      const input = linkInput(spec, { ...o, scenario: clear ? undefined : o.scenario });
      const { paths, scenario, ...base } = input;
      const hasModel = base.impair !== undefined || base.up !== undefined || base.down !== undefined;
      if (!hasModel && !paths && !scenario && !clear && base.seed === undefined)
        throw new SocklabError(
          'usage.invalid',
          "impair needs an impairment, --up/--down, --paths, --profile or --scenario; e.g. socklab impair 'delay 40ms loss 10%'",
        );
      const client: string | undefined = o.client;
      if (client !== undefined) {
        const bad = clientNameProblem(client);
        if (bad) throw new SocklabError('usage.invalid', `--client: ${bad}`);
        if (paths)
          throw new SocklabError(
            'usage.invalid',
            "give either --client with an impairment or --paths, not both; e.g. socklab impair --client client2 'loss 30%'",
          );
      }
      buildLinkModel(input);
      const lab = await targetLab(o.project);
      // Each client the lab lacks is refused before anything changes.
      for (const name of [client, ...Object.keys(paths ?? {})])
        if (name !== undefined && !lab.clients.some((h) => h.name === name)) lab.host(name);
      if (hasModel || base.seed !== undefined) await lab.impair({ ...base, ...(client ? { client } : {}) });
      for (const [name, path] of Object.entries(paths ?? {})) await lab.impair({ ...path, client: name });
      const on = client ? { client } : {};
      const status = scenario
        ? await lab.scenario(scenario, on)
        : clear
          ? await lab.scenario(null, on)
          : null;
      print(
        o.json,
        { model: lab.model, scenario: status },
        `${formatLinkModel(lab.model)}${status ? `\n${formatScenarioStatus(status)}` : clear ? '\nno scenario runs' : ''}`,
      );
    });
}
