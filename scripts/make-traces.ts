// Writes the delivery traces shipped in lab/traces/ (Mahimahi's format: one line per delivery
// opportunity of one 1500-byte packet, its time in ms; the last time is the period). Generated from
// documented models with a seeded generator, not downloaded: `node scripts/make-traces.ts` writes
// the same files every time.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Random } from '../src/link/relay/random.ts';

const DIR = fileURLToPath(new URL('../lab/traces/', import.meta.url));

/** Poisson-distributed count with mean `mean` (Knuth's method; the means here are small). */
function poisson(mean: number, u: () => number): number {
  const l = Math.exp(-mean);
  let k = 0;
  for (let p = u(); p > l; p *= u()) k++;
  return k;
}

function write(name: string, times: number[]): void {
  writeFileSync(`${DIR}${name}.trace`, `${times.join('\n')}\n`);
  const mbit = (times.length * 1500 * 8) / (times.at(-1)! * 1000);
  console.log(
    `${name}: ${times.length} opportunities over ${times.at(-1)} ms, mean ${mbit.toFixed(2)} Mbit/s`,
  );
}

// steady-12mbit: one packet per millisecond, the whole trace the line `1` (Mahimahi's own example).
write('steady-12mbit', [1]);

// cellular-bursty: 20 s of a two-state (Gilbert-like) channel. Each 50 ms slot is good or bad; a
// good slot turns bad with probability 0.15, a bad one good with 0.35 (about 30% of the time bad).
// In a good slot each millisecond has Poisson(2.5) opportunities (30 Mbit/s), in a bad one
// Poisson(0.25) (3 Mbit/s). Seed 26.
{
  const rng = new Random(26, 'cellular-bursty');
  const u = (): number => rng.next();
  const times: number[] = [];
  let bad = false;
  for (let ms = 1; ms <= 20_000; ms++) {
    if (ms % 50 === 1 && ms > 1) bad = bad ? u() >= 0.35 : u() < 0.15;
    const k = poisson(bad ? 0.25 : 2.5, u);
    for (let i = 0; i < k; i++) times.push(ms);
  }
  if (times.at(-1) !== 20_000) times.push(20_000);
  write('cellular-bursty', times);
}

// handover-gap: 10 s at two packets per millisecond (24 Mbit/s) with a 500 ms gap from 6.0 s
// (a handover: nothing is delivered, what waits is queued or dropped at the limit).
{
  const times: number[] = [];
  for (let ms = 1; ms <= 10_000; ms++) if (ms <= 6000 || ms > 6500) times.push(ms, ms);
  write('handover-gap', times);
}
