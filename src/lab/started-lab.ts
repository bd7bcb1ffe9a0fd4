// A running lab, whichever backend runs it: its three hosts, and the link driven through linkd's
// typed control. Everything here goes through LabHost and LinkControl; the backends only say how
// to reach a host, how to reach linkd, and how to take the lab down.

import { type KernelCounters, parseSnmp } from '../apps/kernel-counters.ts';
import { SocklabError } from '../common/errors.ts';
import type { Proto } from '../common/proto.ts';
import type { LinkControl } from '../link/control/control-client.ts';
import type { ResultOf } from '../link/control/control-protocol.ts';
import type { PacketRecord } from '../link/control/packet-record.ts';
import type { RelayStats } from '../link/control/relay-stats.ts';
import type { ReplayReport } from '../link/control/replay-report.ts';
import type { ScenarioStatus } from '../link/control/scenario-runner.ts';
import type { LinkModel } from '../link/model/impairment-model.ts';
import {
  buildLinkModel,
  type LinkModelInput,
  type PathInput,
  parseLinkInput,
} from '../link/model/impairment-text.ts';
import type { ReplayFile } from '../link/model/replay-file.ts';
import type { Scenario } from '../link/model/scenario.ts';
import { type Exposed, exposePort } from './expose.ts';
import type { HostName, LabHost } from './lab-host.ts';
import { recordPages, recordReplay, replayFileOf } from './replay-io.ts';

/** The lab network (lab0) of both backends: the client is .1, the server .2, client2 .3, client3 .4, ... */
export const LAB_SUBNET = '198.19.0';

/** The lab0 address of the n-th client (from 0). */
export const clientAddress = (index: number): string => `${LAB_SUBNET}.${index === 0 ? 1 : index + 2}`;

/** Which path `impair` and `scenario` change: one client's, or (none named) every client's. */
export interface PathChoice {
  client?: string;
}

export const BACKENDS = ['docker', 'netns'] as const;
export type Backend = (typeof BACKENDS)[number];
/** Where a check or a grade can run: a lab's backends, or `vm`, socklab's QEMU guest running the netns one. */
export const GRADING_BACKENDS = [...BACKENDS, 'vm'] as const;
export type GradingBackend = (typeof GRADING_BACKENDS)[number];
export const ENGINES = ['relay', 'netem'] as const;
export type Engine = (typeof ENGINES)[number];

export interface StartedLab extends AsyncDisposable {
  readonly project: string;
  readonly backend: Backend;
  /** The client end: socklab's client host, or the user's own container or program there. */
  readonly client: LabHost;
  /** Every client host, in order: `client`, `client2`, ... (one, unless the lab has several). */
  readonly clients: readonly LabHost[];
  readonly link: LabHost;
  /** The server end: socklab's server host, or the user's own container or program there. */
  readonly server: LabHost;
  /** The model in force (a scenario's step changes it; `show()` asks linkd). */
  readonly model: LinkModel;
  /** Who impairs the link: linkd itself (relay) or the kernel's netem. */
  readonly engine: string;
  /** linkd's control, typed: for what the methods below do not cover. */
  readonly control: LinkControl;
  /** A host by its name (`client2`, `server`, `link`): an error that lists the lab's hosts otherwise. */
  host(name: HostName): LabHost;
  /**
   * Changes the impairment at run time: what is named is replaced, what is not stays. With
   * `client`, that client's path only; without, every client's (their own paths' named
   * directions included).
   */
  impair(input: LinkModelInput & PathChoice): Promise<LinkModel>;
  /** Runs a timed scenario from now (on one client's path, with `client`); null stops it. */
  scenario(s: Scenario | null, path?: PathChoice): Promise<ScenarioStatus | null>;
  /** The model, engine and scenario step as linkd has them now, and the lab's clients. */
  show(): Promise<{
    model: LinkModel;
    engine: string;
    /** Which data plane carries the frames (native, or Node's dgram and why). */
    dataPlane?: ResultOf<'show'>['dataPlane'];
    scenario: ScenarioStatus | null;
    clients: string[];
    clientScenarios?: Record<string, ScenarioStatus>;
  }>;
  linkStats(): Promise<RelayStats>;
  /** Every frame's fate since record `since`; `head` adds the first bytes of each payload. */
  linkRecord(since?: number, opts?: { head?: boolean }): Promise<PacketRecord[]>;
  resetLink(): Promise<void>;
  /** The fates of every frame since the link was last reset, as a replay file (see replay-file.ts). */
  recordReplay(): Promise<ReplayFile>;
  /**
   * From now, each flow's frames meet a recorded run's fates in their places, and its model
   * decides the rest (null: the replay ends). A path, or a file already read. Relay engine only.
   */
  replay(file: string | ReplayFile | null): Promise<ReplayReport | null>;
  /** How the replay in force went so far (null: none is): which frames met their fates, which flows diverged. */
  replayReport(): Promise<ReplayReport | null>;
  /** The link's inner frames for `ms` as pcapng (dropped, duplicated, corrupted ones commented). */
  captureLink(ms: number): Promise<{ pcapng: Buffer; frames: number }>;
  /** A host's kernel counters (/proc/net/snmp): `client`, `server`, `client2`, ... */
  counters(host: HostName): Promise<KernelCounters>;
  /**
   * A port on this machine (127.0.0.1; `localPort`, or a free one) whose traffic enters the lab at
   * the client end and crosses the impaired link to the server's `port`. Closed with the lab.
   */
  expose(port: number, proto?: Proto, opts?: { localPort?: number }): Promise<Exposed>;
  /** What this process exposed so far. */
  readonly exposed: readonly Exposed[];
  down(): Promise<void>;
}

