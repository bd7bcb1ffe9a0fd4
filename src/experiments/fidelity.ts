// Fidelity: per direction, what the link realized against what was configured, from linkd's own
// record of the run. Each rate (loss, duplicate, reorder, corrupt) is judged against its 99.9%
// binomial interval (widened for correlated or bursty loss), the decided delay against the
// interval of a sample mean, the rate by the bits that left in busy periods; the real departures
// also give linkd's lateness. Pure: model and records in, report out.

import type { PacketRecord } from '../link/control/packet-record.ts';
import {
  type Direction,
  type DirectionModel,
  expectedLoss,
  type LinkModel,
  pathModel,
} from '../link/model/impairment-model.ts';
import { formatDirection } from '../link/model/impairment-text.ts';
import { traceBps } from '../link/model/trace.ts';
import { correlatedInterval } from './binomial.ts';

export type MetricStatus = 'ok' | 'outside' | 'n/a';

export interface FidelityMetric {
  name:
    | 'loss'
    | 'duplicate'
    | 'reorder'
    | 'corrupt'
    | 'delay mean'
    | 'delay sd'
    | 'rate'
    | 'trace rate'
    | 'lateness p99';
  /** What the model asks for, in its units (percent, ms, bit/s). */
  configured: number;
  realized: number | null;
  /** The range the realized value may fall in, or null when there is none to judge by. */
  expected: [number, number] | null;
  status: MetricStatus;
  unit: '%' | 'ms' | 'bit/s';
}

export interface DirectionFidelity {
  direction: Direction;
  model: string;
  /** Frames the link judged in this direction (ARP and neighbour discovery aside). */
  frames: number;
  lost: number;
  queueDropped: number;
  outage: number;
  metrics: FidelityMetric[];
}

export interface Fidelity {
  up: DirectionFidelity;
  down: DirectionFidelity;
  /** One line per metric outside its range; empty when the link did what it was told. */
  warnings: string[];
}

const Z999 = 3.2905;
/** How late linkd may send a frame before the report says so (issue 14's target), ms. */
export const LATENESS_TARGET_MS = 1;

function pctMetric(
  name: FidelityMetric['name'],
  chancePercent: number,
  eligible: number,
  hits: number,
  correlation = 0,
): FidelityMetric {
  const p = chancePercent / 100;
  if (eligible === 0)
    return { name, configured: chancePercent, realized: null, expected: null, status: 'n/a', unit: '%' };
  const [lo, hi] = correlatedInterval(eligible, Math.min(1, Math.max(0, p)), correlation, 0.999);
  const toPct = (k: number): number => Math.round((10000 * k) / eligible) / 100;
  return {
    name,
    configured: chancePercent,
    realized: toPct(hits),
    expected: [toPct(lo), toPct(hi)],
    status: hits >= lo && hits <= hi ? 'ok' : 'outside',
    unit: '%',
  };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]): number => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
};
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** The deviation of `delay MS JITTER distribution D` (uniform spreads evenly over ±jitter). */
function delaySd(m: DirectionModel): number {
  const d = m.delay;
  if (!d || d.jitterMs === 0) return 0;
  return d.distribution === 'uniform' ? d.jitterMs / Math.sqrt(3) : d.jitterMs;
}

