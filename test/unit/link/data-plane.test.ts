// linkd's two data planes: the native batched one (native/batch-udp.c: recvmmsg/sendmmsg) and
// Node's dgram. The fates are decided above the planes, so the same seed and traffic must give
// the same record frame by frame; the native one must build from source here (CI has a compiler and
// Node's headers), and where it cannot be loaded linkd must fall back and say so in one line.
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PacketRecord } from '../../../src/link/control/packet-record.ts';
import type { IoCounts } from '../../../src/link/control/relay-stats.ts';
import { buildLinkModel } from '../../../src/link/model/impairment-text.ts';
import { vxlanUdpFrame } from '../../../src/link/relay/frame-builder.ts';
import { LinkRelay } from '../../../src/link/relay/link-relay.ts';
import { chooseDataPlane, loadBatchUdp } from '../../../src/link/relay/native-data-plane.ts';
import { openAlarms } from '../../../src/link/relay/open-relay-socket.ts';
import type { DataPlaneName } from '../../../src/link/relay/relay-socket.ts';
import { udpSocketDrops } from '../../../src/link/relay/socket-drops.ts';
import { type AlarmFactory, TimerQueue } from '../../../src/link/relay/timer-queue.ts';
import { type Harness, startHarness } from '../../helpers/relay-harness.ts';
import { isOneLineError, ROOT, run, start } from '../../support/programs.ts';

const PLANES: DataPlaneName[] = ['native', 'node'];
const LINKD = `${ROOT}src/link/linkd.ts`;
const LINKCTL = `${ROOT}src/link/linkctl.ts`;

/** What a frame's record says of its fate (times aside: they are the machine's). */
const fateOf = (r: PacketRecord): string =>
  [
    r.dir,
    r.client,
    r.proto,
    r.len,
    r.fp,
    r.seq,
    r.fate,
    r.duplicated,
    r.corrupted,
    r.reordered,
    r.delayMs,
  ].join(' ');

/** A direction's records in the order the relay saw its frames. */
const recordsOf = (h: Harness, dir: 'up' | 'down'): PacketRecord[] =>
  h.relay
    .record()
    .records.filter((r) => r.dir === dir)
    .sort((a, b) => a.n - b.n);

