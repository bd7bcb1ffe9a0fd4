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

/** Whether tc sends the correlations at all for this model (see netemArgs). */
function carriesCorrelations(m: DirectionModel): boolean {
  return m.loss?.model !== 'gemodel' || Boolean(m.delay?.jitterMs);
}

const anyCorrelation = (m: DirectionModel): boolean =>
  Boolean(
    m.delay?.correlation || (m.loss?.model === 'random' && m.loss.correlation) || m.duplicate?.correlation,
  );

/**
 * `tc qdisc replace dev DEV root netem ...` for one direction, or deletion when it is clean.
 *
 * `replace` on a netem qdisc changes it, and netem keeps what a change does not name: reorder,
 * corrupt, rate and the correlations stayed from the model before (measured on a real sch_netem,
 * test/netem). So whatever the model does not set is named at zero, and the qdisc is exactly the
 * model, whatever came before. tc sends delay's, loss's and duplicate's correlations together,
 * but only when delay's or random loss's is given: random loss always names its own (0% when
 * none), and no loss is said as `loss random 0% 0%`.
 */
export function netemArgs(m: DirectionModel, dev: string): string[] {
  if (isClean(m)) return ['qdisc', 'del', 'dev', dev, 'root'];
  const args = ['qdisc', 'replace', 'dev', dev, 'root', 'netem', 'limit', String(netemLimit(m))];
  // netem has no outage: everything lost says it, and the other impairments do not matter.
  const shown: DirectionModel = m.outage ? { outage: true } : m;
  for (const imp of IMPAIRMENTS as Impairment<keyof DirectionModel>[]) {
    const value = shown[imp.key];
    if (value === undefined || imp.key === 'limit') continue;
    const words = imp.netem(value as never);
    // `loss random P` (or outage's `loss 100%`) with no correlation: name it at 0%.
    if (imp.key === 'loss' && words[1] !== 'gemodel' && words.length < 4) words.push('0%');
    if (imp.key === 'outage') words.push('0%');
    args.push(...words);
  }
  if (!shown.loss && !shown.outage) args.push('loss', 'random', '0%', '0%');
  else if (shown.loss?.model === 'gemodel' && shown.delay?.jitterMs && !shown.delay.correlation) {
    // Gilbert–Elliott loss names no correlation: delay's does, when there is jitter.
    const at = args.indexOf('delay');
    args.splice(at + 3, 0, '0%');
  }
  if (!shown.reorder) args.push('reorder', '0%');
  if (!shown.corrupt) args.push('corrupt', '0%');
  if (!shown.rate) args.push('rate', '0bit');
  return args;
}

/**
 * Whether going from `before` to `after` needs the qdisc made anew: netem keeps its delay
 * distribution table across changes and tc cannot name the default (uniform), so jitter that
 * becomes uniform again after a table needs a fresh qdisc (which drops what the old one held).
 */
export function needsFreshQdisc(before: DirectionModel, after: DirectionModel): boolean {
  if (isClean(after)) return false;
  const table = (m: DirectionModel) => (m.delay?.jitterMs && !m.outage ? m.delay.distribution : 'uniform');
  if (before.delay?.jitterMs && table(before) !== 'uniform' && table(after) === 'uniform') return true;
  // Gilbert–Elliott loss without jitter cannot name the correlations at zero.
  return !carriesCorrelations(after) && anyCorrelation(before);
}

export interface LinkDevices {
  /** The link host's interface toward the server: client→server frames leave through it. */
  towardServer: string;
  /** The interface toward the client: server→client frames leave through it. */
  towardClient: string;
}

/**
 * Both directions' tc commands: `up` impairs egress toward the server, `down` toward the client.
 * `before` is the model in force, when there is one (see needsFreshQdisc).
 */
export function netemCommands(model: LinkModel, devs: LinkDevices, before?: LinkModel): string[][] {
  const out: string[][] = [];
  for (const [dir, dev] of [
    ['up', devs.towardServer],
    ['down', devs.towardClient],
  ] as const) {
    if (before && needsFreshQdisc(before[dir], model[dir])) out.push(['qdisc', 'del', 'dev', dev, 'root']);
    out.push(netemArgs(model[dir], dev));
  }
  return out;
}
