// `socklab check`: one program judged against one assignment. In a lab of its own (a unique name,
// so that checks run side by side; removed afterwards, also on failure and on abort) or in a lab
// that runs already (left as it was found). The program is copied into its host, compiled (C),
// started or run in the sandbox, and every verdict of the assignment runs in turn, each on a
// program that runs (a server that died is started again, so that one bug fails one verdict).
// Failed verdicts keep their evidence: what was sent and got, the link's record, the output.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  type Actor,
  SCRIPT_SCHEMA,
  type ScriptRequest,
  PROGRAM as SOCKET_SCRIPT,
} from '../apps/socket-script.ts';
import { PROGRAM as TCP_ECHO_SERVER } from '../apps/tcp-echo-server.ts';
import { PROGRAM as UDP_ECHO_SERVER } from '../apps/udp-echo-server.ts';
import { AppError } from '../common/app-error.ts';
import { startBackground, stopBackground, waitListening } from '../lab/host-processes.ts';
import { appOn, type LabHost } from '../lab/lab-host.ts';
import { LAB_PORT, startLabServer, stopLabServer } from '../lab/lab-servers.ts';
import { runProgram } from '../lab/run-program.ts';
import { startLab, uniqueProject } from '../lab/start-lab.ts';
import type { Backend, StartedLab } from '../lab/started-lab.ts';
import type { PacketRecord } from '../link/control/packet-record.ts';
import { loadProfile, type Profile } from '../link/model/profiles.ts';
import { type Assignment, loadAssignment } from './assignment.ts';
import {
  CHECK_SCHEMA,
  type CheckResult,
  type Evidence,
  type ServerKind,
  type VerdictResult,
} from './check-result.ts';
import type { CheckContext, Outcome } from './context.ts';
import { exchangeOf } from './exchange.ts';
import { ProgramUnderTest } from './program.ts';
import { programKind, uidFor } from './sandbox.ts';
import { type Role, verdictMeta } from './verdict-catalogue.ts';
import { RUNNERS } from './verdict-runners.ts';
import { heldProbe } from './verdicts/concurrency-verdicts.ts';
import { WEB_FILES } from './web-files.ts';

export interface CheckOptions {
  assignment: Assignment | string;
  role: Role;
  /** The program, a path on this machine. */
  file: string;
  /** Its name in the host (and in reports); the file's own name by default. */
  name?: string;
  port?: number;
  /** The lossy link's profile; the assignment's by default. */
  profile?: string;
  seed?: number;
  /** A running lab to use, left as found; without one, a lab of its own is started and removed. */
  lab?: StartedLab;
  /** The name of that lab of its own (unique by default). */
  project?: string;
  backend?: Backend;
  /** Aborting stops between verdicts; the program and a lab of its own are removed all the same. */
  signal?: AbortSignal;
  /** Hears each verdict as it is decided (a progress line, say). */
  onVerdict?: (v: VerdictResult) => void;
}

const ECHO_SERVERS = { udp: UDP_ECHO_SERVER, tcp: TCP_ECHO_SERVER };

/** How far behind the link's newest record evidence reaches: enough for any verdict's exchange. */
const EVIDENCE_RECORDS = 300;

