// socklab up: start a lab and wait until it is ready; Ctrl-C while it comes up removes it.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, Option } from 'commander';
import { SocklabError } from '../../common/errors.ts';
import { type EndpointSpec, parsePortSpec } from '../../lab/endpoint.ts';
import { type ExposeState, exposeStateFile, readExposeState } from '../../lab/expose-state.ts';
import {
  BACKENDS,
  type Backend,
  ENGINES,
  removeLab,
  type StartedLab,
  startLab,
  uniqueProject,
  validateProject,
} from '../../lab/start-lab.ts';
import { formatScenarioStatus } from '../../link/control/scenario-runner.ts';
import { MAX_CLIENTS } from '../../link/model/impairment-model.ts';
import { formatClientPaths, formatDirection } from '../../link/model/impairment-text.ts';
import { profileNames } from '../../link/model/profiles.ts';
import { scenarioNames } from '../../link/model/scenario-file.ts';
import { clientCount, positiveInt } from '../cli-options.ts';
import { linkInput, print } from '../link-input.ts';

const collect = (v: string, all: string[]): string[] => [...all, v];

/**
 * `socklab expose` for the lab, left running on its own (the ports outlive this command, as the
 * lab does; `socklab down` ends it). Waits until it says what it exposes; a failure removes the lab.
 */
async function exposeInBackground(
  project: string,
  backend: Backend,
  specs: string[],
): Promise<ExposeState['exposed']> {
  const log = `${exposeStateFile(project)}.log`;
  mkdirSync(dirname(log), { recursive: true });
  const out = openSync(log, 'w');
  const child = spawn(
    process.execPath,
    [
      // The CLI's entry beside this file: socklab.ts from a clone, socklab.js when built.
      fileURLToPath(new URL(`../socklab${extname(import.meta.url)}`, import.meta.url)),
      'expose',
      '--project',
      project,
      ...specs,
    ],
    {
      detached: true,
      stdio: ['ignore', out, out],
    },
  );
  child.unref();
  for (let i = 0; i < 300; i++) {
    const s = readExposeState(project);
    if (s && s.pid === child.pid) return s.exposed;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const why = readFileSync(log, 'utf8').trim().split('\n').at(-1) ?? 'it did not start';
  await removeLab(project, backend);
  throw new SocklabError(
    'usage.invalid',
    `could not expose ${specs.join(', ')}: ${why.replace(/^socklab: /, '')}; the lab was removed`,
  );
}

/** The clients and their own paths, for a lab of several (nothing for one). */
function clientsLine(lab: StartedLab): string {
  if (lab.clients.length === 1) return '';
  const own = formatClientPaths(lab.model.paths);
  return `  clients: ${lab.clients.map((h) => `${h.name} (${h.labAddress})`).join(', ')}${own ? `; ${own}` : ''}\n`;
}

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
    .option(
      '--clients <n>',
      `how many clients, 1-${MAX_CLIENTS}: client, client2, ... each on its own path`,
      clientCount,
    )
    .option('--paths <paths>', "clients' own paths: 'client2: loss 30%; client3 down: delay 250ms'")
    .option('--project <name>', 'the lab’s name (default: a unique one)')
    .option('--demo', "run the client's UDP-vs-TCP demo at start-up (docker)")
    .option('--server-image <image>', 'your own image at the server end (docker): it joins the server host')
    .option('--server-cmd <command>', 'its command (docker), or your program at the server end (netns)')
    .option('--client-image <image>', 'your own image at the client end (docker)')
    .option('--client-cmd <command>', 'its command (docker), or your program at the client end (netns)')
    .option(
      '--ready <port/proto>',
      'wait until the server end listens there (e.g. 80/tcp) before saying the lab is up',
    )
    .option(
      '--expose <port/proto>',
      'a server port to reach from this machine (repeat it), e.g. 6789/tcp',
      collect,
      [],
    )
    .option(
      '--replay <file>',
      'give the flows the fates of a recorded run (socklab record -o FILE); its model decides the rest',
    )
    .option('--json', 'print the lab as JSON')
    .action(async (o) => {
      const started = performance.now();
      const project = validateProject(o.project ?? uniqueProject());
      const input = linkInput(undefined, o);
      const exposes = (o.expose as string[]).map(parsePortSpec);
      const ready = o.ready ? parsePortSpec(o.ready) : undefined;
      const end = (image?: string, cmd?: string): EndpointSpec | undefined =>
        image || cmd
          ? { image, command: cmd, ready: ready && { port: ready.port, proto: ready.proto } }
          : undefined;
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
        clients: o.clients,
        project,
        demo: o.demo,
        ...(o.replay ? { replay: o.replay } : {}),
        server: end(o.serverImage, o.serverCmd),
        client: end(o.clientImage, o.clientCmd),
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
      const replaying = o.replay ? `  replaying ${o.replay} (socklab record --report: how it goes)\n` : '';
      const exposed = exposes.length ? await exposeInBackground(lab.project, lab.backend, o.expose) : [];
      print(
        o.json,
        {
          project: lab.project,
          backend: lab.backend,
          model: lab.model,
          scenario,
          readyMs: ms,
          exposed,
          clients: lab.clients.map((h) => h.name),
        },
        `lab ${lab.project} (${lab.backend}) is up in ${(ms / 1000).toFixed(1)} s; up: ${formatDirection(lab.model.up)}; down: ${formatDirection(lab.model.down)}${scenario ? `\n  ${formatScenarioStatus(scenario)}` : ''}\n` +
          clientsLine(lab) +
          replaying +
          exposed
            .map((e) => `  127.0.0.1:${e.port}/${e.proto} -> server:${e.labPort}/${e.proto}\n`)
            .join('') +
          `  socklab shell client   |   socklab run compare   |   socklab down --project ${lab.project}`,
      );
    });
}