function delayMetrics(m: DirectionModel, recs: PacketRecord[]): FidelityMetric[] {
  const d = m.delay;
  // Reordered frames skip the delay; a rate limiter adds its queueing to it: neither is the delay's.
  const delayed = recs.filter((r) => r.fate === 'forwarded' && !r.reordered).map((r) => r.delayMs);
  const configured = d?.ms ?? 0;
  if (delayed.length === 0 || m.rate || m.trace)
    return [
      {
        name: 'delay mean',
        configured,
        realized: delayed.length ? round3(mean(delayed)) : null,
        expected: null,
        status: 'n/a',
        unit: 'ms',
      },
    ];
  const sigma = delaySd(m);
  // Correlated delays vary their mean more: the usual (1 + ρ)/(1 − ρ) inflation of its variance.
  const rho = Math.min(0.99, (d?.correlation ?? 0) / 100);
  const half = (Z999 * sigma * Math.sqrt((1 + rho) / (1 - rho))) / Math.sqrt(delayed.length);
  // Delays below zero are sent at once (clipped), which raises the mean a little for wide jitter.
  const lo = Math.max(0, configured - half);
  const hi = configured + half + (sigma > configured / 3 ? sigma : 0) + 1e-6;
  const realizedMean = mean(delayed);
  const metrics: FidelityMetric[] = [
    {
      name: 'delay mean',
      configured,
      realized: round3(realizedMean),
      expected: [round3(lo), round3(hi)],
      status: realizedMean >= lo - 1e-6 && realizedMean <= hi ? 'ok' : 'outside',
      unit: 'ms',
    },
  ];
  if (
    sigma > 0 &&
    delayed.length > 30 &&
    d?.distribution !== 'pareto' &&
    d?.distribution !== 'paretonormal'
  ) {
    // Standard error of a sample deviation: σ·√((κ − 1)/(4n)), κ = 3 (normal) or 1.8 (uniform).
    const kurtosis = d?.distribution === 'uniform' ? 1.8 : 3;
    const se = sigma * Math.sqrt((kurtosis - 1) / (4 * delayed.length)) * Math.sqrt((1 + rho) / (1 - rho));
    const s = sd(delayed);
    const clipped = configured < 3 * sigma;
    metrics.push({
      name: 'delay sd',
      configured: round3(sigma),
      realized: round3(s),
      expected: clipped ? null : [round3(sigma - Z999 * se), round3(sigma + Z999 * se)],
      status: clipped ? 'n/a' : Math.abs(s - sigma) <= Z999 * se ? 'ok' : 'outside',
      unit: 'ms',
    });
  }
  return metrics;
}

/** One busy period's bits (after its first frame) and the time from its first departure to its last. */
interface BusyRun {
  bits: number;
  span: number;
}

/**
 * The bits that left back to back and the time they took: over each busy period (a frame that
 * arrived before the one ahead of it had left was queued), by the real departures; and each
 * period's own.
 */
function busy(
  m: DirectionModel,
  recs: PacketRecord[],
  bitsOf: (r: PacketRecord) => number,
): { sent: PacketRecord[]; bits: number; span: number; runs: BusyRun[] } {
  const sent = recs.filter((r) => r.fate === 'forwarded' && !r.reordered && r.outMs >= 0);
  const constDelay = m.delay && m.delay.jitterMs === 0 ? m.delay.ms : m.delay ? null : 0;
  let bits = 0;
  let span = 0;
  const runs: BusyRun[] = [];
  let run: BusyRun | null = null;
  if (constDelay !== null) {
    for (let i = 1; i < sent.length; i++) {
      const prev = sent[i - 1]!;
      const cur = sent[i]!;
      const prevDone = prev.t + prev.delayMs - constDelay;
      if (cur.t < prevDone - 1e-6) {
        const b = bitsOf(cur);
        const d = cur.t + cur.outMs - constDelay - (prev.t + prev.outMs - constDelay);
        bits += b;
        span += d;
        if (!run) {
          run = { bits: 0, span: 0 };
          runs.push(run);
        }
        run.bits += b;
        run.span += d;
      } else run = null;
    }
  }
  return { sent, bits, span, runs };
}

/** A trace's delivery rate realized in busy periods, against its mean capacity (judged over a whole period). */
function traceMetric(m: DirectionModel, recs: PacketRecord[]): FidelityMetric | null {
  if (!m.trace) return null;
  // Only busy periods of a whole period (and 100 ms) or more count. A trace delivers in
  // opportunities: a period's last frame leaves at an opportunity it may use only a little of, the
  // rest lost with nothing queued behind it, so a short period (a frame and the fragment that
  // spills into the next opportunity: a 1472-byte datagram through a 1450-byte MTU, sent while the
  // sender is slow to start) realizes a fraction of the rate. Over 100 ms or more that loss is
  // one opportunity's bytes at most (1% at one opportunity a millisecond).
  const least = Math.max(100, m.trace.periodMs);
  const runs = busy(m, recs, (r) => (r.len - 14) * 8).runs.filter((r) => r.span >= least);
  const bits = runs.reduce((a, r) => a + r.bits, 0);
  const span = runs.reduce((a, r) => a + r.span, 0);
  // Shorter than a period (and than 100 ms), a bursty trace's capacity is not its mean.
  return busyRate('trace rate', Math.round(traceBps(m.trace)), bits, span, span >= least);
}

