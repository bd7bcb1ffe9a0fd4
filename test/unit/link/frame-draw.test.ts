// A socklab probe's fate follows from its seq, not from the order the network brought it in; the
// other frames, and anything correlated, keep the flow's arrival order.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { binomialInterval } from '../../../src/experiments/binomial.ts';
import { parseDirection } from '../../../src/link/model/impairment-text.ts';
import { DirectionShaper } from '../../../src/link/relay/direction-shaper.ts';
import { vxlanUdpFrame } from '../../../src/link/relay/frame-builder.ts';
import { ProbeCopies } from '../../../src/link/relay/frame-draw.ts';
import { Random } from '../../../src/link/relay/random.ts';
import { parseVxlan } from '../../../src/link/relay/vxlan-frame.ts';

const SEED = Number(process.env.SOCKLAB_SEED ?? 20261125);
const probe = (seq: number) => vxlanUdpFrame({ payload: Buffer.from(`${seq}:how are you`), dport: 12000 });
const other = vxlanUdpFrame({ payload: Buffer.from('Ping'), dport: 12000 });

/** What the shaper does to each frame, in words (with a hash of what it sends). */
function fate(s: DirectionShaper, frame: Buffer, now: number): string {
  const d = s.decide(frame, parseVxlan(frame), now);
  const copies = d.copies.map(
    (c) => `${(c.at - now).toFixed(9)}:${c.reordered}:${createHash('sha1').update(c.data).digest('hex')}`,
  );
  return `${d.fate} ${d.corrupted} ${copies.join(' ')}`;
}

function shuffled<T>(xs: T[], seed: number): T[] {
  const r = new Random(seed, 'shuffle');
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('a probe meets the fate of its seq', () => {
  console.log(`frame-draw tests: seed ${SEED}`);
  const model = parseDirection('loss 20% duplicate 10% corrupt 5% reorder 10% delay 10ms 5ms');

  it('whatever order the probes arrive in, each copy of each seq meets the same fate', () => {
    // Each seq twice (as when the link or a client duplicates it): copy 0 and copy 1.
    const seqs = Array.from({ length: 400 }, (_, i) => i % 200);
    const fates = (order: number[]): Map<string, string> => {
      const s = new DirectionShaper(model, SEED, 'up');
      const seen = new Map<number, number>();
      const out = new Map<string, string>();
      for (const seq of order) {
        const copy = seen.get(seq) ?? 0;
        seen.set(seq, copy + 1);
        out.set(`${seq}/${copy}`, fate(s, probe(seq), 1000));
      }
      return out;
    };
    const inOrder = fates(seqs);
    const other1 = fates(shuffled(seqs, SEED));
    const other2 = fates(shuffled(seqs, SEED + 1));
    expect(new Map([...other1].sort())).toEqual(new Map([...inOrder].sort()));
    expect(new Map([...other2].sort())).toEqual(new Map([...inOrder].sort()));
    // Not one fate for all: the model's every outcome shows up.
    const words = [...inOrder.values()].join('\n');
    for (const w of ['lost', 'forwarded', ' true ', ':true:']) expect(words).toContain(w);
    // Another seed, other fates.
    const s2 = new DirectionShaper(model, SEED + 7, 'up');
    expect(seqs.slice(0, 200).map((q) => fate(s2, probe(q), 1000))).not.toEqual(
      seqs.slice(0, 200).map((q) => inOrder.get(`${q}/0`)),
    );
  });

  it('drawn by seq, chances keep their rates (99.9% binomial intervals), and copies are independent', () => {
    const n = 4000;
    const s = new DirectionShaper(parseDirection('loss 20% duplicate 10%'), SEED, 'up');
    let lost = 0;
    let duplicated = 0;
    let bothLost = 0;
    for (let seq = 0; seq < n; seq++) {
      const a = s.decide(probe(seq), parseVxlan(probe(seq)), 0);
      const b = s.decide(probe(seq), parseVxlan(probe(seq)), 0);
      if (a.fate === 'lost') lost++;
      if (a.duplicated) duplicated++;
      if (a.fate === 'lost' && b.fate === 'lost') bothLost++;
    }
    // Lost: the loss and no duplicate to stand in for it (0.2 × 0.9).
    const inside = (x: number, p: number, trials: number): void => {
      const [lo, hi] = binomialInterval(trials, p, 0.999);
      expect(x).toBeGreaterThanOrEqual(lo);
      expect(x).toBeLessThanOrEqual(hi);
    };
    inside(lost, 0.18, n);
    // Duplicated: a duplicate and no loss to take one of the two (0.1 × 0.8).
    inside(duplicated, 0.08, n);
    inside(bothLost, 0.18 * 0.18, n);
  });

  it("the link's duplicate of a probe is sent at once or delayed apart from the probe it copies", () => {
    const n = 2000;
    const s = new DirectionShaper(parseDirection('delay 10ms reorder 50% duplicate 100%'), SEED, 'up');
    let both = 0;
    for (let seq = 0; seq < n; seq++) {
      const d = s.decide(probe(seq), parseVxlan(probe(seq)), 0);
      if (d.copies.length === 2 && d.copies[0]!.reordered && d.copies[1]!.reordered) both++;
    }
    const [lo, hi] = binomialInterval(n, 0.25, 0.999);
    expect(both).toBeGreaterThanOrEqual(lo);
    expect(both).toBeLessThanOrEqual(hi);
  });

  it('jitter drawn by seq has the mean and spread of its distribution', () => {
    const n = 4000;
    const s = new DirectionShaper(parseDirection('delay 10ms 5ms'), SEED, 'up');
    const delays = Array.from(
      { length: n },
      (_, seq) => s.decide(probe(seq), parseVxlan(probe(seq)), 0).delayMs,
    );
    const mean = delays.reduce((a, b) => a + b, 0) / n;
    // Uniform on [5, 15] ms: sd 2.89 ms; the mean of 4000 within 4 of its standard errors.
    expect(Math.abs(mean - 10)).toBeLessThan((4 * 2.89) / Math.sqrt(n));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...delays)).toBeLessThanOrEqual(15);
  });
});

