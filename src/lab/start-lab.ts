// startLab(): a whole lab (client, link, server) for a test suite or the CLI, as a typed
// lifecycle. `await using lab = await startLab({ impair: 'loss 10%' })` tears it down at the end
// of the scope. Everything is validated before anything starts.
import { randomBytes } from 'node:crypto';
import { AppError } from '../apps/app-error.ts';
import { type KernelCounters, parseSnmp } from '../apps/kernel-counters.ts';
import type { ControlReply } from '../link/control-protocol.ts';
import type { DirectionModel, LinkModel } from '../link/impairment-model.ts';
import { buildLinkModel, formatDirection, type LinkModelInput } from '../link/impairment-text.ts';
import type { PacketRecord } from '../link/packet-record.ts';
import type { RelayStats } from '../link/relay-stats.ts';
import { compose } from './compose-cli.ts';
import { composeUp } from './compose-environment.ts';
import { assertEngine, containerLogs, copyOut, engine, serviceContainers } from './docker-engine.ts';
import { ContainerHost, type LabHost } from './lab-host.ts';

export const LAB_IMAGE = process.env.SOCKLAB_IMAGE ?? 'socklab-lab:latest';
export const LAB_SUBNET = '198.19.0';
export const ENGINES = ['relay', 'netem'] as const;
export type Engine = (typeof ENGINES)[number];

export interface LabOptions extends LinkModelInput {
  engine?: Engine;
  /** Compose project name; unique by default so that labs run side by side. */
  project?: string;
  /** Run the client's demo at start-up (off for test suites). */
  demo?: boolean;
  readyTimeoutMs?: number;
  /**
   * Let testcontainers' Ryuk remove the lab when this process ends (default: true, as a test
   * suite wants). The CLI turns it off: its labs outlive the command that started them.
   */
  autoCleanup?: boolean;
  /**
   * Aborting gives up on the lab: what Compose is still creating is waited for (its process
   * cannot be stopped half-way without leaving containers), then everything is removed and
   * startLab rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

export interface StartedLab extends AsyncDisposable {
  readonly project: string;
  readonly client: LabHost;
  readonly link: LabHost;
  readonly server: LabHost;
  /** The model in force. */
  readonly model: LinkModel;
  /** Who impairs the link: linkd itself (relay) or the kernel's netem. */
  readonly engine: string;
  /** Changes the impairment at run time: what is named is replaced, what is not stays. */
  impair(input: LinkModelInput): Promise<LinkModel>;
  linkStats(): Promise<RelayStats>;
  linkRecord(since?: number): Promise<PacketRecord[]>;
  resetLink(): Promise<void>;
  /** The link's inner frames for `ms` as pcapng (dropped, duplicated, corrupted ones commented). */
  captureLink(ms: number): Promise<{ pcapng: Buffer; frames: number }>;
  counters(host: 'client' | 'server'): Promise<KernelCounters>;
  down(): Promise<void>;
}

const toText = (d: string | DirectionModel | undefined): string | undefined =>
  d === undefined || typeof d === 'string' ? d : formatDirection(d);

export function uniqueProject(): string {
  return `socklab-${randomBytes(3).toString('hex')}`;
}

export function validateProject(name: string): string {
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(name)) {
    throw new AppError(
      'EINVAL',
      `--project must be lowercase letters, digits, - or _ (at most 63), got '${name}'; e.g. --project lab1`,
    );
  }
  return name;
}

export async function assertImage(): Promise<void> {
  try {
    await engine().getImage(LAB_IMAGE).inspect();
  } catch {
    throw new AppError(
      'ENOIMAGE',
      `the lab image ${LAB_IMAGE} is missing; build it with: socklab images (offline: socklab images --offline)`,
      1,
    );
  }
}

async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  signal?: AbortSignal,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    signal?.throwIfAborted();
    const ok = await check().catch((err) => {
      if (err instanceof AppError) throw err;
      return false;
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new AppError(
    'ETIMEDOUT',
    `the lab did not become ready: ${what} (after ${timeoutMs} ms); see socklab logs`,
    1,
  );
}

async function linkctl(link: LabHost, args: string[]): Promise<ControlReply & { ok: true }> {
  const r = await link.exec(['node', '/opt/socklab/src/link/linkctl.ts', '--json', ...args]);
  if (r.exitCode !== 0)
    throw new AppError('ELINKD', r.stderr.trim().replace(/^linkctl: /, ''), r.exitCode === 2 ? 2 : 1);
  return {
    ok: true,
    ...(args[0] === 'record'
      ? {
          records: r.stdout
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l)),
        }
      : JSON.parse(r.stdout)),
  };
}

export function labEnvironment(model: LinkModel, engineName: Engine, demo: boolean): Record<string, string> {
  return {
    LAB_IMPAIR: '',
    LAB_IMPAIR_UP: formatDirection(model.up),
    LAB_IMPAIR_DOWN: formatDirection(model.down),
    LAB_ENGINE: engineName,
    LAB_SEED: String(model.seed),
    LAB_DEMO: demo ? 'on' : 'off',
    SOCKLAB_IMAGE: LAB_IMAGE,
  };
}

