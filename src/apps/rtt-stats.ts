export interface RttSummary {
  min: number;
  avg: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Mean deviation as ping computes it: sqrt(E[x²] − E[x]²). */
  mdev: number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Summary of round-trip times in milliseconds; null when nothing came back. */
export function summarizeRtt(samples: number[]): RttSummary | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const sum = sorted.reduce((s, x) => s + x, 0);
  const sumSq = sorted.reduce((s, x) => s + x * x, 0);
  const avg = sum / n;
  return {
    min: round3(sorted[0]!),
    avg: round3(avg),
    p50: round3(percentile(sorted, 50)),
    p90: round3(percentile(sorted, 90)),
    p99: round3(percentile(sorted, 99)),
    max: round3(sorted[n - 1]!),
    mdev: round3(Math.sqrt(Math.max(0, sumSq / n - avg * avg))),
  };
}

export function formatRttLine(rtt: RttSummary | null): string {
  if (!rtt) return 'rtt: no replies';
  const { min, avg, p50, p90, p99, max, mdev } = rtt;
  return `rtt min/avg/p50/p90/p99/max/mdev = ${[min, avg, p50, p90, p99, max, mdev].map((x) => x.toFixed(3)).join('/')} ms`;
}