describe('the rest keeps the order of the flow', () => {
  it('frames that are not probes meet the same fates whether or not probes cross their flow', () => {
    const model = parseDirection('loss 30% duplicate 10% delay 10ms 5ms');
    const alone = new DirectionShaper(model, SEED, 'up');
    const mixed = new DirectionShaper(model, SEED, 'up');
    const a: string[] = [];
    const b: string[] = [];
    for (let i = 0; i < 300; i++) {
      a.push(fate(alone, other, 0));
      fate(mixed, probe(i), 0);
      b.push(fate(mixed, other, 0));
    }
    expect(b).toEqual(a);
    expect(a.filter((f) => f.startsWith('lost')).length).toBeGreaterThan(0);
  });

  it('a correlated loss goes by arrival order, probes too (it leans on the frame before)', () => {
    const model = parseDirection('loss 30% 60%');
    const byArrival = (order: number[]): boolean[] => {
      const s = new DirectionShaper(model, SEED, 'up');
      return order.map((seq) => s.decide(probe(seq), parseVxlan(probe(seq)), 0).fate === 'lost');
    };
    const seqs = Array.from({ length: 300 }, (_, i) => i);
    const lost = byArrival(seqs);
    expect(byArrival(shuffled(seqs, SEED))).toEqual(lost);
    expect(lost.filter(Boolean).length).toBeGreaterThan(0);
    // ... and a non-probe flow in the same order meets the very same losses.
    const s = new DirectionShaper(model, SEED, 'up');
    expect(seqs.map(() => s.decide(other, parseVxlan(other), 0).fate === 'lost')).toEqual(lost);
  });

  it('a reorder with a gap goes by arrival order (whether a frame may go at once depends on those before)', () => {
    const model = parseDirection('delay 10ms reorder 30% gap 3');
    const byArrival = (order: number[]): boolean[] => {
      const s = new DirectionShaper(model, SEED, 'up');
      return order.map((seq) => s.decide(probe(seq), parseVxlan(probe(seq)), 0).reordered);
    };
    const seqs = Array.from({ length: 300 }, (_, i) => i);
    expect(byArrival(shuffled(seqs, SEED))).toEqual(byArrival(seqs));
  });
});

describe('ProbeCopies', () => {
  it('counts the copies of each seq, and forgets only seqs two generations old', () => {
    const c = new ProbeCopies(2);
    expect([c.take(5), c.take(5), c.take(6)]).toEqual([0, 1, 0]);
    // 7 starts a new generation; 5 and 6 are still known from the one before.
    expect([c.take(7), c.take(5), c.take(6)]).toEqual([0, 2, 1]);
    // 8 and 9 push 5 and 6 two generations back: forgotten.
    c.take(8);
    c.take(9);
    c.take(10);
    expect(c.take(5)).toBe(0);
  });
});
