// Replay on the relay with real datagrams: a run's record becomes a file, and a second relay (with
// another model and seed, and the probes arriving in another order) gives every frame the same fate
// in its place of its flow; traffic the recording did not have is reported, flow by flow.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayReport } from '../../../src/link/control/replay-report.ts';
import { buildLinkModel } from '../../../src/link/model/impairment-text.ts';
import {
  decodeFate,
  encodeFate,
  parseReplayFile,
  type ReplayFile,
  replayFromRecords,
} from '../../../src/link/model/replay-file.ts';
import { vxlanTcpFrame, vxlanUdpFrame } from '../../../src/link/relay/frame-builder.ts';
import { type Harness, startHarness } from '../../helpers/relay-harness.ts';

const SEED = 11;
const VERSION = 'test-version';
const PROBES = 200;
const SEGMENTS = 60;
const REPLIES = 40;

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Probes up to udp/12000 (in `order`), TCP segments up to tcp/80 (in order: they have no seq),
 * probe replies down from udp/12000, and `extra` more of each kind where asked.
 */
async function traffic(
  h: Harness,
  order: number[],
  opts: { segments?: number; strangers?: number; moreProbes?: number } = {},
): Promise<void> {
  const segments = opts.segments ?? SEGMENTS;
  const probes = [...order, ...Array.from({ length: opts.moreProbes ?? 0 }, (_, i) => PROBES + i)];
  for (const [i, seq] of probes.entries()) {
    h.client.send(vxlanUdpFrame({ payload: Buffer.from(`${seq}:probe`) }), ...h.toRelay('client'));
    if (i < segments)
      h.client.send(
        vxlanTcpFrame({ dport: 80, flags: 0x18, payload: Buffer.from(`segment ${i}`) }),
        ...h.toRelay('client'),
      );
    if (i < REPLIES)
      h.server.send(
        vxlanUdpFrame({
          srcIp: '198.19.0.2',
          dstIp: '198.19.0.1',
          sport: 12000,
          dport: 40000,
          payload: Buffer.from(`${i}:reply`),
        }),
        ...h.toRelay('server'),
      );
    if (i < (opts.strangers ?? 0))
      h.client.send(vxlanUdpFrame({ dport: 9999, payload: Buffer.from('hello') }), ...h.toRelay('client'));
    if (i % 8 === 7) await tick();
  }
  await h.settle();
}