/** A rate realized in busy periods against the configured one, within 5% where it can be judged. */
function busyRate(
  name: 'rate' | 'trace rate',
  configured: number,
  bits: number,
  span: number,
  judged: boolean,
): FidelityMetric {
  if (span <= 0 || bits === 0)
    return { name, configured, realized: null, expected: null, status: 'n/a', unit: 'bit/s' };
  const realized = Math.round((bits * 1000) / span);
  return {
    name,
    configured,
    realized,
    expected: judged ? [configured * 0.95, configured * 1.05] : null,
    status: judged ? (Math.abs(realized / configured - 1) <= 0.05 ? 'ok' : 'outside') : 'n/a',
    unit: 'bit/s',
  };
}

/** Bits per second that left back to back: each busy period's bits over its span (real departures). */
function rateMetric(m: DirectionModel, recs: PacketRecord[]): FidelityMetric | null {
  if (!m.rate) return null;
  const serialize = (r: PacketRecord): number => (r.len * 8 * 1000) / m.rate!.bps;
  const { sent, bits, span } = busy(m, recs, (r) => r.len * 8);
  // A busy period shorter than 100 frame times is too short to judge against linkd's lateness.
  const judged = sent.length > 0 && span > 100 * serialize(sent[0]!);
  return busyRate('rate', m.rate.bps, bits, span, judged);
}

function lateness(recs: PacketRecord[]): FidelityMetric {
  const late = recs
    .filter((r) => r.fate === 'forwarded' && r.outMs >= 0)
    .map((r) => r.outMs - r.delayMs)
    .sort((a, b) => a - b);
  const p99 = late.length ? late[Math.min(late.length - 1, Math.ceil(0.99 * late.length) - 1)]! : null;
  return {
    name: 'lateness p99',
    configured: 0,
    realized: p99 === null ? null : round3(Math.max(0, p99)),
    expected: [0, LATENESS_TARGET_MS],
    status: p99 === null ? 'n/a' : p99 <= LATENESS_TARGET_MS ? 'ok' : 'outside',
    unit: 'ms',
  };
}

export function directionFidelity(
  m: DirectionModel,
  direction: Direction,
  all: PacketRecord[],
): DirectionFidelity {
  // ARP and neighbour discovery pass unimpaired (outside an outage): they are not the model's, nor
  // are the frames an event rule decided (their fate was aimed, not drawn).
  const recs = all.filter(
    (r) => r.dir === direction && r.proto !== 'arp' && r.proto !== 'nd' && r.rule === undefined,
  );
  const count = (f: (r: PacketRecord) => boolean): number => recs.filter(f).length;
  const lost = count((r) => r.fate === 'lost');
  const queueDropped = count((r) => r.fate === 'queue-drop');
  const outage = count((r) => r.fate === 'outage');
  const judged = recs.length - outage;
  const loss = m.outage ? 0 : expectedLoss(m);
  const dup = (m.duplicate?.percent ?? 0) / 100;
  // netem's order: a duplicate is drawn first and the loss takes one copy, so a frame is lost only
  // when it was not also duplicated; the other chances apply to frames that survived the loss.
  const pLost = loss * (1 - dup);
  const lossCorrelation =
    m.loss?.model === 'gemodel'
      ? Math.max(0, 1 - m.loss.p / 100 - m.loss.r / 100)
      : (m.loss?.correlation ?? 0) / 100;
  const survivors = judged - lost;
  const metrics: FidelityMetric[] = [
    pctMetric('loss', 100 * pLost, judged, lost, lossCorrelation),
    pctMetric(
      'duplicate',
      100 * dup * (1 - loss),
      judged,
      count((r) => r.duplicated),
      (m.duplicate?.correlation ?? 0) / 100,
    ),
    pctMetric(
      'corrupt',
      m.corrupt?.percent ?? 0,
      survivors,
      count((r) => r.corrupted),
      (m.corrupt?.correlation ?? 0) / 100,
    ),
  ];
  // With a gap above 1 netem reorders by a counter, not by chance alone: no interval to judge by.
  if (!m.reorder || m.reorder.gap <= 1)
    metrics.push(
      pctMetric(
        'reorder',
        m.reorder?.percent ?? 0,
        survivors - queueDropped,
        count((r) => r.reordered),
        (m.reorder?.correlation ?? 0) / 100,
      ),
    );
  metrics.push(...delayMetrics(m, recs));
  const rate = rateMetric(m, recs);
  if (rate) metrics.push(rate);
  const traced = traceMetric(m, recs);
  if (traced) metrics.push(traced);
  metrics.push(lateness(recs));
  return {
    direction,
    model: formatDirection(m),
    frames: recs.length,
    lost,
    queueDropped,
    outage,
    metrics,
  };
}