export async function runCheck(o: CheckOptions): Promise<CheckResult> {
  const t0 = performance.now();
  const a = typeof o.assignment === 'string' ? loadAssignment(o.assignment) : o.assignment;
  const spec = a[o.role];
  if (!spec) {
    const other = o.role === 'server' ? 'client' : 'server';
    throw new AppError(
      'assignment.no-role',
      `assignment ${a.name} has no ${o.role} to check, only a ${other}: give --${other} FILE`,
    );
  }
  const port = o.port ?? a.port;
  const seed = o.seed ?? a.seed;
  const base = loadProfile(o.profile ?? a.profile);
  const profile: Profile = { ...base, model: { ...base.model, seed } };
  const name = o.name ?? basename(o.file);
  const source = readFileSync(o.file);
  const kind = programKind(name, source.subarray(0, 4));
  const results: VerdictResult[] = [];
  const timings = { labMs: 0, deployMs: 0, verdictMs: {} as Record<string, number>, totalMs: 0 };
  const result = (
    lab: { backend: Backend } | null,
    output: string,
    serverKind: ServerKind | null,
  ): CheckResult => {
    timings.totalMs = Math.round(performance.now() - t0);
    const score = results.reduce((s, v) => s + (v.status === 'pass' ? v.points : 0), 0);
    return {
      experiment: 'check',
      schema: CHECK_SCHEMA,
      assignment: a.name,
      title: a.title,
      role: o.role,
      program: name,
      protocol: a.protocol,
      framing: a.framing,
      port,
      seed,
      profile: profile.name,
      backend: lab?.backend ?? o.backend ?? 'docker',
      kind: serverKind,
      score,
      maxScore: results.reduce((s, v) => s + v.maxPoints, 0),
      passed: results.every((v) => !v.required || v.status === 'pass'),
      verdicts: results,
      output,
      timings,
    };
  };
  const record = (id: string, outcome: Outcome, evidence?: Evidence): VerdictResult => {
    const vs = spec.verdicts.find((v) => v.id === id) ?? { id, points: 0, required: true };
    const v: VerdictResult = {
      id,
      name: verdictMeta(id)?.title ?? id,
      status: outcome.status,
      required: vs.required,
      points: outcome.status === 'pass' ? vs.points : 0,
      maxPoints: vs.points,
      reason: outcome.reason,
      ...(outcome.measured ? { measured: outcome.measured } : {}),
      ...(evidence ? { evidence } : {}),
    };
    results.push(v);
    o.onVerdict?.(v);
    return v;
  };
  const notRun = (why: string, from = 0): void => {
    for (const v of spec.verdicts.slice(from))
      if (!results.some((r) => r.id === v.id)) record(v.id, { status: 'fail', reason: `not run: ${why}` });
  };
  if ('error' in kind) {
    notRun(kind.error);
    return result(null, '', null);
  }

  const own = !o.lab;
  const lab =
    o.lab ??
    (await startLab({
      backend: o.backend,
      project: o.project ?? uniqueProject().replace('socklab-', 'socklab-check-'),
      seed,
      autoCleanup: false,
      signal: o.signal,
    }));
  timings.labMs = own ? Math.round(performance.now() - t0) : 0;
  const before = own ? null : await lab.show();
  const host = o.role === 'server' ? lab.server : lab.client;
  const uid = uidFor(`${lab.project}/${name}/${randomBytes(4).toString('hex')}`);
  let program: ProgramUnderTest | null = null;
  let stoppedLabServer = false;
  let extraServer: number | null = null;
  let output = '';
  let serverKind: ServerKind | null = null;
  try {
    if (before?.scenario) await lab.scenario(null);
    const deployStart = performance.now();
    program = await ProgramUnderTest.deploy(host, {
      uid,
      name,
      kind: kind.kind,
      source,
      limits: a.limits,
      files: a.framing === 'http' ? WEB_FILES : {},
    });
    if (kind.kind === 'c') {
      const c = await program.compile();
      record(
        'compiles',
        c.ok
          ? { status: 'pass', reason: 'cc compiled it' }
          : {
              status: 'fail',
              reason: `cc could not compile it: ${c.output.trim().split('\n').slice(0, 8).join(' | ').slice(0, 600)}`,
            },
      );
      if (!c.ok) {
        notRun('it did not compile');
        return result(lab, c.output, null);
      }
    }
    const ctx = makeContext(lab, a, o.role, port, profile, seed, program);
    const deadline = t0 + a.timeLimitMs;
    const p = program;

    if (o.role === 'server') {
      // The lab's own server gives up the port for the check, and gets it back afterwards.
      if (port === LAB_PORT) {
        await stopLabServer(lab.server, a.protocol);
        stoppedLabServer = true;
      }
      const started = await startServer(p, a.protocol, port);
      timings.deployMs = Math.round(performance.now() - deployStart);
      record('starts', started);
      if (started.status !== 'pass') {
        notRun('it did not start and listen');
        output = await p.output();
        return result(lab, output, null);
      }
      if (a.framing === 'oneshot' || a.framing === 'stream') {
        const probe = await heldProbe(ctx);
        serverKind = { name: probe.kind, text: probe.text, waitedMs: probe.waitedMs };
        await ensureRunning(p, a.protocol, port);
      }
    } else {
      timings.deployMs = Math.round(performance.now() - deployStart);
      // The lab's echo servers listen on 12000; for another port one of them listens there too.
      if (port !== LAB_PORT) {
        extraServer = await startBackground(
          lab.server,
          [
            'node',
            appOn(lab.server, ECHO_SERVERS[a.protocol].name),
            ...ECHO_SERVERS[a.protocol].argv({ port, quiet: true }),
          ],
          `${lab.server.workDir}/check-echo-server.log`,
        );
        await waitListening(lab.server, a.protocol, port, extraServer, 10_000);
      }
    }

    for (const v of spec.verdicts) {
      if (v.id === 'starts' || results.some((r) => r.id === v.id)) continue;
      if (performance.now() > deadline) {
        notRun(`the assignment's time limit of ${Math.round(a.timeLimitMs / 1000)} s was reached`);
        break;
      }
      o.signal?.throwIfAborted();
      const vt = performance.now();
      let restarted = false;
      if (o.role === 'server') restarted = await ensureRunning(p, a.protocol, port);
      let outcome: Outcome;
      try {
        outcome = await RUNNERS[v.id]!(ctx);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        outcome = { status: 'fail', reason: `the check could not complete: ${err.message}` };
      }
      if (restarted)
        outcome = {
          ...outcome,
          reason: `${outcome.reason} (it had stopped during an earlier verdict and was started again for this one)`,
        };
      const evidence =
        outcome.status === 'fail' ? await evidenceOf(ctx, outcome, a.protocol, port) : undefined;
      timings.verdictMs[v.id] = Math.round(performance.now() - vt);
      record(v.id, outcome, evidence);
    }
    output =
      o.role === 'server' ? await p.output() : ((ctx.memo.get('lastOutput') as string | undefined) ?? '');
    return result(lab, output, serverKind);
  } finally {
    await program?.stop().catch(() => {});
    await program?.cleanup().catch(() => {});
    if (extraServer !== null) await stopBackground(lab.server, extraServer).catch(() => {});
    if (!own) {
      if (stoppedLabServer) await startLabServer(lab.server, a.protocol).catch(() => {});
      if (before) {
        await lab
          .impair({ up: before.model.up, down: before.model.down, seed: before.model.seed })
          .catch(() => {});
        // A scenario cannot resume where it was: it starts again from its first step.
        if (before.scenario) await lab.scenario(null).catch(() => {});
      }
    } else await lab.down().catch(() => {});
  }
}

