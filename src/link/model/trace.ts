// Delivery traces in Mahimahi's format: one line per delivery opportunity, the time in whole
// milliseconds from the trace's start; several lines with one time are several opportunities in
// that millisecond; the trace loops, its period being its last time. Each opportunity carries one
// 1500-byte IP packet (or 1500 bytes of smaller ones). A file of the single line `1` is a link of
// one packet per millisecond: 12 Mbit/s.
import { existsSync, readFileSync } from 'node:fs';
import { labDir, namesIn } from '../../common/data-files.ts';

export const TRACE_DIR = labDir('traces');
/** Bytes of IP packet one opportunity carries (Mahimahi's MTU). */
export const OPPORTUNITY_BYTES = 1500;

export interface TraceSpec {
  /** As the user named it: a trace of lab/traces/ or a file's path. */
  name: string;
  /** Each opportunity's time (ms from the trace's start), in order. */
  times: number[];
  /** When the trace starts again: its last time. */
  periodMs: number;
}

/** The trace's mean capacity, bits per second. */
export const traceBps = (t: TraceSpec): number =>
  (t.times.length * OPPORTUNITY_BYTES * 8 * 1000) / t.periodMs;

/** Parses a trace's text; every problem has its line number, the rule and a fix. */
export function parseTrace(name: string, text: string): TraceSpec | { problems: string[] } {
  const problems: string[] = [];
  const times: number[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const at = `trace ${name}, line ${i + 1}`;
    if (!/^\d+$/.test(line)) {
      problems.push(
        `${at}: '${line.slice(0, 40)}' is not a whole number of milliseconds; each line is one delivery opportunity's time, e.g. 12`,
      );
      continue;
    }
    const t = Number(line);
    if (times.length > 0 && t < times.at(-1)!) {
      problems.push(
        `${at}: ${t} comes after ${times.at(-1)}; the times must not decrease (sort the file: sort -n)`,
      );
      continue;
    }
    times.push(t);
    if (problems.length >= 5) break;
  }
  if (problems.length === 0 && (times.length === 0 || times.at(-1)! <= 0))
    problems.push(
      `trace ${name} has no delivery opportunity after 0 ms; a trace needs at least one line above 0, e.g. the single line 1 (12 Mbit/s)`,
    );
  if (problems.length > 0) return { problems };
  return { name, times, periodMs: times.at(-1)! };
}

/** The traces shipped in lab/traces/ (NAME.trace). */
export const traceNames = (): string[] => namesIn(TRACE_DIR, '.trace');

/** A trace by name (lab/traces/NAME.trace) or by path. */
export function loadTrace(name: string): TraceSpec | { problems: string[] } {
  const shipped = `${TRACE_DIR}${name}.trace`;
  const path = !name.includes('/') && existsSync(shipped) ? shipped : name;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return {
      problems: [
        `trace '${name}' cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): name one of lab/traces (${traceNames().join(', ')}) or a file in Mahimahi's format`,
      ],
    };
  }
  return parseTrace(name, text);
}
