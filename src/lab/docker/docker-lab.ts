// The Docker backend: a lab is a Compose project of three containers (compose.yaml is the one
// source of truth for the topology), brought up through testcontainers and driven at run time
// through dockerode. linkd is reached by `linkctl raw` in the link container: typed requests
// in on stdin, typed replies out on stdout.
import { packageVersion } from '../../common/data-files.ts';
import { SocklabError } from '../../common/errors.ts';
import { type ControlTransport, LinkControl } from '../../link/control/control-client.ts';
import { clientNames, type LinkModel } from '../../link/model/impairment-model.ts';
import { formatClientPaths, formatDirection } from '../../link/model/impairment-text.ts';
import type { EndName, EndpointSpec } from '../endpoint.ts';
import { waitReady } from '../endpoint-ready.ts';
import { listeningOn } from '../host-processes.ts';
import { clientAddress, LAB_SUBNET, type LabHosts, makeStartedLab, type StartedLab } from '../started-lab.ts';
import { compose } from './compose-cli.ts';
import { composeUp } from './compose-environment.ts';
import { ContainerHost } from './container-host.ts';
import {
  assertEngine,
  attachedContainers,
  containerLogs,
  containerState,
  engine,
  type LineSession,
  labProjects,
  labScope,
  lineSession,
  removeContainer,
  serviceContainers,
  startAppContainer,
} from './docker-engine.ts';
import { LAB_IMAGE, SOURCES_LABEL, sourcesHash, VERSION_LABEL } from './image-sources.ts';

export async function assertImage(): Promise<void> {
  let labels: Record<string, string>;
  try {
    labels = (await engine().getImage(LAB_IMAGE).inspect()).Config?.Labels ?? {};
  } catch {
    throw new SocklabError(
      'docker.no-image',
      `the lab image ${LAB_IMAGE} is missing; build it with: socklab images (offline: socklab images --offline)`,
    );
  }
  const version = packageVersion();
  const built = labels[VERSION_LABEL] ?? 'unknown';
  if (built !== version)
    throw new SocklabError(
      'docker.image-stale',
      `the lab image ${LAB_IMAGE} was built by socklab ${built}, this is socklab ${version}; rebuild it: socklab images`,
    );
  // The sources, for a checkout whose files changed since the image was built (same version).
  if (process.env.SOCKLAB_IMAGE_ANY_SOURCES !== '1' && labels[SOURCES_LABEL] !== sourcesHash())
    throw new SocklabError(
      'docker.image-stale',
      `the lab image ${LAB_IMAGE} was built from other sources than this checkout's (src/, lab/, docker/); rebuild it: socklab images`,
    );
}

export function labEnvironment(
  model: LinkModel,
  engineName: string,
  demo: boolean,
  servers = true,
  clients = 1,
): Record<string, string> {
  return {
    LAB_CLIENTS: String(clients),
    LAB_PATHS: formatClientPaths(model.paths),
    LAB_SERVERS: servers ? 'on' : 'off',
    LAB_IMPAIR: '',
    LAB_IMPAIR_UP: formatDirection(model.up),
    LAB_IMPAIR_DOWN: formatDirection(model.down),
    LAB_ENGINE: engineName,
    LAB_SEED: String(model.seed),
    LAB_DEMO: demo ? 'on' : 'off',
    LAB_SCENARIO: '',
    SOCKLAB_IMAGE: LAB_IMAGE,
    SOCKLAB_SCOPE: labScope(),
  };
}

/**
 * linkd's control through `linkctl raw` in the link container: one session kept open for the
 * lab's life (an exec costs ~100 ms, a request on an open session a millisecond), opened again
 * when it ends; requests go in order on it.
 */
function execTransport(link: ContainerHost): ControlTransport {
  let session: Promise<LineSession> | null = null;
  return async (line) => {
    for (let attempt = 0; ; attempt++) {
      session ??= lineSession(link.container, ['node', link.program('link/linkctl'), 'raw']);
      const opening = session;
      let s: LineSession;
      try {
        s = await opening;
      } catch (err) {
        session = null;
        throw err;
      }
      try {
        return await s.request(line, 60_000);
      } catch (err) {
        session = null;
        s.close();
        if (attempt > 0) throw err;
      }
    }
  };
}

export async function removeDockerLab(project: string): Promise<void> {
  // What socklab attached first (jails, users' apps): they live in the end hosts' network
  // namespaces, and Compose does not know them.
  for (const c of await attachedContainers(project)) await removeContainer(c.id);
  await compose(project, ['down', '-v', '-t', '1'], { SOCKLAB_IMAGE: LAB_IMAGE });
}

export const dockerLabProjects = labProjects;

interface DockerHosts extends LabHosts {
  clients: ContainerHost[];
  link: ContainerHost;
  server: ContainerHost;
}

/** The lab's hosts as users see them: a user's app in place of socklab's host at its end. */
async function withApps(project: string, hosts: DockerHosts): Promise<DockerHosts> {
  const apps = (await attachedContainers(project)).filter((c) => c.kind === 'app');
  const at = (end: 'client' | 'server', host: ContainerHost): ContainerHost => {
    const app = apps.find((a) => a.end === end);
    return app ? new ContainerHost(end, app.name, host.labAddress, project) : host;
  };
  return {
    ...hosts,
    clients: [at('client', hosts.clients[0]!), ...hosts.clients.slice(1)],
    server: at('server', hosts.server),
  };
}