describe('the native data plane', () => {
  it('builds from source with this machine’s compiler and Node’s headers, and loads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'socklab-native-'));
    try {
      const out = join(dir, 'batch-udp.node');
      const r = await run('sh', [`${ROOT}native/build.sh`, out]);
      expect(r.stderr, 'build.sh said').toBe('');
      expect(existsSync(out)).toBe(true);
      const addon = createRequire(import.meta.url)(out) as { batch: number };
      expect(addon.batch).toBe(64);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // The checkout's own build (npm install, scripts/ensure-deps.sh) is what linkd chooses.
    expect(chooseDataPlane('auto')).toEqual({ name: 'native', batch: 64, offload: true, timerfd: true });
  });

  it('gives the same record as Node’s dgram, frame by frame, for the same seed and traffic', async () => {
    const model = {
      up: 'loss 15% 25% duplicate 8% corrupt 4% delay 4ms 2ms reorder 10%',
      down: 'loss 10% delay 2ms',
      seed: 2026,
    };
    const records = {} as Record<DataPlaneName, { up: string[]; down: string[] }>;
    for (const plane of PLANES) {
      await using h = await startHarness(model, undefined, 'per-direction', undefined, plane);
      await h.sendUp(600, { perTick: 40 });
      for (let seq = 0; seq < 150; seq++)
        h.server.send(vxlanUdpFrame({ payload: Buffer.from(`${seq}:reply`) }), ...h.toRelay('server'));
      await h.settle();
      records[plane] = { up: recordsOf(h, 'up').map(fateOf), down: recordsOf(h, 'down').map(fateOf) };
      expect(h.relay.stats().unintendedDrops, plane).toBe(0);
    }
    expect(records.native.up).toHaveLength(600);
    expect(records.native.down).toHaveLength(150);
    // Equal entry by entry (an inequality names the first frame that differs).
    expect(records.native.up).toEqual(records.node.up);
    expect(records.native.down).toEqual(records.node.down);
    // The model did act: not every frame was simply forwarded.
    expect(records.native.up.filter((f) => f.includes(' lost ')).length).toBeGreaterThan(0);
  });

  it('at full speed the record keeps an entry for every frame the counters count', async () => {
    const n = 20_000;
    await using h = await startHarness(
      { up: 'loss 5%', seed: 5 },
      undefined,
      'per-direction',
      undefined,
      'native',
    );
    await h.sendUp(n, { perTick: 400 });
    // The test's own server cannot read as fast as the relay sends: what its kernel dropped is
    // counted there (/proc/net/udp), so every forwarded frame is accounted for, exactly.
    const serverDrops = (): number => udpSocketDrops(h.server.address().port) ?? 0;
    const end = performance.now() + 60_000;
    let s = h.relay.stats();
    while (
      s.up.total.received + s.unintendedDrops < n ||
      s.inFlight > 0 ||
      h.atServer.length + serverDrops() < s.up.total.forwarded
    ) {
      if (performance.now() > end) throw new Error(`not settled: ${JSON.stringify(s.up.total)}`);
      await new Promise((r) => setTimeout(r, 20));
      s = h.relay.stats();
    }
    const up = recordsOf(h, 'up');
    console.log(
      `full speed: ${n} sent, linkd received ${s.up.total.received} (kernel dropped ${s.unintendedDrops}), forwarded ${s.up.total.forwarded}; the test's server read ${h.atServer.length}, its kernel dropped ${serverDrops()}`,
    );
    // Whatever the kernel dropped before linkd read it is counted as such; the rest is in the record.
    expect(s.up.total.received + s.unintendedDrops).toBe(n);
    expect(up).toHaveLength(s.up.total.received);
    expect(up.filter((r) => r.fate === 'forwarded')).toHaveLength(s.up.total.forwarded);
    expect(up.filter((r) => r.fate === 'lost')).toHaveLength(s.up.total.droppedLoss);
    expect(h.atServer.length + serverDrops()).toBe(s.up.total.forwarded);
    expect(s.sendErrors).toBe(0);
  }, 90_000);

  it('splits a datagram the kernel coalesced (UDP GRO) into its frames, each fated as if it came alone', async () => {
    // The client end sends with UDP_SEGMENT (the addon's own socket): on loopback the kernel
    // delivers each run of 64 frames whole to a socket that asked for GRO (the native plane), and
    // one by one to one that did not (dgram). The records must still be the same, frame by frame.
    const addon = loadBatchUdp();
    if (typeof addon === 'string') throw new Error(addon);
    const LO = 0x7f000001;
    const records = {} as Record<DataPlaneName, string[]>;
    const io = {} as Record<DataPlaneName, IoCounts>;
    for (const plane of PLANES) {
      const sender = addon.open(0, 1 << 20, false, true) as object;
      const senderPort = addon.bind(sender, LO, 0);
      const server = createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
      await new Promise<void>((r) => server.bind(0, '127.0.0.1', r));
      let atServer = 0;
      server.on('message', () => atServer++);
      const relay = await LinkRelay.start({
        peers: [
          { host: '127.0.0.1', port: senderPort },
          { host: '127.0.0.1', port: server.address().port },
        ],
        listenAddress: '127.0.0.1',
        listenPort: 0,
        model: buildLinkModel({ up: 'loss 20% duplicate 5% corrupt 5%', seed: 77 }),
        dataPlane: plane,
        log: () => {},
      });
      try {
        expect(addon.offload(sender), 'the sender has UDP_SEGMENT').toBe(3);
        for (let batch = 0; batch < 3; batch++) {
          for (let i = 0; i < 64; i++) {
            const seq = batch * 64 + i;
            const payload = Buffer.alloc(100, 'a');
            payload.write(`${seq}:`);
            addon.send(sender, vxlanUdpFrame({ payload }), LO, relay.address.port);
          }
          expect(addon.flush(sender), plane).toBe(0);
          await new Promise((r) => setTimeout(r, 20));
        }
        const end = performance.now() + 20_000;
        let st = relay.stats();
        while (st.up.total.received < 192 || atServer < st.up.total.forwarded) {
          if (performance.now() > end)
            throw new Error(`${plane}: not settled: ${JSON.stringify(st.up.total)}`);
          await new Promise((r) => setTimeout(r, 10));
          st = relay.stats();
        }
        expect(st.unintendedDrops, plane).toBe(0);
        records[plane] = relay
          .record()
          .records.sort((a, b) => a.n - b.n)
          .map(fateOf);
        io[plane] = st.io!;
      } finally {
        await relay.close();
        addon.close(sender);
        server.close();
      }
    }
    expect(records.native).toHaveLength(192);
    expect(records.native).toEqual(records.node);
    // The native plane got three datagrams of 64 frames each; dgram, 192 datagrams.
    expect(io.native).toMatchObject({
      receivedDatagrams: 3,
      coalesced: 3,
      receivedFrames: 192,
      truncated: 0,
    });
    expect(io.node).toMatchObject({ receivedDatagrams: 192, coalesced: 0, receivedFrames: 192 });
    // What the relay forwarded left in runs (UDP_SEGMENT): a batch's frames in one or two messages.
    const forwarded = records.native.filter((f) => !f.includes(' lost ')).length;
    expect(io.native.sentFrames).toBeGreaterThanOrEqual(forwarded);
    expect(io.native.sentDatagrams).toBeLessThanOrEqual(6);
    expect(io.node.sentDatagrams).toBe(io.node.sentFrames);
  });

  it('carries a frame larger than the lab’s MTU, and a batch of them, whole', async () => {
    for (const plane of PLANES) {
      await using h = await startHarness({}, undefined, 'shared', undefined, plane);
      await h.sendUp(130, { size: 8_000, perTick: 65 });
      await h.settle();
      expect(h.atServer, plane).toHaveLength(130);
      expect(new Set(h.atServer.map((a) => a.frame.length)).size, plane).toBe(1);
      expect(
        h.atServer.map((a) => a.seq),
        plane,
      ).toEqual(Array.from({ length: 130 }, (_, i) => i));
    }
  });
});

