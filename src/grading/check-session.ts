// The lab a check runs in, as a lifecycle: opened on a lab of its own (a unique name, removed
// afterwards) or on a running one (borrowed, and left as it was found), it holds everything the
// check changes — the lab's echo server it stopped to free the port, an echo server it started on
// another port, the program it deployed (in its jail), the model and scenario to restore — and
// undoes all of it when disposed, also after a failure or an abort:
// `await using session = await CheckSession.open()`. A borrowed lab's hosts forget their
// neighbours and connections on the way in and out, so that nothing one program taught them (a
// forged ARP entry, say) reaches the next.
import { PROGRAM as TCP_ECHO_SERVER } from '../apps/tcp-echo-server.ts';
import { PROGRAM as UDP_ECHO_SERVER } from '../apps/udp-echo-server.ts';
import type { Proto } from '../common/proto.ts';
import { listeningOn, startBackground, stopBackground, waitListening } from '../lab/host-processes.ts';
import { appOn, type LabHost } from '../lab/lab-host.ts';
import { LAB_PORT, startLabServer, stopLabServer } from '../lab/lab-servers.ts';
import { startLab, uniqueProject } from '../lab/start-lab.ts';
import type { Backend, StartedLab } from '../lab/started-lab.ts';
import type { LinkModel } from '../link/model/impairment-model.ts';
import type { Limits } from './assignment.ts';
import type { ProgramRole } from './framing.ts';
import { ProgramUnderTest } from './program.ts';
import type { ProgramKind } from './sandbox.ts';

const ECHO_SERVERS = { udp: UDP_ECHO_SERVER, tcp: TCP_ECHO_SERVER };

/** The end hosts forget their neighbours (ARP) and connection tracking: nothing learnt carries over. */
async function forgetPeers(lab: StartedLab): Promise<void> {
  const forget =
    'ip neigh flush dev lab0; command -v conntrack >/dev/null && conntrack -F >/dev/null 2>&1; true';
  await Promise.all([lab.client, lab.server].map((h) => h.exec(['sh', '-c', forget])));
}

export interface SessionOptions {
  /** A running lab to borrow; without one, a lab of its own is started (and removed at the end). */
  lab?: StartedLab;
  /**
   * Nothing uses the borrowed lab after this check (a warm guest's, which powers off once it has
   * answered): its servers, neighbours and model are not put back (2-3 s under TCG).
   */
  discardLab?: boolean;
  project?: string;
  backend?: Backend;
  seed: number;
  /** Which end the program under test takes: a lab of the session's own has no echo servers for a server's check. */
  role: ProgramRole;
  signal?: AbortSignal;
}

export interface DeployOptions {
  uid: number;
  name: string;
  kind: ProgramKind;
  source: Buffer;
  limits: Limits;
  files?: Record<string, Buffer>;
}

/** What a borrowed lab ran before the check: the model to restore. */
interface Before {
  model: LinkModel;
}

export class CheckSession implements AsyncDisposable {
  readonly lab: StartedLab;
  /** Whether the lab is the session's own (removed at the end) or borrowed (restored). */
  readonly own: boolean;
  /** How long starting the lab took, ms (0 for a borrowed one). */
  readonly labMs: number;
  /** What a borrowed lab gets back at the end: null when it is discarded. */
  readonly #before: Before | null;
  readonly #stoppedServers: Proto[] = [];
  #extraServer: number | null = null;
  #program: ProgramUnderTest | null = null;

  private constructor(lab: StartedLab, own: boolean, labMs: number, before: Before | null) {
    this.lab = lab;
    this.own = own;
    this.labMs = labMs;
    this.#before = before;
  }