async function startServer(p: ProgramUnderTest, proto: 'udp' | 'tcp', port: number): Promise<Outcome> {
  const pid = await p.start([String(port)]);
  const state = await waitListening(p.host, proto, port, pid, 10_000);
  if (state === 'listening') {
    // Where it listens: every address, or the lab's; loopback alone cannot be reached from the client.
    const ss = await p.host.exec(['ss', `-Hln${proto === 'udp' ? 'u' : 't'}`, `sport = :${port}`]);
    const local = ss.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[3] ?? '')
      .map((a) => a.slice(0, a.lastIndexOf(':')));
    const reachable = local.some((a) => !/^(127\.|\[::1\]|::1)/.test(a));
    if (!reachable)
      return {
        status: 'fail',
        reason: `it listens on ${proto.toUpperCase()} port ${port} of ${local.join(', ')} only, which other hosts cannot reach; bind to '' (every address), as the textbook does`,
      };
    return { status: 'pass', reason: `it listens on ${proto.toUpperCase()} port ${port}` };
  }
  const last = (await p.output(3)).trim().split('\n').at(-1) ?? '';
  const why =
    state === 'exited'
      ? `it exited${last ? `: ${last.slice(0, 300)}` : ' without a word'}`
      : `nothing listened on ${proto.toUpperCase()} port ${port} within 10 s`;
  return {
    status: 'fail',
    reason: `${why}; it is run as PROGRAM ${port} and must listen on ${proto.toUpperCase()} port ${port}`,
  };
}

/** Starts the server again if it died; says whether it had to. */
async function ensureRunning(p: ProgramUnderTest, proto: 'udp' | 'tcp', port: number): Promise<boolean> {
  if (await p.alive()) return false;
  await p.killAll();
  await startServer(p, proto, port);
  return true;
}

function makeContext(
  lab: StartedLab,
  assignment: Assignment,
  role: Role,
  port: number,
  profile: Profile,
  seed: number,
  program: ProgramUnderTest,
): CheckContext {
  const client: LabHost = lab.client;
  const ctx: CheckContext = {
    lab,
    assignment,
    role,
    port,
    profile,
    seed,
    program,
    memo: new Map(),
    async script(actors: Actor[], timeoutMs = 120_000) {
      const request: ScriptRequest = { schema: SCRIPT_SCHEMA, actors };
      const result = await runProgram(
        client,
        SOCKET_SCRIPT,
        {},
        { stdin: JSON.stringify(request), timeoutMs },
      );
      return { result, exchange: exchangeOf(actors, result) };
    },
    run(program, values, stdin) {
      return runProgram(client, program, values, { stdin, timeoutMs: 300_000 });
    },
    async clean() {
      await lab.impair({ impair: 'none', seed });
      await lab.resetLink();
    },
    async lossy() {
      await lab.impair({ up: profile.model.up, down: profile.model.down, seed });
      await lab.resetLink();
    },
    async runClient(stdin: string, timeoutMs: number) {
      const r = await program.run(['server', String(port)], stdin, timeoutMs);
      ctx.memo.set('lastOutput', `${r.stdout}${r.stderr}`.trim().split('\n').slice(-20).join('\n'));
      return r;
    },
  };
  return ctx;
}

/** What a failed verdict leaves to look at: its exchange, the link's record of it, the output. */
async function evidenceOf(
  ctx: CheckContext,
  outcome: Outcome,
  proto: 'udp' | 'tcp',
  port: number,
): Promise<Evidence> {
  const link: PacketRecord[] = (await ctx.lab.linkRecord(0, { head: true }).catch(() => [] as PacketRecord[]))
    .filter((r) => r.proto === proto && (r.dport === port || r.sport === port))
    .slice(-EVIDENCE_RECORDS);
  const output =
    ctx.role === 'server'
      ? await ctx.program.output(20).catch(() => '')
      : ((ctx.memo.get('lastOutput') as string | undefined) ?? '');
  return { exchange: outcome.exchange ?? [], link, output };
}