/**
 * Keeps a queue as a bulk transfer through a delay does (an item always about a millisecond from
 * its deadline, a new one every 0.5 ms) for `ms`; returns how many fired early, and the CPU time
 * the thread used as a share of the wall-clock time.
 */
async function busyQueue(
  alarms: AlarmFactory | undefined,
  ms: number,
): Promise<{ early: number; cpuShare: number; fired: number }> {
  let early = 0;
  let fired = 0;
  const q = new TimerQueue<number>((_, at) => {
    fired++;
    if (performance.now() < at) early++;
  }, alarms);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await new Promise<void>((resolve) => {
    const feed = setInterval(() => {
      const now = performance.now();
      if (now - t0 > ms) {
        clearInterval(feed);
        resolve();
      } else q.add(now + 1, fired);
    }, 0.5);
  });
  const used = process.cpuUsage(cpu0);
  const share = (used.user + used.system) / 1000 / (performance.now() - t0);
  q.close();
  return { early, cpuShare: share, fired };
}

describe('the native plane’s alarm for held frames', () => {
  it('fires held items in order and never early, and under a full queue the thread sleeps on it where polling alone spins', async () => {
    const alarms = openAlarms('native');
    expect(alarms, 'the native addon has its alarm').toBeDefined();
    expect(openAlarms('node')).toBeUndefined();
    // Order and never early, as with the polling queue.
    const order: string[] = [];
    const q = new TimerQueue<string>((item, at) => {
      if (performance.now() < at) order.push('EARLY');
      order.push(item);
    }, alarms);
    const now = performance.now();
    q.add(now + 30, 'c');
    q.add(now + 10, 'a1');
    q.add(now + 10, 'a2');
    q.add(now + 20, 'b');
    await new Promise((r) => setTimeout(r, 60));
    expect(order).toEqual(['a1', 'a2', 'b', 'c']);
    q.close();
    // The same load on both queues, one after the other in this run: the polling one spins through
    // every last stretch, so its CPU share is what the machine gives it; the alarm's polls within
    // its budget (a tenth of its time) and sleeps on the alarm for the rest.
    const polling = await busyQueue(undefined, 400);
    const alarm = await busyQueue(alarms, 400);
    console.log(
      `busy queue, CPU share of wall time: polling ${polling.cpuShare.toFixed(2)}, alarm ${alarm.cpuShare.toFixed(2)}`,
    );
    expect(alarm.early + polling.early).toBe(0);
    expect(alarm.fired).toBeGreaterThan(100);
    expect(alarm.cpuShare).toBeLessThan(polling.cpuShare / 2);
  });
});

