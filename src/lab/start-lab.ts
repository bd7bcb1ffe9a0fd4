// startLab(): a whole lab (client, link, server) for a test suite or the CLI, as a typed
// lifecycle. `await using lab = await startLab({ impair: 'loss 10%' })` tears it down at the end
// of the scope. Everything is validated before anything starts. Two backends: Docker (Compose,
// the default) and network namespaces on this machine (no Docker, no image; root).

import { randomBytes } from 'node:crypto';
import { SocklabError } from '../common/errors.ts';
import { clientIndex, type LinkModel, MAX_CLIENTS, relayOnly } from '../link/model/impairment-model.ts';
import { buildLinkModel, type LinkModelInput } from '../link/model/impairment-text.ts';
import type { ReplayFile } from '../link/model/replay-file.ts';
import type { Scenario } from '../link/model/scenario.ts';
import { loadScenario } from '../link/model/scenario-file.ts';
import { traceNames } from '../link/model/trace.ts';
import { type EndName, type EndpointSpec, validateEndpoint } from './endpoint.ts';
import { stopExpose } from './expose-state.ts';
import { attachNetnsLab, netnsLabProjects, removeNetnsLab, startNetnsLab } from './netns/netns-lab.ts';
import { replayFileOf } from './replay-io.ts';
import { BACKENDS, type Backend, ENGINES, type Engine, type StartedLab } from './started-lab.ts';

// The Docker backend (dockerode, testcontainers: a third of a second to load) only when a Docker
// lab is involved: a netns lab's `up`, `down` and commands never load it.
const dockerLab = () => import('./docker/docker-lab.ts');
const dockerEngine = () => import('./docker/docker-engine.ts');

export { LAB_IMAGE } from './docker/image-sources.ts';
export type { Backend, Engine, StartedLab } from './started-lab.ts';
export { BACKENDS, ENGINES, LAB_SUBNET } from './started-lab.ts';

export interface LabOptions extends LinkModelInput {
  /** docker (default): three containers; netns: three network namespaces on this machine. */
  backend?: Backend;
  engine?: Engine;
  /**
   * The user's own software at the server end: an image (Docker; it joins socklab's server host's
   * network namespace) or a program on this machine (netns: `command`); socklab's echo servers
   * then leave that end to it. `ready` waits for a port or a log line.
   */
  server?: EndpointSpec;
  /** The same at the client end. */
  client?: EndpointSpec;
  /**
   * How many client hosts (default 1): `client`, `client2`, ... up to 8, each on its own path
   * (`clients` in the model gives a client a path of its own).
   */
  clients?: number;
  /**
   * socklab's own echo servers on port 12000 of the server host (default true). A check of a
   * server leaves them out: they would only be stopped again to free the port for the program.
   */
  labServers?: boolean;
  /** A timed scenario, run from the moment the lab is ready: an object, a name, a path or steps. */
  scenario?: Scenario | string;
  /**
   * A recorded run (`socklab record`, `lab.recordReplay()`): a path or the file. The link gives
   * each flow's frames the recorded fates in their places and the recording's model decides the
   * rest (on the netem engine the relay gives the fates and netem stays clean); no other
   * impairment may be given with it.
   */
  replay?: string | ReplayFile;
  /** The lab's name; unique by default so that labs run side by side. */
  project?: string;
  /** Run the client's demo at start-up (off for test suites; Docker only). */
  demo?: boolean;
  readyTimeoutMs?: number;
  /**
   * Let testcontainers' Ryuk remove the lab when this process ends (default: true, as a test
   * suite wants). The CLI turns it off: its labs outlive the command that started them.
   */
  autoCleanup?: boolean;
  /**
   * Aborting gives up on the lab: what is still being created is waited for (Compose cannot be
   * stopped half-way without leaving containers), then everything is removed and startLab
   * rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

export function uniqueProject(): string {
  return `socklab-${randomBytes(3).toString('hex')}`;
}

export function validateProject(name: string): string {
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(name)) {
    throw new SocklabError(
      'usage.invalid',
      `--project must be lowercase letters, digits, - or _ (at most 63), got '${name}'; e.g. --project lab1`,
    );
  }
  return name;
}

export function validateBackend(backend: string): Backend {
  if (!(BACKENDS as readonly string[]).includes(backend))
    throw new SocklabError(
      'usage.invalid',
      `backend must be docker or netns, got '${backend}'; e.g. --backend netns`,
    );
  return backend as Backend;
}

/** How many clients a lab may have: a whole number from 1 to MAX_CLIENTS. */
export function validateClients(n: unknown): number {
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 && n <= MAX_CLIENTS) return n;
  throw new SocklabError(
    'usage.invalid',
    `clients must be a whole number from 1 to ${MAX_CLIENTS}, got ${String(n)}; e.g. --clients 3`,
  );
}

/** Paths of their own for clients the lab will have, and only with an engine that keeps them. */
export function validatePaths(model: LinkModel, clients: number, engine: string): void {
  const names = Object.keys(model.paths ?? {});
  const missing = names.filter((name) => clientIndex(name) >= clients);
  if (missing.length > 0)
    throw new SocklabError(
      'lab.no-host',
      `the link names ${missing.join(', ')}, but the lab has ${clients} client${clients === 1 ? '' : 's'}; start it with --clients ${Math.max(...missing.map(clientIndex)) + 1}, or drop those lines`,
    );
  const why = engine === 'netem' ? relayOnly(model) : null;
  if (why) throw new SocklabError('usage.invalid', `${why}; use --engine relay`);
}

