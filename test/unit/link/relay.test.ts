// The relay engine in-process: real datagrams through a real LinkRelay on 127.0.0.1. Random
// outcomes are checked against binomial intervals; every run is seeded, so a failure reproduces.
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { udpChecksumsValid, vxlanArpFrame, vxlanUdpFrame } from '../../../src/link/frame-builder.ts';
import { startHarness } from '../../helpers/relay-harness.ts';
import { binomialInterval, mean, sd } from '../../helpers/stats.ts';

describe('relay engine', () => {
  it('forwards everything unimpaired, in order, both ways', async () => {
    await using h = await startHarness({});
    await h.sendUp(500, { perTick: 50 });
    h.server.send(vxlanUdpFrame({ payload: Buffer.from('7:reply') }), h.relay.address.port, '127.0.0.1');
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
    await using h = await startHarness({ up: 'delay 20ms 5ms distribution normal', seed: 3 });
    await h.sendUp(400, { spacingMs: 2 });
    await h.settle(200);
    const delays = h.atServer.map((a) => a.at - h.sentAt.get(a.seq)!);
    expect(delays).toHaveLength(400);
    expect(mean(delays)).toBeGreaterThan(19.3);
    expect(mean(delays)).toBeLessThan(20.9);
    expect(sd(delays)).toBeGreaterThan(4.2);
    expect(sd(delays)).toBeLessThan(5.8);
  });

  it('holds a constant delay precisely and keeps order', async () => {
    await using h = await startHarness({ up: 'delay 10ms', seed: 3 });
    await h.sendUp(200, { spacingMs: 1 });
    await h.settle();
    const delays = h.atServer.map((a) => a.at - h.sentAt.get(a.seq)!);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(9.9);
    expect(mean(delays)).toBeLessThan(11);
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
    expect(overtakers).toBeGreaterThan(0.5 * reordered);
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
    const span = h.atServer.at(-1)!.at - h.atServer[0]!.at;
    expect(span).toBeGreaterThan(199 * 0.95);
    expect(span).toBeLessThan(199 * 1.15);
  });

  it('tail-drops beyond the queue limit', async () => {
    await using h = await startHarness({ up: 'rate 1mbit limit 10', seed: 1 });
    await h.sendUp(100, { size: 1000, perTick: 100 });
    await h.settle(300);
    const s = h.relay.stats().up.total;
    expect(s.droppedQueue).toBeGreaterThanOrEqual(80);
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
    const lossRate = (n - got.size) / n;
    expect(lossRate).toBeGreaterThan((0.02 / 0.22) * 0.6);
    expect(lossRate).toBeLessThan((0.02 / 0.22) * 1.4);
    expect(mean(bursts)).toBeGreaterThan(3.5);
    expect(mean(bursts)).toBeLessThan(7);
  });

  it('lets ARP through unimpaired even at 100% loss', async () => {
    await using h = await startHarness({ impair: 'loss 100%' });
    for (let i = 0; i < 5; i++) h.client.send(vxlanArpFrame(), h.relay.address.port, '127.0.0.1');
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
    for (let i = 0; i < 3; i++)
      stranger.send(vxlanUdpFrame({ payload: Buffer.from('0:x') }), h.relay.address.port, '127.0.0.1');
    for (const junk of [
      Buffer.alloc(0),
      Buffer.from('hello'),
      Buffer.alloc(30),
      Buffer.alloc(2000, 0xff).fill(0, 0, 1),
    ]) {
      h.client.send(junk, h.relay.address.port, '127.0.0.1');
    }
    // A VXLAN header whose inner IPv4 header lies about its length.
    const liar = vxlanUdpFrame({ payload: Buffer.from('1:x') });
    liar.writeUInt16BE(60000, 22 + 2);
    h.client.send(liar, h.relay.address.port, '127.0.0.1');
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
    h.relay.setModel({ up: { loss: { model: 'random', percent: 100, correlation: 0 } }, down: {}, seed: 1 });
    await h.sendUp(100, { perTick: 50 });
    await h.settle();
    expect(h.atServer).toHaveLength(100);
  });
});