export interface LabHosts {
  /** The clients, in order: `client` first. */
  clients: LabHost[];
  link: LabHost;
  server: LabHost;
}

export interface LabParts {
  project: string;
  backend: Backend;
  hosts: LabHosts;
  /**
   * socklab's own end hosts, where a user's software took an end (the user's may have none of
   * the tools socklab reads counters and tunnels with); the hosts themselves otherwise.
   */
  stacks?: { clients: LabHost[]; server: LabHost };
  control: LinkControl;
  /** What linkd runs, when the caller already knows (it started it); asked otherwise. */
  known?: { model: LinkModel; engine: string };
  down(): Promise<void>;
}

export async function makeStartedLab(parts: LabParts): Promise<StartedLab> {
  const { control, hosts } = parts;
  const stacks = parts.stacks ?? hosts;
  const exposed: Exposed[] = [];
  const shown = parts.known ?? (await control.call({ cmd: 'show' }));
  let current = shown.model;
  const named = new Map<string, LabHost>([
    ...hosts.clients.map((h) => [h.name, h] as const),
    ['link', hosts.link],
    ['server', hosts.server],
  ]);
  const stackOf = new Map<string, LabHost>([
    ...stacks.clients.map((h) => [h.name, h] as const),
    ['server', stacks.server],
  ]);
  const find = (hostsByName: Map<string, LabHost>, name: HostName): LabHost => {
    const h = hostsByName.get(name);
    if (h) return h;
    throw new SocklabError(
      'lab.no-host',
      `lab ${parts.project} has no host '${name}': its hosts are ${[...hostsByName.keys()].join(', ')}; name one of them, or start the lab with more clients (socklab up --clients N)`,
    );
  };
  const lab: StartedLab = {
    project: parts.project,
    backend: parts.backend,
    client: hosts.clients[0]!,
    clients: hosts.clients,
    link: hosts.link,
    server: hosts.server,
    control,
    engine: shown.engine,
    get model() {
      return current;
    },
    host: (name) => find(named, name),
    async impair(input) {
      const { client, seed, ...path } = input;
      // Parsed and validated here, once, so that a typo fails before linkd is asked; linkd gets models.
      const parsed = parseLinkInput({
        seed,
        ...(client ? { paths: { [client]: path as PathInput } } : path),
      });
      const mine = client ? parsed.paths?.[client] : parsed;
      // The merged model too (a reorder from --impair needs the delay of --up, say).
      buildLinkModel(parsed);
      const r = await control.call({
        cmd: 'set',
        ...(mine?.impair ? { impair: mine.impair } : {}),
        ...(mine?.up ? { up: mine.up } : {}),
        ...(mine?.down ? { down: mine.down } : {}),
        ...(parsed.seed !== undefined ? { seed: parsed.seed } : {}),
        ...(client ? { client } : {}),
      });
      current = r.model;
      return current;
    },
    async scenario(s, path = {}) {
      const r = await control.call({
        cmd: 'scenario',
        scenario: s,
        ...(path.client ? { client: path.client } : {}),
      });
      current = r.model;
      return r.scenario;
    },
    async show() {
      const r = await control.call({ cmd: 'show' });
      current = r.model;
      return {
        model: r.model,
        engine: r.engine,
        ...(r.dataPlane ? { dataPlane: r.dataPlane } : {}),
        scenario: r.scenario,
        // A linkd from before several clients says none: it has one.
        clients: r.clients ?? ['client'],
        ...(r.clientScenarios ? { clientScenarios: r.clientScenarios } : {}),
      };
    },
    async linkStats() {
      return (await control.call({ cmd: 'stats' })).stats;
    },
    async linkRecord(since = 0, opts = {}) {
      const out: PacketRecord[] = [];
      for await (const r of recordPages(control, since, opts.head)) out.push(...r.records);
      return out;
    },
    async resetLink() {
      await control.call({ cmd: 'reset' });
    },
    recordReplay() {
      return recordReplay(control);
    },
    async replay(file) {
      const r = await control.call({ cmd: 'replay', file: file === null ? null : replayFileOf(file) });
      current = (await control.call({ cmd: 'show' })).model;
      return r.report;
    },
    async replayReport() {
      return (await control.call({ cmd: 'replay' })).report;
    },
    async captureLink(ms) {
      const inside = `${hosts.link.workDir}/socklab-capture.pcap`;
      await hosts.link.exec(['mkdir', '-p', hosts.link.workDir]);
      await control.call({ cmd: 'capture-start', path: inside });
      await new Promise((r) => setTimeout(r, ms));
      const stopped = await control.call({ cmd: 'capture-stop' });
      return { pcapng: await hosts.link.copyOut(inside), frames: stopped.capture?.frames ?? 0 };
    },
    exposed,
    async expose(port, proto = 'tcp', opts = {}) {
      const e = await exposePort(stacks.clients[0]!, port, proto, opts);
      exposed.push(e);
      return e;
    },
    async counters(host) {
      // netstat holds TcpExt (timeouts) in the same header/value pairs as snmp.
      const r = await find(stackOf, host).exec(['cat', '/proc/net/snmp', '/proc/net/netstat']);
      return parseSnmp(r.stdout);
    },
    async down() {
      await Promise.all(exposed.splice(0).map((e) => e.close().catch(() => {})));
      await parts.down();
    },
    async [Symbol.asyncDispose]() {
      await lab.down();
    },
  };
  return lab;
}
