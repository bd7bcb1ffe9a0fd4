// The relay engine in-process: real datagrams through a real LinkRelay on 127.0.0.1. Random
// outcomes are checked against stated intervals (binomial, or the normal approximation of a
// mean) at 99.9%; every run is seeded, so a failure reproduces. Time is judged by the link's own
// timestamps (its record of arrivals, decided and real departures), never by how fast this
// machine happens to be: a busy machine may deliver late, never early.
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PacketRecord } from '../../../src/link/control/packet-record.ts';
import {
  udpChecksumsValid,
  vxlanArpFrame,
  vxlanPingFrame,
  vxlanTcpFrame,
  vxlanUdpFrame,
} from '../../../src/link/relay/frame-builder.ts';
import { type Harness, startHarness as startLinkHarness } from '../../helpers/relay-harness.ts';
import {
  binomialInterval,
  correlatedInterval,
  mean,
  meanInterval,
  sd,
  sdInterval,
} from '../../helpers/stats.ts';

/** Float32 storage and µs rounding in the record: what "equal" means for its times, ms. */
const EPS = 0.002;

/** Every frame arrived no earlier than the link decided, and the relay never sent one early. */
function neverEarly(h: Harness, records: PacketRecord[]): void {
  const bySeq = new Map(records.map((r) => [r.seq, r]));
  for (const a of h.atServer) {
    const r = bySeq.get(a.seq)!;
    expect(a.at - h.sentAt.get(a.seq)!, `seq ${a.seq}`).toBeGreaterThanOrEqual(r.delayMs - EPS);
  }
  for (const r of records.filter((x) => x.fate === 'forwarded'))
    expect(r.outMs, `record ${r.n}`).toBeGreaterThanOrEqual(r.delayMs - EPS);
}

