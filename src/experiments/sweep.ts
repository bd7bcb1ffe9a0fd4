// sweep: the compare experiment at each point of a grid of loss and delay values (each applied
// to both directions), to see UDP's delivery fall with loss while TCP stays whole and pays in
// time and retransmissions. The link's model is restored afterwards.
import type { StartedLab } from '../lab/start-lab.ts';
import type { DirectionModel, LinkModel } from '../link/model/impairment-model.ts';
import { type CompareResult, compare } from './compare.ts';
import type { Verdict } from './verdict.ts';

export interface SweepOptions {
  /** Loss per direction, percent. */
  loss?: number[];
  /** Delay per direction, ms. */
  delay?: number[];
  count?: number;
  onProgress?: (done: number, total: number, point: { lossPercent: number; delayMs: number }) => void;
}

export interface SweepPoint {
  lossPercent: number;
  delayMs: number;
  udp: { sent: number; received: number; deliveryRatio: number; rttP50Ms: number | null };
  tcp: {
    sent: number;
    received: number;
    deliveryRatio: number;
    intact: boolean;
    completionMs: number;
    retransmits: number;
  };
  verdicts: Verdict[];
  /** The whole compare run, with its evidence. */
  run: CompareResult;
}

export interface SweepResult {
  experiment: 'sweep';
  base: LinkModel;
  points: SweepPoint[];
  verdicts: Verdict[];
}

function withPoint(d: DirectionModel, lossPercent: number, delayMs: number): DirectionModel {
  const { loss: _l, delay: _d, ...rest } = d;
  return {
    ...rest,
    ...(lossPercent > 0 ? { loss: { model: 'random' as const, percent: lossPercent, correlation: 0 } } : {}),
    ...(delayMs > 0
      ? { delay: { ms: delayMs, jitterMs: 0, correlation: 0, distribution: 'normal' as const } }
      : {}),
  };
}

export async function sweep(lab: StartedLab, opts: SweepOptions = {}): Promise<SweepResult> {
  const losses = opts.loss ?? [0, 5, 10, 20];
  const delays = opts.delay ?? [0];
  const base = lab.model;
  const grid = delays.flatMap((delayMs) => losses.map((lossPercent) => ({ lossPercent, delayMs })));
  const points: SweepPoint[] = [];
  try {
    for (const [i, p] of grid.entries()) {
      opts.onProgress?.(i, grid.length, p);
      await lab.impair({
        up: withPoint(base.up, p.lossPercent, p.delayMs),
        down: withPoint(base.down, p.lossPercent, p.delayMs),
      });
      const run = await compare(lab, { count: opts.count ?? 100 });
      points.push({
        ...p,
        udp: {
          sent: run.udp.sent,
          received: run.udp.received,
          deliveryRatio: run.udp.received / run.udp.sent,
          rttP50Ms: run.udp.rttMs?.p50 ?? null,
        },
        tcp: {
          sent: run.tcp.sent,
          received: run.tcp.received,
          deliveryRatio: run.tcp.received / Math.max(1, run.tcp.sent),
          intact: run.tcp.intact,
          completionMs: run.tcp.totalMs,
          retransmits:
            run.evidence.kernel.tcp.client['Tcp.RetransSegs'] +
            run.evidence.kernel.tcp.server['Tcp.RetransSegs'],
        },
        verdicts: run.verdicts,
        run,
      });
    }
    opts.onProgress?.(grid.length, grid.length, grid.at(-1)!);
  } finally {
    await lab.impair({ up: base.up, down: base.down });
  }
  const verdicts = points.flatMap((p) =>
    p.verdicts.map((v) => ({ ...v, name: `loss ${p.lossPercent}%, delay ${p.delayMs} ms: ${v.name}` })),
  );
  return { experiment: 'sweep', base, points, verdicts };
}
