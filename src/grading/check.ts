// `socklab check`: one program judged against one assignment. The check reads as its lifecycle:
// plan (everything validated before anything starts), a session on a lab (its own or a running
// one, see check-session.ts), deploy, the gates (compiles, starts), the verdicts in turn, each on
// a program that runs (a server that died is started again, so that one bug fails one verdict),
// and the summary. Failed verdicts keep their evidence: what was sent and got, the link's record,
// the output.
import { randomBytes } from 'node:crypto';
import { lstatSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { SocklabError } from '../common/errors.ts';
import type { Backend, StartedLab } from '../lab/started-lab.ts';
import { loadProfile, type Profile } from '../link/model/profiles.ts';
import { type Assignment, loadAssignment, type RoleSpec } from './assignment.ts';
import { forged, makeContext } from './check-context.ts';
import type { CheckResult, CheckTimings, SandboxReport, ServerKind, VerdictResult } from './check-result.ts';
import { CheckSession } from './check-session.ts';
import type { CheckContext } from './context.ts';
import { evidenceOf } from './evidence.ts';
import type { ProgramRole } from './framing.ts';
import { programKind, uidFor } from './sandbox.ts';
import { ScriptWorker } from './script-worker.ts';
import { VerdictLog } from './verdict-log.ts';
import { heldProbe } from './verdicts/concurrency-verdicts.ts';
import { ensureRunning } from './verdicts/lifecycle-verdicts.ts';
import { type Verdict, verdictEntry } from './verdicts/registry.ts';
import { WEB_FILES } from './web-files.ts';

export interface CheckOptions {
  assignment: Assignment | string;
  role: ProgramRole;
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
  /** That lab is not used again (a warm guest's, which powers off after one check): not restored. */
  discardLab?: boolean;
  /** The name of that lab of its own (unique by default). */
  project?: string;
  backend?: Backend;
  /** Aborting stops between verdicts; the program and a lab of its own are removed all the same. */
  signal?: AbortSignal;
  /** Hears each verdict as it is decided (a progress line, say). */
  onVerdict?: (v: VerdictResult) => void;
}

/** What a check judges, settled before any lab is touched. */
export interface CheckPlan {
  assignment: Assignment;
  role: ProgramRole;
  spec: RoleSpec;
  port: number;
  seed: number;
  /** The lossy link, with the check's seed. */
  profile: Profile;
  /** The program's name in its host and in reports. */
  name: string;
  source: Buffer;
  kind: ReturnType<typeof programKind>;
  backend: Backend;
}

/**
 * The program's bytes, from its own file only: a symbolic link is refused (it could point at any
 * file socklab can read, /etc/shadow say, whose lines would end up in the report).
 */
export function readProgram(file: string): Buffer {
  const st = lstatSync(file, { throwIfNoEntry: false });
  if (!st) throw new SocklabError('file.not-found', `no file ${file}: give the path of the program to check`);
  if (st.isSymbolicLink())
    throw new SocklabError(
      'usage.invalid',
      `${file} is a symbolic link: socklab checks only a program's own file (a link could point anywhere); give the file itself`,
    );
  if (!st.isFile())
    throw new SocklabError('usage.invalid', `${file} is not a regular file: give the program's source file`);
  return readFileSync(file);
}

export function planCheck(o: CheckOptions): CheckPlan {
  const assignment = typeof o.assignment === 'string' ? loadAssignment(o.assignment) : o.assignment;
  const spec = assignment[o.role];
  if (!spec) {
    const other = o.role === 'server' ? 'client' : 'server';
    throw new SocklabError(
      'assignment.no-role',
      `assignment ${assignment.name} has no ${o.role} to check, only a ${other}: give --${other} FILE`,
    );
  }
  const seed = o.seed ?? assignment.seed;
  const base = loadProfile(o.profile ?? assignment.profile);
  const name = o.name ?? basename(o.file);
  const source = readProgram(o.file);
  return {
    assignment,
    role: o.role,
    spec,
    port: o.port ?? assignment.port,
    seed,
    profile: { ...base, model: { ...base.model, seed } },
    name,
    source,
    kind: programKind(name, source.subarray(0, 4)),
    backend: o.lab?.backend ?? o.backend ?? 'docker',
  };
}

export async function runCheck(o: CheckOptions): Promise<CheckResult> {
  const t0 = performance.now();
  const plan = planCheck(o);
  const timings: CheckTimings = { labMs: 0, deployMs: 0, verdictMs: {}, totalMs: 0 };
  const log = new VerdictLog(plan, timings, t0, o.onVerdict);
  if ('error' in plan.kind) {
    log.notRun(plan.kind.error);
    return log.result('', null);
  }
  const kind = plan.kind.kind;
  await using session = await CheckSession.open({ ...o, seed: plan.seed });
  timings.labMs = session.labMs;
  await using scripts = new ScriptWorker(session.lab.client);
  scripts.start();
  const deployStart = performance.now();
  const { assignment: a, role, port } = plan;
  const host = role === 'server' ? session.lab.server : session.lab.client;
  const program = await session.deploy(host, {
    uid: uidFor(`${session.lab.project}/${plan.name}/${randomBytes(4).toString('hex')}`),
    name: plan.name,
    kind,
    source: plan.source,
    limits: a.limits,
    files: a.framing === 'http' ? WEB_FILES : {},
  });
  const ctx = makeContext(session.lab, plan, program, scripts);
  if (role === 'server') await session.freePort(a.protocol, port);
  else await session.echoServerOn(a.protocol, port);
  const gates: Verdict[] = [
    ...(kind === 'c' ? [verdictEntry('compiles')] : []),
    ...(role === 'server' ? [verdictEntry('starts')] : []),
  ];
  const closed = await passGates(ctx, log, gates);
  timings.deployMs = Math.round(performance.now() - deployStart);
  let serverKind: ServerKind | null = null;
  if (closed) log.notRun(closed);
  else {
    serverKind = await kindOf(ctx);
    await judgeAll(ctx, log, t0 + a.timeLimitMs, o.signal);
  }
  const output = await outputOf(ctx);
  return log.result(output, serverKind, await sandboxOf(session, ctx));
}

/** The program stopped and its jail closed: what its sandbox applied, and what it had to contain. */
async function sandboxOf(session: CheckSession, ctx: CheckContext): Promise<SandboxReport> {
  const { budget } = ctx.program.host;
  const contained = await session.finish(ctx.assignment.protocol, ctx.port);
  const frames = ctx.forgedFrames + forged(await session.lab.linkStats());
  if (frames > 0)
    contained.push(
      `the link dropped ${frames} frame${frames === 1 ? '' : 's'} sent from a lab host with another host's inner source (forged VXLAN): none reached the other host`,
    );
  return { applied: budget.applied, notApplied: budget.notApplied, contained };
}

/** Runs the gates in order; the reason the rest cannot run when one fails, else null. */
async function passGates(ctx: CheckContext, log: VerdictLog, gates: Verdict[]): Promise<string | null> {
  for (const gate of gates) {
    const outcome = await gate.run(ctx);
    log.record(gate.id, outcome);
    if (outcome.status !== 'pass') return gate.gate ?? `${gate.id} failed`;
  }
  return null;
}

/** A TCP echo server's kind (concurrent or iterative), which every such check reports. */
async function kindOf(ctx: CheckContext): Promise<ServerKind | null> {
  const f = ctx.assignment.framing;
  if (ctx.role !== 'server' || (f !== 'oneshot' && f !== 'stream')) return null;
  const probe = await heldProbe(ctx);
  await ensureRunning(ctx.program, ctx.assignment.protocol, ctx.port);
  return { name: probe.kind, text: probe.text, waitedMs: probe.waitedMs };
}

/** Every verdict the gates left, in the assignment's order, until its time limit. */
async function judgeAll(ctx: CheckContext, log: VerdictLog, deadline: number, signal?: AbortSignal) {
  const { assignment: a, program, role, port } = ctx;
  for (const v of log.pending()) {
    if (performance.now() > deadline) {
      log.notRun(`the assignment's time limit of ${Math.round(a.timeLimitMs / 1000)} s was reached`);
      return;
    }
    signal?.throwIfAborted();
    const started = performance.now();
    const restarted = role === 'server' && (await ensureRunning(program, a.protocol, port));
    let outcome = await verdictEntry(v.id)
      .run(ctx)
      .catch((err: unknown) => {
        // A tool this machine lacks stops the check: every verdict it is missing from would fail.
        if (!(err instanceof SocklabError) || err.code === 'lab.tool-missing') throw err;
        return { status: 'fail' as const, reason: `the check could not complete: ${err.message}` };
      });
    if (restarted)
      outcome = {
        ...outcome,
        reason: `${outcome.reason} (it had stopped during an earlier verdict and was started again for this one)`,
      };
    const evidence = outcome.status === 'fail' ? await evidenceOf(ctx, outcome) : undefined;
    log.record(v.id, outcome, evidence, performance.now() - started);
  }
}

/** The program's last output: a server's log, or what the last run to its end printed. */
async function outputOf(ctx: CheckContext): Promise<string> {
  return ctx.role === 'server' && ctx.program.runs > 0 ? await ctx.program.output() : ctx.lastOutput;
}
