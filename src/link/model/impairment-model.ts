// The impairment model: per direction, in netem's vocabulary. One model whether it comes from
// text, CLI flags, a profile file or code; both engines (relay, netem) take it as it is.

import type { EventRule } from './event-rules.ts';
import type { TraceSpec } from './trace.ts';

export const DISTRIBUTIONS = ['uniform', 'normal', 'pareto', 'paretonormal'] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

export interface DelaySpec {
  ms: number;
  jitterMs: number;
  /** Percent, as netem: how much each random value leans on the previous one. */
  correlation: number;
  distribution: Distribution;
}

export type LossSpec =
  | { model: 'random'; percent: number; correlation: number }
  /** Gilbert–Elliott, netem's `loss gemodel p r 1-h 1-k`, all in percent. */
  | { model: 'gemodel'; p: number; r: number; oneMinusH: number; oneMinusK: number };

export interface ChanceSpec {
  percent: number;
  correlation: number;
}

export interface ReorderSpec extends ChanceSpec {
  /** netem's gap: with 1 (the default), any packet may be sent at once. */
  gap: number;
}

export interface DirectionModel {
  delay?: DelaySpec;
  loss?: LossSpec;
  duplicate?: ChanceSpec;
  reorder?: ReorderSpec;
  corrupt?: ChanceSpec;
  /** Bits per second: each frame takes size × 8 / rate to leave. */
  rate?: { bps: number };
  /** A delivery trace (Mahimahi's format) in place of a fixed rate: frames leave at its opportunities. */
  trace?: TraceSpec;
  /** Packets that may wait for the rate limiter; more are tail-dropped. */
  limit?: number;
  /** The link is down: nothing crosses (a scenario's outage step). */
  outage?: true;
  /** Faults aimed at protocol events (`drop tcp syn-ack #1`): relay engine only. */
  events?: EventRule[];
}

export type Direction = 'up' | 'down';
export const DIRECTIONS: readonly Direction[] = ['up', 'down'];

export interface LinkModel {
  /** Every client's path, unless it has one of its own below. */
  up: DirectionModel;
  down: DirectionModel;
  seed: number;
  /** Paths of their own, by client name (`client2`): what a client names replaces that direction. */
  paths?: Record<string, Partial<Record<Direction, DirectionModel>>>;
}

/** The model of one client's path in one direction. */
export const pathOf = (m: LinkModel, client: string, dir: Direction): DirectionModel =>
  m.paths?.[client]?.[dir] ?? m[dir];

/**
 * Why the netem engine cannot apply this model, or null: clients' own paths and event rules are
 * the relay's alone (netem impairs a device all clients share, and cannot tell a SYN-ACK from data).
 */
export function relayOnly(m: LinkModel): string | null {
  if (m.paths && Object.keys(m.paths).length > 0)
    return "a client's own path needs the relay engine (netem impairs a device, which all clients share)";
  const paths = [m.up, m.down];
  if (paths.some((d) => d.trace))
    return 'a delivery trace needs the relay engine (netem has no delivery schedule)';
  if (paths.some((d) => d.events?.length))
    return 'faults aimed at events (drop tcp syn-ack #1, ...) need the relay engine (netem cannot tell one segment from another)';
  return null;
}

/** One client's path as a model of its own (no other clients' paths): what its experiments judge by. */
export const pathModel = (m: LinkModel, client: string): LinkModel => ({
  up: pathOf(m, client, 'up'),
  down: pathOf(m, client, 'down'),
  seed: m.seed,
});

/** The name of the n-th client (from 0): `client`, `client2`, `client3`, ... */
export const clientName = (index: number): string => (index === 0 ? 'client' : `client${index + 1}`);

/** How many clients a lab may have (the record keeps a client's index in 4 bits). */
export const MAX_CLIENTS = 8;

/** A client's index (from 0) by its name, or -1 for a name that is not a client's. */
export function clientIndex(name: string): number {
  if (name === 'client') return 0;
  const m = /^client([2-9]|[1-9]\d+)$/.exec(name);
  return m ? Number(m[1]) - 1 : -1;
}

/** The names of a lab's clients, in order. */
export const clientNames = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => clientName(i));

export const DEFAULT_LIMIT = 1000;
export const DEFAULT_SEED = 1;

export function isClean(m: DirectionModel): boolean {
  return (
    !m.delay &&
    !m.loss &&
    !m.duplicate &&
    !m.reorder &&
    !m.corrupt &&
    !m.rate &&
    !m.trace &&
    !m.outage &&
    !m.events?.length
  );
}

/** Long-run fraction of packets lost in one direction (Gilbert–Elliott at its stationary state). */
export function expectedLoss(m: DirectionModel): number {
  if (m.outage) return 1;
  const loss = m.loss;
  if (!loss) return 0;
  if (loss.model === 'random') return loss.percent / 100;
  const p = loss.p / 100;
  const r = loss.r / 100;
  const bad = p + r === 0 ? 0 : p / (p + r);
  return (1 - bad) * (loss.oneMinusK / 100) + bad * (loss.oneMinusH / 100);
}
