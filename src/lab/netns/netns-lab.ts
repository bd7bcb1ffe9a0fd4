// The netns backend: a lab as three network namespaces on this machine, no Docker and no image.
// Same addresses, names and programs as the containers: client and server each have lab0, a
// VXLAN device whose only remote is the link namespace, where linkd relays and impairs; `server`
// resolves in the client (and `client` in the server) through /etc/netns/NAME/hosts. Needs root.
//
// Everything a lab owns is found from its name, so that `socklab down --all` cleans up after a
// crash: the state directory (/run/socklab/netns/NAME, made first), the namespaces NAME-c,
// NAME-l, NAME-s (their processes are found with `ip netns pids`), and /etc/netns/NAME-*.
// Differences from containers, by design: the hosts share the machine's processes and files
// (no PID or mount namespace; a program sees the machine's /tmp and `ps` lists everything),
// and `socklab logs` reads the log files of linkd and the echo servers.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SocklabError } from '../../common/errors.ts';
import { LinkControl, unixTransport } from '../../link/control/control-client.ts';
import { clientIndex, clientNames, type LinkModel } from '../../link/model/impairment-model.ts';
import { formatClientPaths, formatDirection } from '../../link/model/impairment-text.ts';
import type { EndName, EndpointSpec } from '../endpoint.ts';
import { waitReady } from '../endpoint-ready.ts';
import { isAlive, listeningOn, startBackground } from '../host-processes.ts';
import type { HostName } from '../lab-host.ts';
import { startLabServer } from '../lab-servers.ts';
import { clientAddress, LAB_SUBNET, makeStartedLab, type StartedLab } from '../started-lab.ts';
import { NamespaceHost, runCollect } from './namespace-host.ts';
import { addNamespace, bridge, gatherAtLink, ip, veth, vxlanEnd } from './netns-devices.ts';

/** Where this scope's labs keep their state (SOCKLAB_SCOPE, as the Docker labs' label). */
export const netnsStateRoot = (): string => {
  const scope = process.env.SOCKLAB_SCOPE || 'true';
  return scope === 'true' ? '/run/socklab/netns' : `/run/socklab/netns-${scope.replace(/[^\w.-]/g, '_')}`;
};
// The underlay of each side lives inside the lab's own namespaces: every lab can use the same.
// With several clients, they share the client side (a bridge in the link's namespace): client k
// (from 0) is .1, .3, .4, ... as on lab0.
const UNDERLAY = { client: ['198.19.250.1', '198.19.250.2'], server: ['198.19.251.1', '198.19.251.2'] };
const clientUnderlay = (k: number): string => (k === 0 ? UNDERLAY.client[0]! : `198.19.250.${k + 2}`);

interface NetnsState {
  project: string;
  engine: string;
  model: LinkModel;
  createdAt: string;
  /** Ends where a user's program took socklab's place. */
  apps?: EndName[];
  /** How many clients (absent: one, a lab from before there could be more). */
  clients?: number;
}

const stateDir = (project: string): string => join(netnsStateRoot(), project);
/** A host's namespace: NAME-c, NAME-l, NAME-s, and NAME-c2, NAME-c3, ... for more clients. */
const nsOf = (project: string, host: HostName): string => {
  const k = clientIndex(host);
  return k > 0 ? `${project}-c${k + 1}` : `${project}-${host[0]}`;
};
const controlPath = (project: string): string => join(stateDir(project), 'linkd.sock');

/** Why this machine cannot run a namespace lab, or null. */
export async function netnsUnavailable(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'the netns backend needs root (ip netns)';
  const r = await runCollect(['ip', 'netns', 'list'], { timeoutMs: 10_000 }).catch((e: Error) => ({
    exitCode: -1,
    stderr: e.message,
    stdout: '',
  }));
  return r.exitCode === 0 ? null : `ip netns does not work here: ${r.stderr.trim().split('\n')[0]}`;
}

interface NamespaceHosts {
  clients: NamespaceHost[];
  link: NamespaceHost;
  server: NamespaceHost;
}

