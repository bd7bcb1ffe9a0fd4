#!/usr/bin/env node
// socklab: brings labs up and down, changes the link at run time, runs the echo experiments.
// Validation happens before anything starts; errors are one line with the fix, never a trace.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { Command, CommanderError, Option } from 'commander';
import { AppError } from '../apps/app-error.ts';
import { compose } from '../lab/compose-cli.ts';
import { assertEngine, containerLogs, labProjects } from '../lab/docker-engine.ts';
import type { ContainerHost } from '../lab/lab-host.ts';
import { loadProfile, profileNames } from '../lab/profiles.ts';
import { attachLab, ENGINES, startLab, uniqueProject, validateProject } from '../lab/start-lab.ts';
import { ImpairmentError } from '../link/impairment-error.ts';
import {
  buildLinkModel,
  formatDirection,
  formatLinkModel,
  type LinkModelInput,
} from '../link/impairment-text.ts';
import { IMPAIRMENTS } from '../link/impairments/registry.ts';
import { positiveInt } from './cli-options.ts';
import { addExperimentCommands } from './experiment-commands.ts';
import { targetLab, targetProject } from './lab-target.ts';

const APPS = '/opt/socklab/src/apps';

const exitCodeOf = (child: ReturnType<typeof spawn>): Promise<number> =>
  new Promise((resolve) => child.on('close', (code) => resolve(code ?? 0)));

