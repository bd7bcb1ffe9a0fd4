// Values in netem's own notation: times with units (40ms, 1.5s, 500us), percentages (10% or 10),
// rates in tc's units (bit/kbit/mbit/gbit are bits per second, bps/kbps/mbps bytes per second).

const TIME_UNITS: Record<string, number> = {
  s: 1000,
  sec: 1000,
  secs: 1000,
  ms: 1,
  msec: 1,
  msecs: 1,
  us: 0.001,
  usec: 0.001,
  usecs: 0.001,
};

const RATE_UNITS: Record<string, number> = {
  bit: 1,
  kbit: 1e3,
  mbit: 1e6,
  gbit: 1e9,
  tbit: 1e12,
  kibit: 1024,
  mibit: 1024 ** 2,
  gibit: 1024 ** 3,
  bps: 8,
  kbps: 8e3,
  mbps: 8e6,
  gbps: 8e9,
};

const NUMBER = /^(\d+(?:\.\d+)?|\.\d+)([a-z%]*)$/i;

/** Milliseconds from `40ms`; null when the word is not a time. A bare number is refused: tc would read it as µs. */
export function parseTime(word: string): { ms: number } | { error: string } {
  const m = NUMBER.exec(word);
  if (!m) return { error: `'${word}' is not a time` };
  const unit = m[2]!.toLowerCase();
  if (unit === '')
    return {
      error: `'${word}' needs a unit (tc reads a bare number as microseconds): write ${word}ms or ${word}us`,
    };
  const scale = TIME_UNITS[unit];
  if (scale === undefined) return { error: `'${word}' has an unknown time unit '${unit}' (use s, ms or us)` };
  return { ms: Number(m[1]) * scale };
}

export function parsePercent(word: string): { percent: number } | { error: string } {
  const m = NUMBER.exec(word);
  if (!m || (m[2] !== '' && m[2] !== '%')) return { error: `'${word}' is not a percentage` };
  return { percent: Number(m[1]) };
}

export function parseRate(word: string): { bps: number } | { error: string } {
  const m = NUMBER.exec(word);
  if (!m) return { error: `'${word}' is not a rate` };
  const unit = m[2]!.toLowerCase();
  if (unit === '') return { error: `'${word}' needs a unit: write ${word}kbit or ${word}mbit` };
  const scale = RATE_UNITS[unit];
  if (scale === undefined)
    return {
      error: `'${word}' has an unknown rate unit '${unit}' (use bit, kbit, mbit, gbit, or bps, kbps, mbps for bytes)`,
    };
  return { bps: Number(m[1]) * scale };
}

export function isNumberWord(word: string | undefined): boolean {
  return word !== undefined && NUMBER.test(word);
}

export function formatTime(ms: number): string {
  if (ms !== 0 && ms < 1) return `${+(ms * 1000).toFixed(3)}us`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${+ms.toFixed(6)}ms`;
}

export function formatPercent(p: number): string {
  return `${+p.toFixed(6)}%`;
}

export function formatRate(bps: number): string {
  for (const [unit, scale] of [
    ['gbit', 1e9],
    ['mbit', 1e6],
    ['kbit', 1e3],
  ] as const) {
    if (bps >= scale && Number.isInteger(+(bps / scale).toFixed(6)))
      return `${+(bps / scale).toFixed(6)}${unit}`;
  }
  return `${Math.round(bps)}bit`;
}