export function fidelity(model: LinkModel, records: PacketRecord[]): Fidelity {
  const up = directionFidelity(model.up, 'up', records);
  const down = directionFidelity(model.down, 'down', records);
  const warnings: string[] = [];
  for (const d of [up, down])
    for (const m of d.metrics)
      if (m.status === 'outside')
        warnings.push(
          `${d.direction}: ${m.name} ${m.realized}${m.unit === 'bit/s' ? ' bit/s' : m.unit} is outside ${m.expected![0]}–${m.expected![1]}${m.unit === 'bit/s' ? ' bit/s' : m.unit} (configured ${m.configured}${m.unit === 'bit/s' ? ' bit/s' : m.unit})`,
        );
  return { up, down, warnings };
}

const show = (x: number | null, unit: FidelityMetric['unit']): string =>
  x === null
    ? '-'
    : unit === 'bit/s'
      ? `${(x / 1e6).toPrecision(3)} Mbit/s`
      : `${x}${unit === '%' ? '%' : ' ms'}`;

/** `loss 10% → 9.5% (6.2–14.1%)` for each metric that applies, a line per direction. */
export function formatFidelity(f: Fidelity): string {
  const line = (d: DirectionFidelity): string => {
    const parts = d.metrics
      .filter((m) => m.configured !== 0 || (m.realized ?? 0) !== 0 || m.name === 'lateness p99')
      .map((m) => {
        const range = m.expected ? ` (${show(m.expected[0], m.unit)}–${show(m.expected[1], m.unit)})` : '';
        const mark = m.status === 'outside' ? ' OUTSIDE' : '';
        return m.name === 'lateness p99'
          ? `linkd late p99 ${show(m.realized, m.unit)}${mark}`
          : `${m.name} ${show(m.configured, m.unit)} → ${show(m.realized, m.unit)}${range}${mark}`;
      });
    const drops = [
      d.queueDropped ? `${d.queueDropped} queue-dropped` : '',
      d.outage ? `${d.outage} in outages` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return `  ${d.direction.padEnd(4)} ${d.frames} frames${drops ? ` (${drops})` : ''}: ${parts.join('; ')}`;
  };
  const warn = f.warnings.map((w) => `  WARNING ${w}`);
  return ['link fidelity, configured → realized (99.9% range):', line(f.up), line(f.down), ...warn].join(
    '\n',
  );
}

/**
 * The fidelity of one client's path: its own model against its own part of the record. In a lab
 * of one client that is the whole record against the lab's model, as it always was.
 */
export function pathFidelity(model: LinkModel, client: string, records: PacketRecord[]): Fidelity {
  return fidelity(
    pathModel(model, client),
    records.filter((r) => r.client === client),
  );
}