function hostsOf(project: string, clients = 1): NamespaceHosts {
  const dir = stateDir(project);
  return {
    clients: clientNames(clients).map(
      (name, k) => new NamespaceHost(name, nsOf(project, name), clientAddress(k), dir),
    ),
    link: new NamespaceHost('link', nsOf(project, 'link'), null, dir),
    server: new NamespaceHost('server', nsOf(project, 'server'), `${LAB_SUBNET}.2`, dir),
  };
}

/** A host of the lab by its name. */
const hostNamed = (h: NamespaceHosts, name: EndName): NamespaceHost =>
  name === 'server' ? h.server : h.clients[0]!;

/** Where a user's program at an end keeps its files, output and exit code. */
const appDir = (project: string, end: EndName): string => join(stateDir(project), `${end}-app`);

/** The ends as users see them: where a program of theirs runs, its output is the host's log. */
function userHosts(project: string, apps: EndName[] = [], clients = 1): NamespaceHosts {
  const h = hostsOf(project, clients);
  const at = (end: EndName) => {
    const host = hostNamed(h, end);
    return apps.includes(end)
      ? new NamespaceHost(
          end,
          host.namespace,
          host.labAddress,
          stateDir(project),
          join(appDir(project, end), 'output.log'),
        )
      : host;
  };
  return { ...h, clients: [at('client'), ...h.clients.slice(1)], server: at('server') };
}

/** Starts a user's program in an end's namespace, in a folder of its own with its files, and waits until ready. */
async function startApp(
  project: string,
  end: EndName,
  host: NamespaceHost,
  e: EndpointSpec,
  signal?: AbortSignal,
) {
  const dir = appDir(project, end);
  mkdirSync(dir, { recursive: true });
  for (const [path, data] of Object.entries(e.files ?? {})) {
    const abs = path.startsWith('/') ? path : join(dir, path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, data);
  }
  const argv = typeof e.command === 'string' ? ['sh', '-c', e.command] : e.command!;
  const env = Object.entries(e.env ?? {}).map(([k, v]) => `${k}=${v}`);
  // Its exit code is kept: a program that ends before it is ready is said with it.
  const pid = await startBackground(
    host,
    ['sh', '-c', 'cd "$1" && shift && env "$@"; echo $? > exit-code', 'app', dir, ...env, ...argv],
    join(dir, 'output.log'),
  );
  await waitReady(
    end,
    `the command '${argv.join(' ')}'`,
    e.ready,
    {
      state: async () => {
        const running = await isAlive(host, pid);
        const code = running ? '' : await readFile(join(dir, 'exit-code'), 'utf8').catch(() => '');
        return { running, exitCode: Number(code.trim() || -1) };
      },
      logs: async (n) =>
        (await readFile(join(dir, 'output.log'), 'utf8').catch(() => ''))
          .split('\n')
          .slice(-n - 1)
          .join('\n'),
      listening: (proto, port) => listeningOn(host, proto, port),
    },
    signal,
  );
}

/** The lab's names for the hosts, as the containers have them: `server` in the client, and so on. */
function writeNames(project: string, clients: number): void {
  const names = clientNames(clients);
  const others = names.slice(1).map((name, k) => `${clientAddress(k + 1)} ${name}\n`);
  for (const role of [...names, 'link', 'server']) {
    const dir = join('/etc/netns', nsOf(project, role));
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'hosts'),
      `127.0.0.1 localhost\n127.0.1.1 ${role}\n${LAB_SUBNET}.1 client\n${LAB_SUBNET}.2 server\n${others.join('')}`,
    );
    // No DNS reaches out of a lab: other names fail at once, as in the containers.
    writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
  }
}

function readState(project: string): NetnsState | null {
  try {
    return JSON.parse(readFileSync(join(stateDir(project), 'lab.json'), 'utf8')) as NetnsState;
  } catch {
    return null;
  }
}

const labOf = (
  project: string,
  known: { model: LinkModel; engine: string } | undefined,
  apps: EndName[] = [],
  clients = 1,
): Promise<StartedLab> =>
  makeStartedLab({
    project,
    backend: 'netns',
    hosts: userHosts(project, apps, clients),
    stacks: hostsOf(project, clients),
    control: new LinkControl(unixTransport(controlPath(project))),
    known,
    down: () => removeNetnsLab(project),
  });

