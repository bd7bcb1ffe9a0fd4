// socklab up: start a lab and wait until it is ready; Ctrl-C while it comes up removes it.
import { type Command, Option } from 'commander';
import {
  BACKENDS,
  ENGINES,
  removeLab,
  startLab,
  uniqueProject,
  validateProject,
} from '../../lab/start-lab.ts';
import { formatScenarioStatus } from '../../link/control/scenario-runner.ts';
import { formatDirection } from '../../link/model/impairment-text.ts';
import { profileNames } from '../../link/model/profiles.ts';
import { scenarioNames } from '../../link/model/scenario-file.ts';
import { positiveInt } from '../cli-options.ts';
import { linkInput, print } from '../link-input.ts';

export function registerUp(program: Command, impairHelp: string): void {
  program
    .command('up')
    .description('start a lab (client, link, server) and wait until it is ready')
    .option('--impair <spec>', `both directions: ${impairHelp}`)
    .option('--up <spec>', 'client to server (replaces fields of --impair)')
    .option('--down <spec>', 'server to client (replaces fields of --impair)')
    .option('--profile <name>', `link settings from lab/profiles: ${profileNames().join(', ')}`)
    .option(
      '--scenario <name|file|steps>',
      `a timed scenario: ${scenarioNames().join(', ')}, a file, or steps`,
    )
    .addOption(new Option('--engine <engine>', 'who impairs').choices([...ENGINES]).default('relay'))
    .addOption(
      new Option('--backend <backend>', 'containers, or network namespaces on this machine (root, no Docker)')
        .choices([...BACKENDS])
        .default('docker'),
    )
    .option('--seed <n>', 'seed of the random decisions', positiveInt('--seed'))
    .option('--project <name>', 'the lab’s name (default: a unique one)')
    .option('--demo', "run the client's UDP-vs-TCP demo at start-up (docker)")
    .option('--json', 'print the lab as JSON')
    .action(async (o) => {
      const started = performance.now();
      const project = validateProject(o.project ?? uniqueProject());
      const input = linkInput(undefined, o);
      // Ctrl-C while the lab comes up: let what is being created finish (stopping Compose half-way
      // leaves containers behind), remove it all, then stop. A second Ctrl-C does not wait.
      const giveUp = new AbortController();
      const interrupted = (): void => {
        if (!giveUp.signal.aborted) {
          process.stderr.write(`socklab: interrupted; removing ${project}\n`);
          giveUp.abort();
          return;
        }
        void removeLab(project, o.backend).finally(() => process.exit(130));
      };
      process.on('SIGINT', interrupted);
      process.on('SIGTERM', interrupted);
      const lab = await startLab({
        ...input,
        engine: o.engine,
        backend: o.backend,
        project,
        demo: o.demo,
        autoCleanup: false,
        signal: giveUp.signal,
      }).catch((err) => {
        // Removed by startLab already; the line above said why.
        if (giveUp.signal.aborted) process.exit(130);
        throw err;
      });
      process.off('SIGINT', interrupted);
      process.off('SIGTERM', interrupted);
      const ms = Math.round(performance.now() - started);
      const scenario = input.scenario ? (await lab.show()).scenario : null;
      print(
        o.json,
        { project: lab.project, backend: lab.backend, model: lab.model, scenario, readyMs: ms },
        `lab ${lab.project} (${lab.backend}) is up in ${(ms / 1000).toFixed(1)} s; up: ${formatDirection(lab.model.up)}; down: ${formatDirection(lab.model.down)}${scenario ? `\n  ${formatScenarioStatus(scenario)}` : ''}\n` +
          `  socklab shell client   |   socklab run compare   |   socklab down --project ${lab.project}`,
      );
    });
}