  static async open(o: SessionOptions): Promise<CheckSession> {
    if (o.lab) {
      await forgetPeers(o.lab);
      // The link's counters and record start with the check (what a program before did is not this one's).
      await o.lab.resetLink();
      const shown = await o.lab.show();
      // A scenario would change the link under the verdicts: it is stopped, and its step's model
      // is what the lab gets back (linkd reports a scenario's status, not its steps to rerun).
      if (shown.scenario) await o.lab.scenario(null);
      return new CheckSession(o.lab, false, 0, o.discardLab ? null : { model: shown.model });
    }
    const t0 = performance.now();
    const lab = await startLab({
      backend: o.backend,
      project: o.project ?? uniqueProject().replace('socklab-', 'socklab-check-'),
      seed: o.seed,
      // A server under test needs the port; a client under test needs the lab's echo servers.
      labServers: o.role === 'client',
      autoCleanup: false,
      signal: o.signal,
    });
    return new CheckSession(lab, true, Math.round(performance.now() - t0), null);
  }

  /** Copies the program into its host; it is stopped and removed with the session. */
  async deploy(host: LabHost, o: DeployOptions): Promise<ProgramUnderTest> {
    this.#program = await ProgramUnderTest.deploy(host, o);
    return this.#program;
  }

  /** The lab's own echo server gives up the assignment's port while a server under test needs it. */
  async freePort(proto: Proto, port: number): Promise<void> {
    if (port !== LAB_PORT) return;
    await stopLabServer(this.lab.server, proto);
    this.#stoppedServers.push(proto);
  }

  /** A client under test needs an echo server on its port: the lab's listen on 12000, another starts. */
  async echoServerOn(proto: Proto, port: number): Promise<void> {
    if (port === LAB_PORT) return;
    const server = this.lab.server;
    const program = ECHO_SERVERS[proto];
    this.#extraServer = await startBackground(
      server,
      ['node', appOn(server, program.name), ...program.argv({ port, quiet: true })],
      `${server.workDir}/check-echo-server.log`,
    );
    await waitListening(server, proto, port, this.#extraServer, 10_000);
  }

  /**
   * Stops the program and closes its jail; then checks that nothing of it is left on its host (its
   * user owns no process, and the port it served is free until the lab's own server takes it
   * back), cleaning up if it must. What had to be contained, in words.
   */
  async finish(proto: Proto, port: number): Promise<string[]> {
    const p = this.#program;
    if (!p) return [];
    this.#program = null;
    const left = await p.stop().catch(() => 0);
    const { escaped } = await p.cleanup();
    const said: string[] = [];
    // Said without counts: how many a fork bomb had at that moment is chance, and grading again
    // gives the same report.
    if (left > 0 || escaped > 0)
      said.push(
        'processes it started still ran after it was stopped (a daemon or children it left); they ended with its sandbox',
      );
    const host = p.host.name === 'server' ? this.lab.server : this.lab.client;
    const owned = await host.exec(['sh', '-c', `ps -o pid= -u ${p.uid} | wc -l`]);
    if (Number(owned.stdout.trim()) > 0) {
      await host.exec(['sh', '-c', `pkill -9 -u ${p.uid}; true`]);
      said.push(`its user still owned ${owned.stdout.trim()} processes on the ${host.name} host: killed`);
    }
    if (this.#stoppedServers.includes(proto) && (await listeningOn(host, proto, port)))
      said.push(`${proto.toUpperCase()} port ${port} was still taken after it ended`);
    return said;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#program?.stop().catch(() => {});
    await this.#program?.cleanup().catch(() => {});
    if (this.#extraServer !== null) await stopBackground(this.lab.server, this.#extraServer).catch(() => {});
    if (this.own) {
      await this.lab.down().catch(() => {});
      return;
    }
    if (!this.#before) return;
    for (const proto of this.#stoppedServers) await startLabServer(this.lab.server, proto).catch(() => {});
    await forgetPeers(this.lab).catch(() => {});
    const { model } = this.#before;
    await this.lab.impair({ up: model.up, down: model.down, seed: model.seed }).catch(() => {});
  }
}