export interface NetnsLabOptions {
  /** Users' own programs at the ends, started in the end hosts' namespaces. */
  ends?: Partial<Record<EndName, EndpointSpec>>;
  project: string;
  model: LinkModel;
  engine: string;
  /** How many clients: `client`, `client2`, ... */
  clients: number;
  /** socklab's echo servers at the server end. */
  labServers: boolean;
  readyTimeoutMs: number;
  signal?: AbortSignal;
}

export async function startNetnsLab(o: NetnsLabOptions): Promise<StartedLab> {
  const why = await netnsUnavailable();
  if (why)
    throw new SocklabError(
      'netns.unavailable',
      `${why}; run as root, or use the Docker backend (--backend docker)`,
    );
  const { project } = o;
  if (existsSync(stateDir(project)) || existsSync(`/run/netns/${nsOf(project, 'link')}`))
    throw new SocklabError(
      'lab.exists',
      `a lab named ${project} exists already; remove it first: socklab down --project ${project}`,
    );
  // The state directory first: whatever happens next, `socklab down --all` finds the lab by it.
  mkdirSync(stateDir(project), { recursive: true });
  const state: NetnsState = {
    project,
    engine: o.engine,
    model: o.model,
    createdAt: new Date().toISOString(),
    apps: (['client', 'server'] as const).filter((e) => o.ends?.[e]),
    ...(o.clients > 1 ? { clients: o.clients } : {}),
  };
  writeFileSync(join(stateDir(project), 'lab.json'), `${JSON.stringify(state, null, 2)}\n`);
  try {
    const hosts = hostsOf(project, o.clients);
    const all = [...hosts.clients, hosts.link, hosts.server];
    // What does not depend on each other is done at once: up in about half the time.
    await Promise.all(
      all.map(async (h) => {
        mkdirSync(h.workDir, { recursive: true, mode: 0o755 });
        await addNamespace(h.namespace);
      }),
    );
    o.signal?.throwIfAborted();
    writeNames(project, o.clients);
    const [l, s] = [hosts.link.namespace, hosts.server.namespace];
    await Promise.all([
      // One client: a veth straight to the link. Several: each on a bridge of the link's.
      // Each end's veth gathers its frames for linkd (netns-devices.ts).
      o.clients === 1
        ? veth(hosts.clients[0]!.namespace, 'eth0', UNDERLAY.client[0]!, l, 'eth0', UNDERLAY.client[1]!).then(
            () => gatherAtLink(hosts.clients[0]!.namespace, 'eth0', l, 'eth0'),
          )
        : bridge(l, 'eth0', UNDERLAY.client[1]!).then(() =>
            Promise.all(
              hosts.clients.map((h, k) =>
                veth(h.namespace, 'eth0', clientUnderlay(k), l, `c${k + 1}`, null, 'eth0').then(() =>
                  gatherAtLink(h.namespace, 'eth0', l, `c${k + 1}`),
                ),
              ),
            ),
          ),
      veth(s, 'eth0', UNDERLAY.server[0]!, l, 'eth1', UNDERLAY.server[1]!).then(() =>
        gatherAtLink(s, 'eth0', l, 'eth1'),
      ),
    ]);
    o.signal?.throwIfAborted();
    // linkd needs only the underlay; it starts (node, its two threads) while lab0 is made.
    await startBackground(
      hosts.link,
      [
        'node',
        hosts.link.program('link/linkd'),
        ...hosts.clients.flatMap((_, k) => ['--peer', clientUnderlay(k)]),
        '--peer',
        UNDERLAY.server[0]!,
        ...hosts.clients.flatMap((_, k) => ['--lab-address', clientAddress(k)]),
        '--lab-address',
        `${LAB_SUBNET}.2`,
        '--engine',
        o.engine,
        '--seed',
        String(o.model.seed),
        '--up',
        formatDirection(o.model.up),
        '--down',
        formatDirection(o.model.down),
        ...(o.model.paths ? ['--paths', formatClientPaths(o.model.paths)] : []),
        '--control',
        controlPath(project),
      ],
      hosts.link.logFile,
    );
    await Promise.all([
      ...hosts.clients.map((h, k) => vxlanEnd(h.namespace, 'eth0', UNDERLAY.client[1]!, clientAddress(k))),
      vxlanEnd(s, 'eth0', UNDERLAY.server[1]!, `${LAB_SUBNET}.2`),
      ...(o.labServers ? [startLabServer(hosts.server, 'udp'), startLabServer(hosts.server, 'tcp')] : []),
    ]);
    const lab = await labOf(project, { model: o.model, engine: o.engine }, state.apps, o.clients);
    await waitForLinkd(lab, hosts.link, o.readyTimeoutMs, o.signal);
    for (const end of ['server', 'client'] as const) {
      const e = o.ends?.[end];
      if (e) await startApp(project, end, hostNamed(hosts, end), e, o.signal);
    }
    return lab;
  } catch (err) {
    // Nothing leaks: a lab that did not come up is removed again.
    await removeNetnsLab(project).catch(() => {});
    throw err;
  }
}