/**
 * A Docker lab's linkd reads its start-up model as text in its own container, where only the
 * traces shipped in lab/traces/ are; a file of this machine's reaches it after the start, through
 * impair, which carries the trace's data.
 */
function checkTracesReachLink(model: LinkModel): void {
  const shipped = traceNames();
  for (const dir of ['up', 'down'] as const) {
    const t = model[dir].trace;
    if (t && !shipped.includes(t.name))
      throw new SocklabError(
        'usage.invalid',
        `trace ${t.name}: a Docker lab's link host reads its start-up traces from lab/traces (${shipped.join(', ')}), not this machine's files; start with one of those or none, then give yours: socklab impair --${dir} 'trace ${t.name}' (lab.impair({ ${dir}: 'trace ${t.name}' }))`,
      );
  }
}

/** The replay file, checked against the rest of the options: it brings its own model. */
function replayOption(opts: LabOptions, clients: number): ReplayFile | null {
  if (opts.replay === undefined) return null;
  const given = (['impair', 'up', 'down', 'paths', 'seed', 'scenario'] as const).filter(
    (k) => opts[k] !== undefined,
  );
  if (given.length > 0)
    throw new SocklabError(
      'usage.invalid',
      `a replay brings the recording's model, so ${given.join(', ')} cannot be given with it; drop ${given.length === 1 ? 'it' : 'them'}, or record the run again with the link you want`,
    );
  const file = replayFileOf(opts.replay);
  // On the netem engine the relay gives the recorded fates (linkd's replay): paths are the relay's.
  validatePaths(file.model, clients, 'relay');
  return file;
}

export async function startLab(opts: LabOptions = {}): Promise<StartedLab> {
  const engine = opts.engine ?? 'relay';
  if (!ENGINES.includes(engine))
    throw new SocklabError('usage.invalid', `engine must be relay or netem, got '${engine}'`);
  const clients = validateClients(opts.clients ?? 1);
  const replay = replayOption(opts, clients);
  // A replay's model (a trace's data with it) reaches linkd with the replay, once the lab is up.
  const model = buildLinkModel(replay ? {} : opts);
  validatePaths(model, clients, engine);
  const backend = validateBackend(opts.backend ?? 'docker');
  if (backend === 'docker') checkTracesReachLink(model);
  const scenario = typeof opts.scenario === 'string' ? loadScenario(opts.scenario) : opts.scenario;
  const project = validateProject(opts.project ?? uniqueProject());
  const ends: Partial<Record<EndName, EndpointSpec>> = {};
  for (const end of ['server', 'client'] as const) {
    const e = opts[end];
    if (e) ends[end] = validateEndpoint(end, e, backend);
  }
  opts.signal?.throwIfAborted();
  const common = {
    ends,
    project,
    model,
    engine,
    clients,
    // The echo servers leave the server end to a user's program, and to a check of a server.
    labServers: !ends.server && (opts.labServers ?? true),
    readyTimeoutMs: opts.readyTimeoutMs ?? 60_000,
    signal: opts.signal,
  };
  const lab =
    backend === 'docker'
      ? await (await dockerLab()).startDockerLab({
          ...common,
          demo: opts.demo ?? false,
          autoCleanup: opts.autoCleanup ?? true,
        })
      : await startNetnsLab(common);
  if (scenario || replay) {
    try {
      if (scenario) await lab.scenario(scenario);
      if (replay) await lab.replay(replay);
    } catch (err) {
      await lab.down().catch(() => {});
      throw err;
    }
  }
  return lab;
}

export interface RunningLab {
  project: string;
  backend: Backend;
}

/**
 * Every running lab of both backends. A machine without a Docker engine still has its namespace
 * labs: the engine's absence is returned, for callers to say when it matters (no lab found).
 */
export async function listLabs(): Promise<{ labs: RunningLab[]; dockerProblem: SocklabError | null }> {
  let dockerProblem: SocklabError | null = null;
  const docker = await dockerEngine()
    .then((d) => d.assertEngine())
    .then(async () => (await dockerLab()).dockerLabProjects())
    .catch((err: SocklabError) => {
      dockerProblem = err;
      return [] as string[];
    });
  const netns = await netnsLabProjects();
  return {
    labs: [
      ...docker.map((project) => ({ project, backend: 'docker' as const })),
      ...netns.map((project) => ({ project, backend: 'netns' as const })),
    ],
    dockerProblem,
  };
}

export async function runningLabs(): Promise<RunningLab[]> {
  return (await listLabs()).labs;
}

/** Attaches to a running lab by name, whichever backend runs it. */
export async function attachLab(project: string, backend?: Backend): Promise<StartedLab> {
  const which = backend ?? (await backendOf(project));
  if (which === 'netns') return attachNetnsLab(project);
  if (which === 'docker') return (await dockerLab()).attachDockerLab(project);
  throw new SocklabError(
    'lab.not-running',
    `no lab named '${project}' is running; start one with: socklab up --project ${project}`,
  );
}

/** Removes a lab (also one that a crash left half-made), and ends what exposes its ports. */
export function removeLab(project: string, backend: Backend): Promise<void> {
  stopExpose(project);
  return backend === 'netns' ? removeNetnsLab(project) : dockerLab().then((d) => d.removeDockerLab(project));
}

/** Which backend runs a lab of this name: the namespaces' state is asked first, Docker only then. */
export async function backendOf(project: string): Promise<Backend | undefined> {
  if ((await netnsLabProjects()).includes(project)) return 'netns';
  return (await runningLabs()).find((l) => l.project === project)?.backend;
}
