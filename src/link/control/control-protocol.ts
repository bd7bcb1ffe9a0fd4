// linkd's control protocol: one JSON object per line over a unix socket, each answered by one.
// Typed per command: each command names its request's fields and its reply's, so that callers
// (linkctl, the orchestrator's LinkControl, the live view) get objects, never text to parse.
import type { DirectionModel, LinkModel } from '../model/impairment-model.ts';
import type { ReplayFile } from '../model/replay-file.ts';
import type { Scenario } from '../model/scenario.ts';
import type { DataPlaneInfo } from '../relay/relay-socket.ts';
import type { PacketRecord } from './packet-record.ts';
import type { RelayStats } from './relay-stats.ts';
import type { ReplayReport } from './replay-report.ts';
import type { ScenarioStatus } from './scenario-runner.ts';

export interface ControlCommands {
  /** The model in force, who applies it, and the scenario step, if one runs. */
  show: {
    req: Record<never, never>;
    res: {
      model: LinkModel;
      text: string;
      engine: string;
      /** Which data plane carries the frames (absent from a linkd older than it). */
      dataPlane?: DataPlaneInfo;
      /** Whether it forwards yet: not until every peer's address is known (absent from an older linkd). */
      forwarding?: boolean;
      scenario: ScenarioStatus | null;
      /** The lab's clients, in order (`client`, `client2`, ...). */
      clients: string[];
      /** Scenarios on one client's path, by client (absent when none runs). */
      clientScenarios?: Record<string, ScenarioStatus>;
    };
  };
  /**
   * Changes the model now: what is named is replaced, the rest stays. Stops a running scenario
   * (the client's, with `client`; every one without). Models, not netem's words: text is parsed
   * once, where a person typed it. Without `client`, every client's path (a direction named here
   * replaces each client's own); with it, that client's path only.
   */
  set: {
    req: {
      impair?: DirectionModel;
      up?: DirectionModel;
      down?: DirectionModel;
      seed?: number;
      client?: string;
    };
    res: { model: LinkModel; text: string };
  };
  stats: { req: Record<never, never>; res: { stats: RelayStats } };
  /** Zeroes the counters and the record, and restarts the random streams from the seed. */
  reset: { req: Record<never, never>; res: Record<never, never> };
  /**
   * Records with n > since; `head` adds each payload's first bytes. Numbers start again from 1 at
   * each reset, which `resets` counts (since linkd started): a reader that kept its place by number
   * sees by it that the numbers began again, though the new ones may have passed its place.
   */
  record: {
    req: { since?: number; limit?: number; head?: boolean };
    res: { records: PacketRecord[]; last: number; overwritten: number; resets: number };
  };
  'capture-start': { req: { path: string }; res: Record<never, never> };
  'capture-stop': { req: Record<never, never>; res: { capture: { path: string; frames: number } | null } };
  /**
   * Runs a timed scenario from now (null stops it; the model of its step in force stays): on every
   * client's path, or with `client` on that client's only.
   */
  scenario: {
    req: { scenario: Scenario | null; client?: string };
    res: { scenario: ScenarioStatus | null; model: LinkModel };
  };
  /**
   * With `file`: from now, the frames of each flow meet the recorded run's fates in their places,
   * and the file's model decides the rest (null ends the replay). Without: how the replay went.
   */
  replay: {
    req: { file?: ReplayFile | null };
    res: { report: ReplayReport | null };
  };
}

export type ControlCommand = keyof ControlCommands;
export const CONTROL_COMMANDS: readonly ControlCommand[] = [
  'show',
  'set',
  'stats',
  'reset',
  'record',
  'capture-start',
  'capture-stop',
  'scenario',
  'replay',
];

export type RequestOf<C extends ControlCommand> = { cmd: C } & ControlCommands[C]['req'];
export type ResultOf<C extends ControlCommand> = ControlCommands[C]['res'];
export type ControlRequest = { [C in ControlCommand]: RequestOf<C> }[ControlCommand];

/** A reply: the command's result, or why it failed (with a stable code from the error catalogue). */
export type ControlReply<C extends ControlCommand = ControlCommand> =
  | ({ ok: true } & ResultOf<C>)
  | { ok: false; error: string; code?: string };

export const DEFAULT_CONTROL_PATH = '/run/socklab/linkd.sock';