const print = (json: boolean, data: unknown, text: string): void => {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${text}\n`);
};

/** The link from the flags: a profile, or --impair/--up/--down (not both). */
function linkInput(
  spec: string | undefined,
  o: { impair?: string; up?: string; down?: string; seed?: number; profile?: string },
): LinkModelInput {
  const impair = spec ?? o.impair;
  if (!o.profile) return { impair, up: o.up, down: o.down, seed: o.seed };
  if (impair !== undefined || o.up !== undefined || o.down !== undefined)
    throw new AppError(
      'EINVAL',
      'give either --profile or an impairment (--impair/--up/--down), not both; e.g. --profile satellite',
      2,
    );
  const { model } = loadProfile(o.profile);
  return { up: model.up, down: model.down, seed: o.seed ?? model.seed };
}

export function buildProgram(): Command {
  const program = new Command('socklab')
    .description('A multi-host lab for socket programming: client, impaired link, server.')
    .showHelpAfterError(false)
    .exitOverride();
  const impairHelp = `impairment in netem's words, e.g. 'delay 40ms loss 10%' (${IMPAIRMENTS.map((i) => i.keyword).join(', ')})`;

  program
    .command('up')
    .description('start a lab (client, link, server) and wait until it is ready')
    .option('--impair <spec>', `both directions: ${impairHelp}`)
    .option('--up <spec>', 'client to server (replaces fields of --impair)')
    .option('--down <spec>', 'server to client (replaces fields of --impair)')
    .option('--profile <name>', `a scenario from lab/profiles: ${profileNames().join(', ')}`)
    .addOption(new Option('--engine <engine>', 'who impairs').choices([...ENGINES]).default('relay'))
    .option('--seed <n>', 'seed of the random decisions', positiveInt('--seed'))
    .option('--project <name>', 'Compose project name (default: a unique one)')
    .option('--demo', "run the client's UDP-vs-TCP demo at start-up")
    .option('--json', 'print the lab as JSON')
    .action(async (o) => {
      const started = performance.now();
      const project = validateProject(o.project ?? uniqueProject());
      // Ctrl-C while the lab comes up: let Compose finish what it is creating (stopping it
      // half-way leaves containers behind), remove it all, then stop. A second Ctrl-C does not wait.
      const giveUp = new AbortController();
      const interrupted = (): void => {
        if (!giveUp.signal.aborted) {
          process.stderr.write(`socklab: interrupted; removing ${project}\n`);
          giveUp.abort();
          return;
        }
        void compose(project, ['down', '-v', '-t', '1']).finally(() => process.exit(130));
      };
      process.on('SIGINT', interrupted);
      process.on('SIGTERM', interrupted);
      const lab = await startLab({
        ...linkInput(undefined, o),
        engine: o.engine,
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
      print(
        o.json,
        { project: lab.project, model: lab.model, readyMs: ms },
        `lab ${lab.project} is up in ${(ms / 1000).toFixed(1)} s; up: ${formatDirection(lab.model.up)}; down: ${formatDirection(lab.model.down)}\n` +
          `  socklab shell client   |   socklab run compare   |   socklab down --project ${lab.project}`,
      );
    });

  program
    .command('down')
    .description('stop and remove a lab (or --all of them)')
    .option('--project <name>', 'which lab')
    .option('--all', 'every socklab lab on this engine')
    .action(async (o) => {
      await assertEngine();
      // Only the name is needed: attaching would ask linkd for its model first.
      const projects = o.all ? await labProjects() : [await targetProject(o.project)];
      await Promise.all(projects.map((p) => compose(p, ['down', '-v', '-t', '1'])));
      process.stdout.write(projects.length ? `removed ${projects.join(', ')}\n` : 'no labs were running\n');
    });

  program
    .command('status')
    .description('the labs running, and the link model of each')
    .option('--json', 'as JSON')
    .action(async (o) => {
      await assertEngine();
      const rows = [];
      for (const p of await labProjects()) {
        // A lab whose link is not answering is still listed, with linkd's complaint.
        const lab = await attachLab(p).catch((err: Error) => err);
        if (lab instanceof Error) {
          rows.push({ project: p, engine: null, link: lab.message, stats: null });
          continue;
        }
        const stats = await lab.linkStats().catch(() => null);
        rows.push({ project: p, engine: lab.engine, link: formatLinkModel(lab.model), stats });
      }
      print(
        o.json,
        rows,
        rows.length
          ? rows.map((r) => `${r.project}: ${r.engine ? `engine ${r.engine}; ` : ''}${r.link}`).join('\n')
          : 'no labs are running',
      );
    });

  program
    .command('impair')
    .description('change the link now, without restarting anything')
    .argument('[spec]', `both directions: ${impairHelp}; 'none' clears`)
    .option('--up <spec>', 'client to server')
    .option('--down <spec>', 'server to client')
    .option('--seed <n>', 'seed', positiveInt('--seed'))
    .option('--profile <name>', 'a scenario from lab/profiles')
    .option('--project <name>', 'which lab')
    .option('--json', 'as JSON')
    .action(async (spec, o) => {
      // Checked here first, so a typo fails before any container is touched.
      const input = linkInput(spec, o);
      buildLinkModel(input);
      await assertEngine();
      const lab = await targetLab(o.project);
      const model = await lab.impair(input);
      print(o.json, model, formatLinkModel(model));
    });

  addExperimentCommands(program, async (experiment, o) => {
    const lab = await targetLab(o.project);
    const cmd = [
      'node',
      `${APPS}/${experiment}-echo-client.ts`,
      '--host',
      'server',
      '--count',
      String(o.count),
      ...(experiment === 'udp' ? ['--interval', '5'] : []),
      ...(o.json ? ['--json'] : []),
    ];
    const r = await lab.client.exec(cmd, { timeoutMs: 600_000 });
    process.stdout.write(r.stdout);
    if (r.stderr) process.stderr.write(r.stderr);
    process.exitCode = r.exitCode;
  });

  program
    .command('shell')
    .description('a shell on one of the hosts')
    .argument('<host>', 'client | link | server')
    .option('--project <name>', 'which lab')
    .action(async (host: string, o) => {
      if (!['client', 'link', 'server'].includes(host)) {
        throw new AppError(
          'EINVAL',
          `host must be client, link or server, got '${host}'; e.g. socklab shell client`,
          2,
        );
      }
      await assertEngine();
      const lab = await targetLab(o.project);
      const container = (lab[host as 'client'] as ContainerHost).container;
      const child = spawn('docker', ['exec', '-it', container, 'bash'], { stdio: 'inherit' });
      process.exitCode = await exitCodeOf(child);
    });

  program
    .command('logs')
    .description("the hosts' logs")
    .option('--project <name>', 'which lab')
    .option('--tail <n>', 'lines per host', positiveInt('--tail'), 100)
    .action(async (o) => {
      await assertEngine();
      const lab = await targetLab(o.project);
      for (const host of [lab.link, lab.server, lab.client] as ContainerHost[]) {
        process.stdout.write(
          `== ${host.role} (${host.container})\n${await containerLogs(host.container, o.tail)}`,
        );
      }
    });

  program
    .command('capture')
    .description("capture the link's inner frames (pcapng; dropped frames marked) for --seconds")
    .requiredOption('--out <file>', 'where to write it, e.g. link.pcap')
    .option('--seconds <n>', 'how long', positiveInt('--seconds'), 10)
    .option('--project <name>', 'which lab')
    .action(async (o) => {
      await assertEngine();
      const lab = await targetLab(o.project);
      const { pcapng, frames } = await lab.captureLink(o.seconds * 1000);
      await writeFile(o.out, pcapng);
      process.stdout.write(
        `wrote ${o.out}: ${frames} frames (open it in Wireshark; dropped frames carry a comment)\n`,
      );
    });

  program
    .command('images')
    .description('build the lab image (offline base from Debian packages when the pull fails)')
    .option('--offline', 'build the offline base without trying to pull')
    .action(async (o) => {
      await assertEngine();
      const script = new URL('../../scripts/images.sh', import.meta.url).pathname;
      const child = spawn('bash', [script, ...(o.offline ? ['--offline'] : [])], { stdio: 'inherit' });
      process.exitCode = await exitCodeOf(child);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; commander has already printed its one line otherwise.
      return err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.help' ||
        err.code === 'commander.version'
        ? 0
        : 2;
    }
    if (err instanceof ImpairmentError || err instanceof AppError) {
      process.stderr.write(`socklab: ${err.message.split('\n').join('\nsocklab: ')}\n`);
      return err.exitCode;
    }
    process.stderr.write(`socklab: unexpected error: ${(err as Error).message}\n`);
    return 70;
  }
}

process.exitCode = await main(process.argv.slice(2));