/** A shuffle of 0..n−1, seeded (the replay must not depend on the probes' order). */
function shuffled(n: number, seed: number): number[] {
  const xs = Array.from({ length: n }, (_, i) => i);
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

const probesAt = (h: Harness): number[] =>
  h.atServer
    .map((a) => a.seq)
    .filter((s) => s >= 0)
    .sort((a, b) => a - b);

async function recordRun(): Promise<{ file: ReplayFile; atServer: number[] }> {
  await using h = await startHarness({ impair: 'loss 30% duplicate 10% delay 5ms 3ms', seed: SEED });
  await traffic(
    h,
    Array.from({ length: PROBES }, (_, i) => i),
  );
  const file = replayFromRecords(h.relay.record(0).records, h.relay.model, VERSION);
  return { file, atServer: probesAt(h) };
}

describe(`replay of a recorded run (seed ${SEED})`, () => {
  it('gives every frame its recorded fate in its place, whatever the model, the seed or the order of the probes', async () => {
    const { file, atServer } = await recordRun();
    const words = Object.values(file.flows.client!).flatMap((f) => [
      ...f.order,
      ...Object.values(f.probes ?? {}),
    ]);
    // The recording is worth replaying: 300 frames at 30% loss lose 90 ± 8 (99.9%: 65–115).
    expect(file.frames).toBe(PROBES + SEGMENTS + REPLIES);
    const lost = words.filter((w) => w === 'L').length;
    expect(lost).toBeGreaterThanOrEqual(65);
    expect(lost).toBeLessThanOrEqual(115);
    expect(words.some((w) => w.includes('d'))).toBe(true);

    const { plan } = parseReplayFile(JSON.stringify(file), 'test', VERSION);
    await using h = await startHarness({ impair: 'loss 60% delay 1ms', seed: SEED + 1 });
    await h.relay.setReplay(plan);
    await traffic(h, shuffled(PROBES, SEED));
    const again = replayFromRecords(h.relay.record(0).records, file.model, VERSION);
    expect(again.flows).toEqual(file.flows);
    // What the server end received: the same probes, the link's duplicates included.
    expect(probesAt(h)).toEqual(atServer);
    expect(h.relay.replayReport()).toEqual({
      frames: file.frames,
      replayed: file.frames,
      differed: 0,
      diverged: [],
      short: [],
    });
  });

  it('says which flows diverged: frames beyond the recording, flows it never saw, and flows it met less of', async () => {
    const { file } = await recordRun();
    const { plan } = parseReplayFile(JSON.stringify(file), 'test', VERSION);
    await using h = await startHarness({ impair: 'delay 1ms', seed: SEED });
    await h.relay.setReplay(plan);
    await traffic(
      h,
      Array.from({ length: PROBES }, (_, i) => i),
      {
        segments: 30,
        strangers: 5,
        moreProbes: 10,
      },
    );
    const report = h.relay.replayReport()!;
    expect(report.diverged.map(({ firstRecord: _, ...d }) => d)).toEqual([
      { client: 'client', flow: 'up/udp/9999', frames: 5, recorded: 0 },
      { client: 'client', flow: 'up/udp/12000', frames: 10, recorded: PROBES },
    ]);
    expect(report.short).toEqual([{ client: 'client', flow: 'up/tcp/80', recorded: SEGMENTS, met: 30 }]);
    expect(report.replayed).toBe(PROBES + 30 + REPLIES);
    // A reset starts the flows again from their first places, and the report with them.
    await h.relay.reset();
    expect(h.relay.replayReport()).toMatchObject({ frames: 0, diverged: [] });
    expect(replayReport(plan, []).short.length).toBe(3);
  });
});

describe('capture comments name who decided each frame', () => {
  it('a replay (replayed, ...) and a scenario step (scenario flap step 2/3, ...)', async () => {
    let file: ReplayFile;
    let lost: number;
    {
      await using first = await startHarness({ up: 'loss 50%', seed: SEED });
      await first.sendUp(40, { perTick: 20 });
      await first.settle();
      file = replayFromRecords(first.relay.record(0).records, first.relay.model, VERSION);
      lost = first.relay.stats().up.total.droppedLoss;
    }
    const dir = mkdtempSync(join(tmpdir(), 'socklab-replay-cap-'));
    await using h = await startHarness({}, undefined);
    await h.relay.setReplay(parseReplayFile(JSON.stringify(file), 'test', VERSION).plan);
    await h.relay.startCapture(join(dir, 'replay.pcap'));
    await h.sendUp(40, { perTick: 20 });
    await h.settle();
    await h.relay.stopCapture();
    const replayed = readFileSync(join(dir, 'replay.pcap'), 'latin1');
    expect(replayed.split('up DROPPED (loss) replayed, flow up/udp/12000 #').length - 1).toBe(lost);
    expect(replayed.split('up forwarded replayed, flow up/udp/12000 #').length - 1).toBe(40 - lost);

    await h.relay.setReplay(null);
    await h.relay.setModel(buildLinkModel({ up: 'loss 100%' }), 'scenario flap step 2/3');
    await h.relay.startCapture(join(dir, 'step.pcap'));
    await h.sendUp(10, { perTick: 10 });
    await h.settle();
    await h.relay.stopCapture();
    const step = readFileSync(join(dir, 'step.pcap'), 'latin1');
    expect(step.split('up DROPPED (loss) scenario flap step 2/3, flow up/udp/12000 #').length - 1).toBe(10);
  });
});

describe('replay files', () => {
  const file: ReplayFile = {
    socklab: 'replay',
    format: 1,
    version: VERSION,
    model: { up: {}, down: {}, seed: 1 },
    frames: 2,
    flows: { client: { 'up/udp/12000': { order: ['F20.5d', 'L'], probes: { '3/0': 'Q' } } } },
  };
  const problem = (text: string): string => {
    try {
      parseReplayFile(text, 'run.replay', VERSION);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('it was accepted');
  };

  it('writes each fate as a short word and reads it back', () => {
    for (const w of ['F20.5d', 'L', 'Q', 'O', 'F0r', 'F3.125cr']) expect(encodeFate(decodeFate(w)!)).toBe(w);
    expect(decodeFate('X1')).toBeNull();
    const { plan } = parseReplayFile(JSON.stringify(file), 'run.replay', VERSION);
    expect(plan.client!.up!['up/udp/12000']!.order[0]).toEqual({
      fate: 'forwarded',
      delayMs: 20.5,
      duplicated: true,
      corrupted: false,
      reordered: false,
    });
  });

  it('refuses, in one line that says what to do, a file of another version or format, a bad fate, or no JSON', () => {
    const lines = [
      problem(JSON.stringify({ ...file, version: '0.0.1' })),
      problem(JSON.stringify({ ...file, format: 2 })),
      problem(JSON.stringify({ ...file, flows: { client: { 'up/udp/1': { order: ['F1', 'Z'] } } } })),
      problem(JSON.stringify({ ...file, flows: { client: { 'sideways/udp/1': { order: [] } } } })),
      problem('{"socklab": "replay", '),
      problem('{"hello": 1}'),
    ];
    expect(lines[0]).toContain(`written by socklab 0.0.1, this is socklab ${VERSION}`);
    expect(lines[1]).toContain('format 2');
    expect(lines[2]).toContain("up/udp/1 #1: 'Z' is not a fate");
    expect(lines[3]).toContain('names no direction');
    expect(lines[4]).toContain('not JSON');
    expect(lines[5]).toContain('not a socklab replay file');
    for (const l of lines) {
      expect(l.split('\n')).toHaveLength(1);
      expect(l).toContain('replay file run.replay');
      expect(l).toContain('socklab record -o FILE');
    }
  });
});