async function waitForLinkd(
  lab: StartedLab,
  link: NamespaceHost,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    if (existsSync(controlPath(lab.project))) {
      try {
        await lab.control.call({ cmd: 'show' });
        return;
      } catch {}
    }
    const log = await link.logs(3);
    // linkd refused to start (netem missing, say): say why at once.
    const refused = /^linkd: (?!relaying|model|scenario)(.*)$/m.exec(log);
    if (refused) throw new SocklabError('lab.host-down', `the link host stopped: ${refused[1]}`);
    if (Date.now() > end)
      throw new SocklabError(
        'lab.not-ready',
        `the lab did not become ready: linkd's control socket (after ${timeoutMs} ms); see ${link.logFile}`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function attachNetnsLab(project: string): Promise<StartedLab> {
  const state = readState(project);
  if (!state)
    throw new SocklabError(
      'lab.incomplete',
      `lab ${project} is not complete (no state); remove it and start again: socklab down --project ${project}`,
    );
  return labOf(project, undefined, state.apps, state.clients ?? 1);
}

/** Labs of this backend on this machine: every state directory, complete or left by a crash. */
export async function netnsLabProjects(): Promise<string[]> {
  try {
    return readdirSync(netnsStateRoot()).sort();
  } catch {
    return [];
  }
}

/** The lab's namespaces that exist: its clients' too, however many (found by name, after a crash as well). */
function namespacesOf(project: string): string[] {
  const all = new Set<string>();
  for (const dir of ['/run/netns', '/etc/netns'])
    try {
      for (const ns of readdirSync(dir)) all.add(ns);
    } catch {}
  const clients = new RegExp(`^${project.replace(/[^\w-]/g, '')}-c\\d*$`);
  return [...[...all].filter((ns) => clients.test(ns)), nsOf(project, 'link'), nsOf(project, 'server')];
}

export async function removeNetnsLab(project: string): Promise<void> {
  const namespaces = namespacesOf(project);
  // Every process in the lab's namespaces (linkd, servers, a user's programs), then the namespaces
  // (their veth and VXLAN devices go with them), the name files and the state.
  for (let attempt = 0; attempt < 20; attempt++) {
    const pids: string[] = [];
    for (const ns of namespaces) {
      if (!existsSync(`/run/netns/${ns}`)) continue;
      const r = await runCollect(['ip', 'netns', 'pids', ns], { timeoutMs: 10_000 });
      pids.push(...r.stdout.split(/\s+/).filter(Boolean));
    }
    if (pids.length === 0) break;
    await runCollect(['kill', '-9', ...pids], { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 25));
  }
  for (const ns of namespaces) {
    if (existsSync(`/run/netns/${ns}`)) await ip(['netns', 'del', ns]).catch(() => {});
    rmSync(join('/etc/netns', ns), { recursive: true, force: true });
  }
  rmSync(stateDir(project), { recursive: true, force: true });
}