async function hostsOf(project: string): Promise<DockerHosts> {
  const containers = await serviceContainers(project);
  const name = (s: string): string => {
    const found = containers.get(s);
    if (!found)
      throw new SocklabError(
        'lab.incomplete',
        `lab ${project} has no ${s} container; remove it and start again: socklab down --project ${project}; socklab up`,
      );
    return found;
  };
  // However many clients the lab was started with: as many as it has containers.
  let count = 1;
  while (containers.has(`client${count + 1}`)) count++;
  return {
    clients: clientNames(count).map((c, k) => new ContainerHost(c, name(c), clientAddress(k), project)),
    link: new ContainerHost('link', name('link'), null, project),
    server: new ContainerHost('server', name('server'), `${LAB_SUBNET}.2`, project),
  };
}

const labOf = async (
  project: string,
  hosts: DockerHosts,
  known: { model: LinkModel; engine: string } | undefined,
  down: () => Promise<void>,
): Promise<StartedLab> =>
  makeStartedLab({
    project,
    backend: 'docker',
    hosts: await withApps(project, hosts),
    stacks: hosts,
    control: new LinkControl(execTransport(hosts.link)),
    known,
    down,
  });

/** Starts a user's image at one end and waits until it is ready. */
async function startApp(
  project: string,
  end: EndName,
  host: ContainerHost,
  e: EndpointSpec,
  signal?: AbortSignal,
) {
  const id = await startAppContainer({
    name: `${project}-${end}-app`,
    project,
    end,
    host: host.container,
    image: e.image!,
    command: typeof e.command === 'string' ? ['sh', '-c', e.command] : e.command,
    env: e.env,
    files: e.files,
  });
  await waitReady(
    end,
    `the image ${e.image}`,
    e.ready,
    {
      state: () => containerState(id),
      logs: (n) => containerLogs(id, n),
      listening: (proto, port) => listeningOn(host, proto, port),
    },
    signal,
  );
}

/** Attaches to a lab that runs under `project`, asking linkd for its model and engine. */
export async function attachDockerLab(project: string): Promise<StartedLab> {
  return labOf(project, await hostsOf(project), undefined, () => removeDockerLab(project));
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
      if (err instanceof SocklabError) throw err;
      return false;
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new SocklabError(
    'lab.not-ready',
    `the lab did not become ready: ${what} (after ${timeoutMs} ms); see socklab logs`,
  );
}

/** A readiness check that fails at once, with the host's last log line, when its container has stopped. */
function ready(host: ContainerHost, test: string[]): () => Promise<boolean> {
  return async () => {
    const state = await engine().getContainer(host.container).inspect();
    if (!state.State.Running) {
      const why = (await containerLogs(host.container, 5)).trim().split('\n').at(-1) ?? `${host.name} exited`;
      throw new SocklabError(
        'lab.host-down',
        `the ${host.name} host stopped: ${why.replace(/^(linkd|socklab-\w+): /, '')}`,
      );
    }
    return (await host.exec(test)).exitCode === 0;
  };
}

export interface DockerLabOptions {
  /** Users' own images at the ends. */
  ends?: Partial<Record<EndName, EndpointSpec>>;
  project: string;
  model: LinkModel;
  engine: string;
  /** How many clients: `client`, `client2`, ... (replicas of the client service). */
  clients: number;
  /** socklab's echo servers at the server end. */
  labServers: boolean;
  demo: boolean;
  autoCleanup: boolean;
  readyTimeoutMs: number;
  signal?: AbortSignal;
}

export async function startDockerLab(o: DockerLabOptions): Promise<StartedLab> {
  await assertEngine();
  await assertImage();
  const env = labEnvironment(o.model, o.engine, o.demo, o.labServers, o.clients);
  try {
    const handle = await composeUp(o.project, env, { autoCleanup: o.autoCleanup });
    o.signal?.throwIfAborted();
    const hosts = await hostsOf(o.project);
    // All three at once; when linkd refuses to start (netem missing, say), its container stops and
    // that error, with linkd's reason, comes first.
    const until = (what: string, host: ContainerHost, test: string[]): Promise<void> =>
      waitFor(what, o.readyTimeoutMs, ready(host, test), o.signal);
    await Promise.all([
      until("linkd's control socket", hosts.link, ['test', '-S', '/run/socklab/linkd.sock']),
      until('the server host', hosts.server, ['test', '-f', '/run/socklab-ready']),
      ...hosts.clients.map((h) => until(`the ${h.name} host`, h, ['test', '-f', '/run/socklab-ready'])),
    ]);
    // linkd answers its control socket before it forwards where a peer's name did not resolve yet
    // (the containers come up together): a lab is ready when what is sent crosses the link.
    const control = new LinkControl(execTransport(hosts.link));
    await waitFor(
      'linkd forwarding between the hosts (it waits until it has found every peer by name)',
      o.readyTimeoutMs,
      () =>
        control
          .call({ cmd: 'show' })
          .then((r) => r.forwarding !== false)
          .catch(() => false),
      o.signal,
    );
    for (const end of ['server', 'client'] as const) {
      const e = o.ends?.[end];
      if (e) await startApp(o.project, end, end === 'server' ? hosts.server : hosts.clients[0]!, e, o.signal);
    }
    const lab = await labOf(o.project, hosts, { model: o.model, engine: o.engine }, async () => {
      for (const c of await attachedContainers(o.project)) await removeContainer(c.id);
      await handle.down();
    });
    return lab;
  } catch (err) {
    // Nothing leaks: a lab that did not come up is taken down again, with what was attached.
    await removeDockerLab(o.project).catch(() => {});
    throw err;
  }
}
