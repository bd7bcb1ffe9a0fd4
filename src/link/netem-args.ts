// The netem engine's command builder: the impairment model as `tc` argument lists. Pure, so it
// is tested without a kernel; netem-engine.ts only runs what this returns.
import { DEFAULT_LIMIT, type DirectionModel, isClean, type LinkModel } from './impairment-model.ts';
import type { Impairment } from './impairments/impairment.ts';
import { IMPAIRMENTS } from './impairments/registry.ts';

/** Line rate assumed for a link without a rate when sizing the queue: a fast veth. */
const ASSUMED_LINE_BPS = 10e9;
const MTU_BYTES = 1500;

/**
 * netem's limit counts every packet it holds, delayed ones included; at high delay × rate the
 * 1,000-packet default would drop packets the model never asked to drop. So the limit is the
 * model's queue plus what the delay keeps in flight at the line rate.
 */
export function netemLimit(m: DirectionModel): number {
  const queue = m.limit ?? DEFAULT_LIMIT;
  if (!m.delay) return queue;
  const holdMs = m.delay.ms + 4 * m.delay.jitterMs;
  const bytesPerMs = (m.rate?.bps ?? ASSUMED_LINE_BPS) / 8 / 1000;
  return queue + Math.ceil((holdMs * bytesPerMs) / MTU_BYTES);
}

/** `tc qdisc replace dev DEV root netem ...` for one direction, or deletion when it is clean. */
export function netemArgs(m: DirectionModel, dev: string): string[] {
  if (isClean(m)) return ['qdisc', 'del', 'dev', dev, 'root'];
  const args = ['qdisc', 'replace', 'dev', dev, 'root', 'netem', 'limit', String(netemLimit(m))];
  // netem has no outage: everything lost says it, and the other impairments do not matter.
  if (m.outage) return [...args, 'loss', '100%'];
  for (const imp of IMPAIRMENTS as Impairment<keyof DirectionModel>[]) {
    const value = m[imp.key];
    if (value !== undefined && imp.key !== 'limit') args.push(...imp.netem(value as never));
  }
  return args;
}

export interface LinkDevices {
  /** The link host's interface toward the server: client→server frames leave through it. */
  towardServer: string;
  /** The interface toward the client: server→client frames leave through it. */
  towardClient: string;
}

/** Both directions' tc commands: `up` impairs egress toward the server, `down` toward the client. */
export function netemCommands(model: LinkModel, devs: LinkDevices): string[][] {
  return [netemArgs(model.up, devs.towardServer), netemArgs(model.down, devs.towardClient)];
}
