// What `socklab check` reports: every verdict of the assignment with its points and reason, and
// for a failed one the evidence (what was sent, what came back, what the link did to each packet,
// the program's last output). Reasons say what happened without timings, so that grading twice
// gives the same files; measured times are kept apart, in `measured` (ms).

import type { Proto } from '../common/proto.ts';
import type { VerdictStatus } from '../experiments/verdict.ts';
import type { GradingBackend } from '../lab/started-lab.ts';
import type { PacketRecord } from '../link/control/packet-record.ts';
import type { Framing, ProgramRole } from './framing.ts';
import type { VerdictId } from './verdicts/registry.ts';

export const CHECK_SCHEMA = 1;

/** One line of a conversation: who, when (ms into the verdict's script), and what. */
export interface ExchangeLine {
  actor: string;
  at: number;
  what: 'sent' | 'got' | 'event';
  text: string;
}

export interface VerdictEvidence {
  /** What the checker sent and got back. */
  exchange: ExchangeLine[];
  /** What the link did to each frame of the exchange (the assignment's port), from linkd's record. */
  link: PacketRecord[];
  /** The program's last output lines. */
  output: string;
}

export interface VerdictResult {
  id: VerdictId;
  /** The verdict's title, as tables show it. */
  name: string;
  status: VerdictStatus;
  required: boolean;
  points: number;
  maxPoints: number;
  reason: string;
  /** Times measured for it, ms (waiting times, say): shown, but not part of the reason. */
  measured?: Record<string, number>;
  evidence?: VerdictEvidence;
}

export interface ServerKind {
  name: 'concurrent' | 'iterative' | 'unknown';
  /** In words, without timings: `iterative: the 2nd client waited for the 1st`. */
  text: string;
  /** How long the 2nd client waited for its reply, ms. */
  waitedMs: number | null;
}

/** `iterative: the 2nd client waited 1.5 s for the 1st`: the kind with its measured wait. */
export function describeKind(k: ServerKind): string {
  return k.name === 'iterative' && k.waitedMs !== null
    ? `iterative: the 2nd client waited ${(k.waitedMs / 1000).toFixed(1)} s for the 1st`
    : k.text;
}

export interface CheckTimings {
  labMs: number;
  deployMs: number;
  verdictMs: Record<string, number>;
  totalMs: number;
}

/** What the sandbox did: the budget it could apply (and could not, with why), and what it had to clean up or drop. */
export interface SandboxReport {
  applied: string[];
  notApplied: string[];
  /** Things the program did that the sandbox contained: processes that outlived it, frames it forged. */
  contained: string[];
}

export interface CheckResult {
  experiment: 'check';
  schema: typeof CHECK_SCHEMA;
  assignment: string;
  title: string;
  role: ProgramRole;
  program: string;
  protocol: Proto;
  framing: Framing;
  port: number;
  seed: number;
  profile: string;
  /** Where it ran (`vm`: the netns backend inside socklab's guest). */
  backend: GradingBackend;
  /** TCP servers: how they serve clients, from the held-connection probe. */
  kind: ServerKind | null;
  score: number;
  maxScore: number;
  /** Every required verdict passed. */
  passed: boolean;
  verdicts: VerdictResult[];
  /** The program's last output lines (of its last run). */
  output: string;
  /** Null where the program never ran (it could not be told how to run). */
  sandbox: SandboxReport | null;
  /** Whose clock timed it, where that is not this machine's own (the vm backend's guest under TCG, say). */
  clock?: string;
  timings: CheckTimings;
}