describe('linkd without the native data plane', () => {
  // Through env(1): linkd as a process whose addon path leads nowhere.
  const withoutAddon = ['SOCKLAB_NATIVE_ADDON=/nonexistent/batch-udp.node', process.execPath, LINKD];

  it('refuses --data-plane native in one line, and takes no other word', async () => {
    const peers = ['--peer', '127.0.0.1:1', '--peer', '127.0.0.1:2', '--listen', '127.0.0.1:0'];
    const r = await run('env', [...withoutAddon, ...peers, '--data-plane', 'native']);
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(
      /--data-plane native: the native data plane is not built .*; build it or use auto/,
    );
    const bad = await run(process.execPath, [LINKD, ...peers, '--data-plane', 'fast']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--data-plane must be auto, native, node, got 'fast'/);
  });

  it('falls back to Node’s dgram, forwards, and says why in linkctl show', async () => {
    const control = join(tmpdir(), `socklab-dataplane-${process.pid}.sock`);
    const a = createSocket('udp4');
    const b = createSocket('udp4');
    await Promise.all([a, b].map((s) => new Promise<void>((r) => s.bind(0, '127.0.0.1', r))));
    let atB = 0;
    b.on('message', () => atB++);
    try {
      await using d = await start(
        'env',
        [
          ...withoutAddon,
          '--peer',
          `127.0.0.1:${a.address().port}`,
          '--peer',
          `127.0.0.1:${b.address().port}`,
          '--listen',
          '127.0.0.1:0',
          '--control',
          control,
        ],
        /linkd: relaying VXLAN on 127\.0\.0\.1:(\d+).*data plane node/,
      );
      const show = await run(process.execPath, [LINKCTL, '--control', control, 'show']);
      expect(show.stdout).toMatch(
        /^data plane: node dgram \(one frame a call; native data plane not built \(\/nonexistent\/batch-udp\.node is missing: run native\/build\.sh\)\); forwarding threads at /m,
      );
      // Real time is the addon's call: without it, nice -10 (root), and show says why.
      expect(show.stdout).toContain(
        process.getuid?.() === 0
          ? '; forwarding threads at nice -10 (real-time priority 1 was refused: the native addon is not loaded; real time needs the native addon (native/build.sh), or SOCKLAB_LINKD_RT=0)\n'
          : '; forwarding threads at the default priority (real-time priority 1 was refused: the native addon is not loaded; nice -10 was refused: EACCES; real time needs the native addon (native/build.sh); the link host needs CAP_SYS_NICE, or SOCKLAB_LINKD_RT=0 SOCKLAB_LINKD_NICE=0)\n',
      );
      for (let i = 0; i < 20; i++)
        a.send(vxlanUdpFrame({ payload: Buffer.from(`${i}:x`) }), d.port, '127.0.0.1');
      const end = Date.now() + 20_000;
      while (atB < 20 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(atB).toBe(20);
    } finally {
      a.close();
      b.close();
    }
  });
});