/** Attaches to a lab that is already running under `project`; without `known`, asks linkd for its model and engine. */
export async function attachLab(
  project: string,
  known?: { model: LinkModel; engine: string },
  down: () => Promise<void> = async () =>
    void (await compose(project, ['down', '-v', '-t', '1'], { SOCKLAB_IMAGE: LAB_IMAGE })),
): Promise<StartedLab> {
  const containers = await serviceContainers(project);
  const name = (s: string): string => {
    const found = containers.get(s);
    if (!found)
      throw new AppError(
        'ENOLAB',
        `lab ${project} has no ${s} container; remove it and start again: socklab down --project ${project}; socklab up`,
        1,
      );
    return found;
  };
  const client = new ContainerHost('client', name('client'), `${LAB_SUBNET}.1`);
  const link = new ContainerHost('link', name('link'), null);
  const server = new ContainerHost('server', name('server'), `${LAB_SUBNET}.2`);
  const shown = known ?? (await linkctl(link, ['show']));
  let current = shown.model!;
  const lab: StartedLab = {
    project,
    client,
    link,
    server,
    engine: shown.engine ?? 'relay',
    get model() {
      return current;
    },
    async impair(input) {
      const args = ['set'];
      if (input.impair !== undefined) args.push('--impair', toText(input.impair) || 'none');
      if (input.up !== undefined) args.push('--up', toText(input.up) || 'none');
      if (input.down !== undefined) args.push('--down', toText(input.down) || 'none');
      if (input.seed !== undefined) args.push('--seed', String(input.seed));
      buildLinkModel(input);
      const r = await linkctl(link, args);
      current = r.model!;
      return current;
    },
    async linkStats() {
      return (await linkctl(link, ['stats'])).stats!;
    },
    async linkRecord(since = 0) {
      return (await linkctl(link, ['record', '--since', String(since)])).records!;
    },
    async resetLink() {
      await linkctl(link, ['reset']);
    },
    async captureLink(ms) {
      const inside = '/tmp/socklab-capture.pcap';
      await linkctl(link, ['capture', 'start', inside]);
      await new Promise((r) => setTimeout(r, ms));
      const stopped = await linkctl(link, ['capture', 'stop']);
      return { pcapng: await copyOut(link.container, inside), frames: stopped.capture?.frames ?? 0 };
    },
    async counters(host) {
      // netstat holds TcpExt (timeouts) in the same header/value pairs as snmp.
      const r = await (host === 'client' ? client : server).exec([
        'cat',
        '/proc/net/snmp',
        '/proc/net/netstat',
      ]);
      return parseSnmp(r.stdout);
    },
    down,
    async [Symbol.asyncDispose]() {
      await lab.down();
    },
  };
  return lab;
}

/** A readiness check that fails at once, with the host's last log line, when its container has stopped. */
function ready(host: LabHost, test: string[]): () => Promise<boolean> {
  return async () => {
    const container = (host as ContainerHost).container;
    const state = await engine().getContainer(container).inspect();
    if (!state.State.Running) {
      const why = (await containerLogs(container, 5)).trim().split('\n').at(-1) ?? `${host.role} exited`;
      throw new AppError(
        'EHOSTDOWN',
        `the ${host.role} host stopped: ${why.replace(/^(linkd|socklab-\w+): /, '')}`,
        1,
      );
    }
    return (await host.exec(test)).exitCode === 0;
  };
}

export async function startLab(opts: LabOptions = {}): Promise<StartedLab> {
  const model = buildLinkModel(opts);
  const engineName = opts.engine ?? 'relay';
  if (!ENGINES.includes(engineName))
    throw new AppError('EINVAL', `engine must be relay or netem, got '${engineName}'`);
  const project = validateProject(opts.project ?? uniqueProject());
  opts.signal?.throwIfAborted();
  await assertEngine();
  await assertImage();
  const env = labEnvironment(model, engineName, opts.demo ?? false);
  try {
    const handle = await composeUp(project, env, { autoCleanup: opts.autoCleanup ?? true });
    opts.signal?.throwIfAborted();
    const lab = await attachLab(project, { model, engine: engineName }, handle.down);
    const timeout = opts.readyTimeoutMs ?? 60_000;
    // All three at once; when linkd refuses to start (netem missing, say), its container stops and
    // that error, with linkd's reason, comes first.
    const until = (what: string, host: LabHost, test: string[]): Promise<void> =>
      waitFor(what, timeout, ready(host, test), opts.signal);
    await Promise.all([
      until("linkd's control socket", lab.link, ['test', '-S', '/run/socklab/linkd.sock']),
      until('the server host', lab.server, ['test', '-f', '/run/socklab-ready']),
      until('the client host', lab.client, ['test', '-f', '/run/socklab-ready']),
    ]);
    return lab;
  } catch (err) {
    // Nothing leaks: a lab that did not come up is taken down again.
    await compose(project, ['down', '-v', '-t', '1'], env).catch(() => {});
    throw err;
  }
}
