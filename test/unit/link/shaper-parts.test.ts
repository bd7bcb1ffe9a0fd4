import { describe, expect, it, vi } from 'vitest';
import { nextModel } from '../../../src/link/control/control-server.ts';
import { buildLinkModel, parseDirection } from '../../../src/link/model/impairment-text.ts';
import { DirectionShaper } from '../../../src/link/relay/direction-shaper.ts';
import { vxlanUdpFrame } from '../../../src/link/relay/frame-builder.ts';
import {
  CorrelatedRandom,
  distributionValue,
  normalQuantile,
  Random,
} from '../../../src/link/relay/random.ts';
import { PacketRecordRing } from '../../../src/link/relay/record-ring.ts';
import { TimerQueue } from '../../../src/link/relay/timer-queue.ts';
import { fingerprint, parseVxlan, probeSeq } from '../../../src/link/relay/vxlan-frame.ts';
import { mean, sd } from '../../helpers/stats.ts';

describe('seeded randomness', () => {
  it('repeats for a seed and stream, and differs across them', () => {
    const seq = (seed: number, stream: string): number[] => {
      const r = new Random(seed, stream);
      return Array.from({ length: 5 }, () => r.next());
    };
    expect(seq(1, 'up/loss')).toEqual(seq(1, 'up/loss'));
    expect(seq(1, 'up/loss')).not.toEqual(seq(2, 'up/loss'));
    expect(seq(1, 'up/loss')).not.toEqual(seq(1, 'down/loss'));
    const r = new Random(3);
    const xs = Array.from({ length: 20000 }, () => r.next());
    expect(mean(xs)).toBeCloseTo(0.5, 1);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it('correlation makes successive values alike, as netem’s does', () => {
    const lag1 = (corr: number): number => {
      const c = new CorrelatedRandom(new Random(5), corr);
      const xs = Array.from({ length: 20000 }, () => c.next());
      const m = mean(xs);
      let num = 0;
      let den = 0;
      for (let i = 1; i < xs.length; i++) num += (xs[i]! - m) * (xs[i - 1]! - m);
      for (const x of xs) den += (x - m) ** 2;
      return num / den;
    };
    expect(Math.abs(lag1(0))).toBeLessThan(0.05);
    expect(lag1(75)).toBeGreaterThan(0.6);
  });

  it('distributions have zero mean and the intended spread', () => {
    const r = new Random(9);
    for (const d of ['normal', 'pareto', 'paretonormal'] as const) {
      const xs = Array.from({ length: 50000 }, () => distributionValue(d, r.next()));
      expect(Math.abs(mean(xs)), d).toBeLessThan(0.05);
      expect(sd(xs), d).toBeGreaterThan(0.85);
      expect(sd(xs), d).toBeLessThan(1.15);
    }
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
  });
});

describe('DirectionShaper', () => {
  const frame = vxlanUdpFrame({ payload: Buffer.from('1:hello') });
  const info = parseVxlan(frame);

  it('decides the same fates for the same seed and packet sequence', () => {
    const fates = (seed: number): string[] => {
      const s = new DirectionShaper(parseDirection('loss 30% duplicate 10% delay 10ms 5ms'), seed, 'up');
      return Array.from({ length: 200 }, (_, i) => {
        const d = s.decide(frame, info, i);
        return `${d.fate}/${d.copies.length}/${d.copies[0]?.at.toFixed(6)}`;
      });
    };
    expect(fates(1)).toEqual(fates(1));
    expect(fates(1)).not.toEqual(fates(2));
  });

  it('does not change which packets are lost when the delay changes', () => {
    const lost = (spec: string): boolean[] => {
      const s = new DirectionShaper(parseDirection(spec), 4, 'up');
      return Array.from({ length: 300 }, (_, i) => s.decide(frame, info, i).fate === 'lost');
    };
    expect(lost('loss 20%')).toEqual(lost('loss 20% delay 30ms 10ms'));
  });

  it('serializes back-to-back frames one after another at the rate, and tail-drops past the limit', () => {
    const s = new DirectionShaper(parseDirection('rate 1mbit limit 3'), 1, 'up');
    const bits = (frame.length - 8) * 8;
    const ats = Array.from({ length: 5 }, () => s.decide(frame, info, 0));
    ats.slice(0, 3).forEach((d, k) => {
      expect(d.copies[0]!.at).toBeCloseTo(((k + 1) * bits * 1000) / 1e6, 9);
    });
    expect(ats.slice(3).map((d) => d.fate)).toEqual(['queue-drop', 'queue-drop']);
    expect(s.queued(1000)).toBe(0);
  });
});

describe('frames', () => {
  it('parses the inner UDP packet, its probe sequence number and fingerprint', () => {
    const f = vxlanUdpFrame({ payload: Buffer.from('123:abc'), sport: 5555, dport: 12000, vni: 7 });
    const i = parseVxlan(f)!;
    expect(i).toMatchObject({
      vni: 7,
      proto: 'udp',
      src: 0xc6130001,
      dst: 0xc6130002,
      sport: 5555,
      dport: 12000,
      payloadLength: 7,
    });
    expect(probeSeq(f, i)).toBe(123);
    expect(fingerprint(f, i)).toBe(
      fingerprint(vxlanUdpFrame({ payload: Buffer.from('123:abc'), sport: 1 }), i),
    );
    expect(parseVxlan(Buffer.from('not vxlan at all, really'))).toBeNull();
  });
});

describe('TimerQueue', () => {
  it('fires in deadline order, FIFO among equal deadlines, never before the deadline', async () => {
    const fired: { item: string; late: number }[] = [];
    const q = new TimerQueue<string>((item, at) => fired.push({ item, late: performance.now() - at }));
    const now = performance.now();
    q.add(now + 30, 'c');
    q.add(now + 10, 'a1');
    q.add(now + 10, 'a2');
    q.add(now + 20, 'b');
    // How late it fires depends on the machine's load (bench:link measures it); early it never is.
    await vi.waitUntil(() => fired.length === 4, { timeout: 10_000 });
    expect(fired.map((f) => f.item)).toEqual(['a1', 'a2', 'b', 'c']);
    expect(Math.min(...fired.map((f) => f.late))).toBeGreaterThanOrEqual(0);
    q.close();
  });
});

describe('packet record ring', () => {
  it('keeps the newest, numbers them for reading what is new, and says how many were overwritten', () => {
    const ring = new PacketRecordRing(3);
    for (let i = 0; i < 5; i++) ring.add({ seq: i } as never);
    expect(ring.read().map((r) => r.seq)).toEqual([2, 3, 4]);
    expect(ring.read(4).map((r) => r.n)).toEqual([5]);
    expect(ring.overwritten).toBe(2);
  });
});

describe('control: set', () => {
  it('with a client sets that client’s path; without, every path, clients’ own included', () => {
    const clients = ['client', 'client2', 'client3'];
    const current = buildLinkModel({ impair: 'delay 10ms', seed: 3 });
    const two = nextModel(
      current,
      { cmd: 'set', client: 'client2', up: parseDirection('loss 30%') },
      clients,
    );
    expect(two.up).toEqual(current.up);
    // What a client names replaces that direction of its path: the lab's delay is not under it.
    expect(two.paths).toEqual({
      client2: { up: { loss: { model: 'random', percent: 30, correlation: 0 } } },
    });
    // Every path's down: client2's own up stays.
    const down = nextModel(two, { cmd: 'set', down: parseDirection('loss 1%') }, clients);
    expect(down.paths?.client2?.up?.loss).toMatchObject({ percent: 30 });
    // Every path's up: client2's own up goes.
    const up = nextModel(two, { cmd: 'set', up: parseDirection('delay 5ms') }, clients);
    expect(up.paths).toBeUndefined();
    expect(() => nextModel(current, { cmd: 'set', client: 'client4', impair: {} }, clients)).toThrow(
      /this lab has no client 'client4': its clients are client, client2, client3; .*socklab up --clients N/,
    );
  });

  it('replaces what it names and keeps the rest', () => {
    const current = buildLinkModel({ up: 'delay 10ms', down: 'loss 5%', seed: 3 });
    expect(nextModel(current, { cmd: 'set', up: parseDirection('loss 1%') })).toEqual({
      up: parseDirection('loss 1%'),
      down: current.down,
      seed: 3,
    });
    expect(nextModel(current, { cmd: 'set', impair: {} })).toEqual({ up: {}, down: {}, seed: 3 });
    expect(
      nextModel(current, {
        cmd: 'set',
        impair: parseDirection('delay 1ms'),
        down: parseDirection('loss 2%'),
        seed: 9,
      }),
    ).toMatchObject({
      up: { delay: { ms: 1 } },
      down: { delay: { ms: 1 }, loss: { percent: 2 } },
      seed: 9,
    });
  });
});