// Every behaviour holds with a thread per direction (as in a lab) and with one shared thread, on
// both data planes: the native batched one (native/batch-udp.c) and Node's dgram.
describe.each([
  ['per-direction', 'native'],
  ['shared', 'native'],
  ['per-direction', 'node'],
  ['shared', 'node'],
] as const)('relay engine, %s threads, %s data plane', (threads, plane) => {
  const startHarness = (input: Parameters<typeof startLinkHarness>[0]): Promise<Harness> =>
    startLinkHarness(input, undefined, threads, undefined, plane);

  it('forwards everything unimpaired, in order, both ways', async () => {
    await using h = await startHarness({});
    expect(h.relay.threads).toBe(threads);
    await h.sendUp(500, { perTick: 50 });
    h.server.send(vxlanUdpFrame({ payload: Buffer.from('7:reply') }), ...h.toRelay('server'));
    await h.settle();
    expect(h.atServer.map((a) => a.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(h.atClient.map((a) => a.seq)).toEqual([7]);
    const s = h.relay.stats();
    expect(s.up.total).toMatchObject({ received: 500, forwarded: 500, droppedLoss: 0 });
    expect(s.down.byProtocol.udp.forwarded).toBe(1);
    expect(s.unintendedDrops).toBe(0);
  });

  it('loses inside the 99% binomial interval of the configured loss', async () => {
    const n = 4000;
    await using h = await startHarness({ up: 'loss 20%', seed: 11 });
    await h.sendUp(n, { perTick: 50 });
    await h.settle();
    const [lo, hi] = binomialInterval(n, 0.8);
    expect(h.atServer.length).toBeGreaterThanOrEqual(lo);
    expect(h.atServer.length).toBeLessThanOrEqual(hi);
    const s = h.relay.stats();
    // Every loss is the model's: the counters account for each frame.
    expect(s.up.total.droppedLoss).toBe(n - h.atServer.length);
    expect(s.unintendedDrops).toBe(0);
  });

  it('delays with the configured mean and deviation (normal distribution)', async () => {
    const n = 400;
    await using h = await startHarness({ up: 'delay 20ms 5ms distribution normal', seed: 3 });
    await h.sendUp(n, { spacingMs: 2 });
    await h.settle();
    expect(h.atServer).toHaveLength(n);
    const { records } = h.relay.record();
    const delays = records.map((r) => r.delayMs);
    // 99.9% intervals of a sample of 400 from N(20, 5): mean ± 3.29·5/√400, sd ± 3.29·5/√(2·399).
    const [mlo, mhi] = meanInterval(20, 5, n);
    const [slo, shi] = sdInterval(5, n);
    expect(mean(delays)).toBeGreaterThanOrEqual(mlo);
    expect(mean(delays)).toBeLessThanOrEqual(mhi);
    expect(sd(delays)).toBeGreaterThanOrEqual(slo);
    expect(sd(delays)).toBeLessThanOrEqual(shi);
    neverEarly(h, records);
  });

  it('holds a constant delay exactly, never early, and keeps order', async () => {
    await using h = await startHarness({ up: 'delay 10ms', seed: 3 });
    await h.sendUp(200, { spacingMs: 1 });
    await h.settle();
    const { records } = h.relay.record();
    expect(new Set(records.map((r) => r.delayMs))).toEqual(new Set([10]));
    neverEarly(h, records);
    expect(h.atServer.map((a) => a.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('duplicates inside the binomial interval, and counts each copy', async () => {
    const n = 3000;
    await using h = await startHarness({ up: 'duplicate 10%', seed: 5 });
    await h.sendUp(n, { perTick: 50 });
    await h.settle();
    const extra = h.atServer.length - n;
    const [lo, hi] = binomialInterval(n, 0.1);
    expect(extra).toBeGreaterThanOrEqual(lo);
    expect(extra).toBeLessThanOrEqual(hi);
    expect(h.relay.stats().up.total.duplicated).toBe(extra);
    expect(new Set(h.atServer.map((a) => a.seq)).size).toBe(n);
  });

  it('reorders: that fraction leaves at once and overtakes the delayed ones', async () => {
    const n = 1000;
    await using h = await startHarness({ up: 'delay 10ms reorder 25%', seed: 9 });
    await h.sendUp(n, { spacingMs: 1 });
    await h.settle();
    const reordered = h.relay.stats().up.total.reordered;
    const [lo, hi] = binomialInterval(n, 0.25);
    expect(reordered).toBeGreaterThanOrEqual(lo);
    expect(reordered).toBeLessThanOrEqual(hi);
    // What the receiver sees: frames that arrive before one sent earlier.
    let overtakers = 0;
    let highest = -1;
    const seen: number[] = h.atServer.map((a) => a.seq);
    for (const seq of seen) {
      if (seq < highest) overtakers++;
      highest = Math.max(highest, seq);
    }
    expect(seen).toHaveLength(n);
    // The receiver sees the frames in the order the relay really sent them (its own clock; two
    // sends within the record's µs rounding may show either way round).
    const { records } = h.relay.record();
    const departed = new Map(records.map((r) => [r.seq, r.t + r.outMs]));
    let latest = Number.NEGATIVE_INFINITY;
    for (const seq of seen) {
      expect(departed.get(seq)!, `seq ${seq}`).toBeGreaterThanOrEqual(latest - EPS);
      latest = Math.max(latest, departed.get(seq)!);
    }
    expect(overtakers).toBeGreaterThan(0);
    neverEarly(h, records);
  });

  it('corrupts one bit of the IP packet: the checksums catch every corrupted frame', async () => {
    const n = 2000;
    await using h = await startHarness({ up: 'corrupt 5%', seed: 13 });
    await h.sendUp(n, { perTick: 50 });
    await h.settle();
    const bad = h.atServer.filter((a) => !udpChecksumsValid(a.frame)).length;
    const corrupted = h.relay.stats().up.total.corrupted;
    const [lo, hi] = binomialInterval(n, 0.05);
    expect(corrupted).toBeGreaterThanOrEqual(lo);
    expect(corrupted).toBeLessThanOrEqual(hi);
    expect(bad).toBe(corrupted);
  });

  it('serializes at the configured rate', async () => {
    // 1250-byte frames at 10 Mbit/s: 1 ms each.
    await using h = await startHarness({ up: 'rate 10mbit', seed: 1 });
    const frameBytes = 1250;
    await h.sendUp(200, { size: frameBytes - 14 - 20 - 8, perTick: 200 });
    await h.settle();
    expect(h.atServer).toHaveLength(200);
    // Each frame leaves 1 ms after the later of its arrival and the previous frame's departure:
    // checked on the link's own arrival times, so the machine's speed does not enter.
    const { records } = h.relay.record();
    let free = 0;
    for (const r of records) {
      free = Math.max(r.t, free) + 1;
      expect(r.t + r.delayMs, `record ${r.n}`).toBeCloseTo(free, 2);
    }
    neverEarly(h, records);
  });

  it('tail-drops beyond the queue limit', async () => {
    await using h = await startHarness({ up: 'rate 1mbit limit 10', seed: 1 });
    const size = 1000;
    await h.sendUp(100, { size, perTick: 100 });
    await h.settle();
    const s = h.relay.stats().up.total;
    // The drops a 10-frame queue at 1 Mbit/s makes of these arrivals (the link's own times).
    const serialize = ((size + 14 + 20 + 8) * 8) / 1000;
    const leaving: number[] = [];
    let free = 0;
    let expected = 0;
    // The record gives times to the µs; the link decides on exact ones. A departure within a µs of
    // an arrival may have been on either side of it: the link's fate says which.
    const us = 0.001;
    for (const r of h.relay.record().records) {
      while (leaving.length > 0 && leaving[0]! <= r.t - us) leaving.shift();
      if (leaving.length >= 10 && leaving[0]! <= r.t + us && r.fate === 'forwarded') leaving.shift();
      if (leaving.length >= 10) {
        expected++;
        expect(r.fate, `record ${r.n}`).toBe('queue-drop');
        continue;
      }
      free = Math.max(r.t, free) + serialize;
      leaving.push(free);
      expect(r.fate, `record ${r.n}`).toBe('forwarded');
    }
    expect(s.droppedQueue).toBe(expected);
    expect(expected).toBeGreaterThan(0);
    expect(h.atServer.length).toBe(100 - s.droppedQueue);
    expect(h.atServer.map((a) => a.seq).slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
  });

  it('Gilbert–Elliott loses in bursts at the stationary rate', async () => {
    // p = 2%, r = 20%: bad p/(p+r) ≈ 9% of the time, bursts of 1/r = 5 frames on average, all lost.
    const n = 6000;
    await using h = await startHarness({ up: 'loss gemodel 2% 20% 100% 0%', seed: 21 });
    await h.sendUp(n, { perTick: 50 });
    await h.settle();
    const got = new Set(h.atServer.map((a) => a.seq));
    const bursts: number[] = [];
    let run = 0;
    for (let i = 0; i < n; i++) {
      if (!got.has(i)) run++;
      else if (run > 0) {
        bursts.push(run);
        run = 0;
      }
    }
    // Stationary loss p/(p+r) = 9.1%, in the interval widened for the chain's memory (1 − p − r).
    const [lo, hi] = correlatedInterval(n, 0.02 / 0.22, 1 - 0.02 - 0.2, 0.999);
    expect(n - got.size).toBeGreaterThanOrEqual(lo);
    expect(n - got.size).toBeLessThanOrEqual(hi);
    // Bursts are geometric with mean 1/r = 5 and sd √(1−r)/r = 4.47: 99.9% interval of their mean.
    const [blo, bhi] = meanInterval(5, Math.sqrt(0.8) / 0.2, bursts.length);
    expect(mean(bursts)).toBeGreaterThanOrEqual(blo);
    expect(mean(bursts)).toBeLessThanOrEqual(bhi);
  });

  it('lets ARP through unimpaired even at 100% loss', async () => {
    await using h = await startHarness({ impair: 'loss 100%' });
    for (let i = 0; i < 5; i++) h.client.send(vxlanArpFrame(), ...h.toRelay('client'));
    await h.sendUp(5);
    await h.settle();
    expect(h.atServer).toHaveLength(5);
    expect(h.relay.stats().up.byProtocol.arp).toMatchObject({ received: 5, forwarded: 5 });
    expect(h.relay.stats().up.byProtocol.udp.droppedLoss).toBe(5);
  });

  it('drops and counts datagrams from strangers and datagrams that are not VXLAN, and keeps going', async () => {
    await using h = await startHarness({});
    const stranger = createSocket('udp4');
    await new Promise<void>((r) => stranger.bind(0, '127.0.0.1', r));
    h.sentElsewhere(3);
    for (let i = 0; i < 3; i++)
      stranger.send(vxlanUdpFrame({ payload: Buffer.from('0:x') }), ...h.toRelay('client'));
    for (const junk of [
      Buffer.alloc(0),
      Buffer.from('hello'),
      Buffer.alloc(30),
      Buffer.alloc(2000, 0xff).fill(0, 0, 1),
    ]) {
      h.client.send(junk, ...h.toRelay('client'));
    }
    // A VXLAN header whose inner IPv4 header lies about its length.
    const liar = vxlanUdpFrame({ payload: Buffer.from('1:x') });
    liar.writeUInt16BE(60000, 22 + 2);
    h.client.send(liar, ...h.toRelay('client'));
    await h.sendUp(3);
    await h.settle();
    stranger.close();
    const s = h.relay.stats();
    expect(s.foreign).toBe(3);
    expect(s.malformed).toBe(4);
    expect(h.atServer.map((a) => a.seq)).toContain(2);
    expect(s.up.byProtocol.other.received).toBe(1);
  });

  it('gives the same fates for the same seed and packets, and other fates for another seed', async () => {
    const fates = async (seed: number): Promise<string> => {
      await using h = await startHarness({ up: 'loss 30% duplicate 10% corrupt 5%', seed });
      await h.sendUp(500, { perTick: 50 });
      await h.settle();
      return h.relay
        .record()
        .records.map((r) => `${r.seq}:${r.fate}:${r.duplicated}:${r.corrupted}`)
        .join(',');
    };
    const a = await fates(7);
    expect(await fates(7)).toBe(a);
    expect(await fates(8)).not.toBe(a);
  });

  it('gives a flow the same fates for the same seed, whatever other traffic crosses the link', async () => {
    const model = 'loss 30% 50% duplicate 10% corrupt 5% delay 5ms 2ms';
    const fates = async (others: boolean): Promise<string[]> => {
      await using h = await startHarness({ up: model, seed: 42 });
      const to = h.toRelay('client');
      for (let seq = 0; seq < 300; seq++) {
        if (others && seq % 3 === 0) {
          // Another UDP port, a TCP connection, a ping, ARP: each a flow or stream of its own.
          h.client.send(vxlanUdpFrame({ payload: Buffer.from(`${seq}:other`), dport: 53 }), ...to);
          h.client.send(vxlanTcpFrame({ sport: 40000 + seq, payload: Buffer.from('x') }), ...to);
          h.client.send(vxlanPingFrame(seq), ...to);
          h.client.send(vxlanArpFrame(), ...to);
        }
        // The flow's client port changes on every frame: it is ephemeral, not part of the flow.
        h.client.send(vxlanUdpFrame({ payload: Buffer.from(`${seq}:probe`), sport: 50000 + seq }), ...to);
        if (seq % 50 === 49) await new Promise((r) => setImmediate(r));
      }
      await h.settle();
      return h.relay
        .record()
        .records.filter((r) => r.proto === 'udp' && r.dport === 12000)
        .map((r) => `${r.seq}:${r.fate}:${r.duplicated}:${r.corrupted}:${r.delayMs}`);
    };
    const alone = await fates(false);
    expect(alone).toHaveLength(300);
    expect(await fates(true)).toEqual(alone);
  });

  it('keeps netem’s correlation within a flow while other flows interleave', async () => {
    // loss 50% 90%: each uniform leans 90% on the one before, so losses come in long runs.
    await using h = await startHarness({ up: 'loss 50% 90%', seed: 8 });
    const to = h.toRelay('client');
    const n = 4000;
    for (let seq = 0; seq < n; seq++) {
      h.client.send(vxlanUdpFrame({ payload: Buffer.from(`${seq}:x`) }), ...to);
      h.client.send(vxlanUdpFrame({ payload: Buffer.from(`${seq}:y`), dport: 9999 }), ...to);
      if (seq % 50 === 49) await new Promise((r) => setImmediate(r));
    }
    await h.settle();
    const lost = h.relay
      .record()
      .records.filter((r) => r.dport === 12000)
      .map((r) => (r.fate === 'lost' ? 1 : 0));
    let same = 0;
    for (let i = 1; i < lost.length; i++) if (lost[i] === lost[i - 1]) same++;
    // Independent frames agree with their predecessor half the time: 99.9% binomial interval of
    // n − 1 such pairs; correlated ones far more often, above it.
    const [, hi] = binomialInterval(n - 1, 0.5, 0.999);
    expect(same).toBeGreaterThan(hi);
  });

  it('records each frame: direction, ports, fingerprint, probe sequence number and fate', async () => {
    await using h = await startHarness({ up: 'loss 50%', seed: 4 });
    await h.sendUp(200, { perTick: 50 });
    await h.settle();
    const { records, last } = h.relay.record();
    expect(last).toBe(200);
    const lost = records.filter((r) => r.fate === 'lost').map((r) => r.seq);
    const arrived = new Set(h.atServer.map((a) => a.seq));
    expect(lost.every((s) => !arrived.has(s))).toBe(true);
    expect(records.filter((r) => r.fate === 'forwarded').every((r) => arrived.has(r.seq))).toBe(true);
    expect(records[0]).toMatchObject({
      dir: 'up',
      proto: 'udp',
      sport: 40000,
      dport: 12000,
      src: '198.19.0.1',
    });
    expect(records[0]!.fp).toMatch(/^[0-9a-f]{8}$/);
    expect(h.relay.record(150).records[0]!.n).toBe(151);
  });

  it('captures the inner frames as pcapng with the dropped ones marked', async () => {
    await using h = await startHarness({ up: 'loss 50%', seed: 4 });
    const path = join(tmpdir(), `socklab-capture-${process.pid}.pcap`);
    await h.relay.startCapture(path);
    await h.sendUp(100, { perTick: 20 });
    await h.settle();
    const cap = await h.relay.stopCapture();
    expect(cap?.frames).toBe(100);
    const file = readFileSync(path);
    expect(file.readUInt32LE(0)).toBe(0x0a0d0d0a);
    expect(file.readUInt32LE(8)).toBe(0x1a2b3c4d);
    const text = file.toString('latin1');
    const dropped = text.split('up DROPPED (loss)').length - 1;
    expect(dropped).toBe(h.relay.stats().up.total.droppedLoss);
    expect(text.split('up forwarded').length - 1).toBe(100 - dropped);
  });

  it('changes the model at run time', async () => {
    await using h = await startHarness({});
    await h.sendUp(100, { perTick: 50 });
    await h.settle();
    expect(h.atServer).toHaveLength(100);
    await h.relay.setModel({
      up: { loss: { model: 'random', percent: 100, correlation: 0 } },
      down: {},
      seed: 1,
    });
    await h.sendUp(100, { perTick: 50 });
    await h.settle();
    expect(h.atServer).toHaveLength(100);
  });
});
