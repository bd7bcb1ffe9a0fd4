// What a verdict gets when it is judged: the lab, the assignment, the program under test, and ways
// to talk to it (a script of the checker's clients in the client host, the lab's own programs), to
// set the link clean or lossy, and to share a result between verdicts (the pinger's one run). A
// verdict returns an outcome; the check adds the link's record and the program's output as evidence.

import type { Actor, ScriptResult } from '../apps/socket-script.ts';
import type { OptionSpecs } from '../common/app-args.ts';
import type { HostProgram, OptionValues } from '../common/host-program.ts';
import type { VerdictStatus } from '../experiments/verdict.ts';
import type { StartedLab } from '../lab/started-lab.ts';
import type { PacketRecord } from '../link/control/packet-record.ts';
import type { Profile } from '../link/model/profiles.ts';
import type { Assignment } from './assignment.ts';
import type { ExchangeLine } from './check-result.ts';
import type { ProgramRole } from './framing.ts';
import type { ProgramRun, ProgramUnderTest } from './program.ts';

export interface Outcome {
  status: VerdictStatus;
  /** What happened, in words and counts (no timings: those go in `measured`). */
  reason: string;
  measured?: Record<string, number>;
  exchange?: ExchangeLine[];
}

export interface CheckContext {
  lab: StartedLab;
  assignment: Assignment;
  role: ProgramRole;
  port: number;
  /** The lossy link, with the check's seed. */
  profile: Profile;
  seed: number;
  program: ProgramUnderTest;
  /** Runs the checker's clients (actors) at once in the client host; their conversation as lines. */
  script(actors: Actor[], timeoutMs?: number): Promise<{ result: ScriptResult; exchange: ExchangeLine[] }>;
  /** Runs one of socklab's programs in the client host with typed options; its typed result. */
  run<S extends OptionSpecs, R>(
    program: HostProgram<S, R>,
    values: OptionValues<S>,
    stdin?: string,
  ): Promise<R>;
  /**
   * The link's record since its last reset, without the frames it dropped as forged: those never
   * reached a host, and a program that forges frames must not write the record it is judged by.
   */
  linkRecord(opts?: { head?: boolean }): Promise<PacketRecord[]>;
  /** Restarts the link's counters, record and streams (keeping count of frames it dropped as forged). */
  resetLink(): Promise<void>;
  /** The link clean (as the functional verdicts want it), or the profile's. Each restarts the link's streams. */
  clean(): Promise<void>;
  lossy(): Promise<void>;
  /** A client under test, run once: `PROGRAM server PORT` with `stdin`. */
  runClient(stdin: string, timeoutMs: number): Promise<ProgramRun>;
  /** Results shared between verdicts of one check. */
  memo: Map<string, unknown>;
  /** The last lines a run to its end printed (a client's run, the compiler's): the report's output. */
  lastOutput: string;
  /** Frames the link dropped as forged during the check (before the last reset of its counters). */
  forgedFrames: number;
}

export const passed = (reason: string, extra: Partial<Outcome> = {}): Outcome => ({
  status: 'pass',
  reason,
  ...extra,
});
export const failed = (reason: string, extra: Partial<Outcome> = {}): Outcome => ({
  status: 'fail',
  reason,
  ...extra,
});
