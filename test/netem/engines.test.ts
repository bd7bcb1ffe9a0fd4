// The netem engine against a real sch_netem (in the VM of scripts/netem-vm.sh: `npm run
// test:netem`), side by side with the relay engine in the same VM. Two namespace labs, one per
// engine; each case sets one impairment on the client→server direction only (replies come back
// clean), measures what the programs see, and asserts it for both engines. The configured vs
// realized table is printed and written to reports/netem-fidelity.md. Timing under TCG (no KVM)
// is coarse: emulation adds 1–20 ms of jitter, so time bounds are wide and stated.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UdpResult } from '../../src/apps/udp-measure.ts';
import { probeNetem } from '../../src/link/control/netem-engine.ts';
import type { PacketRecord } from '../../src/link/control/packet-record.ts';
import { isClean } from '../../src/link/model/impairment-model.ts';
import { buildLinkModel, parseDirection, parseLinkInput } from '../../src/link/model/impairment-text.ts';
import { IMPAIRMENTS } from '../../src/link/model/impairments/registry.ts';
import { netemLimit } from '../../src/link/model/netem-args.ts';
import { replayFromRecords } from '../../src/link/model/replay-file.ts';
import { binomialInterval } from '../helpers/stats.ts';
import { type BareLab, SERVER_LAB_IP, startAppIn, startBareLab } from '../support/bare-lab.ts';
import { appPath, ROOT } from '../support/programs.ts';

const run = promisify(execFile);
const SEED = Number(process.env.SOCKLAB_SEED ?? 20261125);
type Engine = 'netem' | 'relay';
const ENGINES: Engine[] = ['netem', 'relay'];

interface Measure {
  count: number;
  size?: number;
  intervalMs?: number;
  window?: number;
  /** How long a datagram may take before it counts as lost (ms). */
  timeoutMs?: number;
}

/** UDP echoes from the client namespace through the lab (one program run, its JSON result). */
async function udp(lab: BareLab, m: Measure): Promise<UdpResult> {
  const opts = {
    address: SERVER_LAB_IP,
    family: 4,
    port: 12000,
    count: m.count,
    intervalMs: m.intervalMs ?? 0,
    size: m.size ?? 64,
    // A lost datagram holds its window slot this long: short, as RTTs here are < 100 ms.
    timeoutMs: m.timeoutMs ?? 1000,
    window: m.window ?? 1,
  };
  const r = await lab.exec(lab.client, process.execPath, [
    '--input-type=module',
    '-e',
    `import { measureUdp } from '${appPath('udp-measure')}';
     console.log(JSON.stringify(await measureUdp(${JSON.stringify(opts)})));`,
  ]);
  if (r.code !== 0) throw new Error(`udp-measure in ${lab.client}: ${r.stderr}`);
  return JSON.parse(r.stdout) as UdpResult;
}

/** The root qdisc on `dev` in the lab's link namespace, as tc reports it (JSON). */
async function netemQdisc(lab: BareLab, dev: string): Promise<RootQdisc | undefined> {
  const { stdout } = await run('ip', ['netns', 'exec', lab.link!, 'tc', '-j', 'qdisc', 'show', 'dev', dev]);
  return (JSON.parse(stdout) as RootQdisc[]).find((q) => q.root);
}

interface RootQdisc {
  kind: string;
  root?: boolean;
  options?: { limit?: number; delay?: { delay: number; jitter: number } } & Record<string, unknown>;
}

/**
 * What tc prints for a netem qdisc only while that impairment is on (iproute2's q_netem.c; `ecn`
 * is always there, as a boolean, and socklab never sets it).
 */
const LEFT_BEHIND = new Set([
  'loss-random',
  'loss-state',
  'loss-gemodel',
  'duplicate',
  'reorder',
  'corrupt',
  'rate',
]);

/** Sets the client→server direction (the replies' stays clean) and restarts the counters. */
async function impairUp(lab: BareLab, up: string): Promise<void> {
  await lab.linkd!.call({ cmd: 'set', up: parseDirection(up), down: {}, seed: SEED });
  await lab.linkd!.call({ cmd: 'reset' });
}

/** What linkd saw go wrong, for a failure's message. */
async function dropsOf(lab: BareLab): Promise<string> {
  const s = (await lab.linkd!.call({ cmd: 'stats' })).stats;
  const full = async (ns: string) => lab.counter(ns, 'Udp', 'RcvbufErrors');
  return `linkd: ${s.unintendedDrops} dropped by its socket, ${s.sendErrors} send errors; full receive buffers so far: client ${await full(lab.client)}, server ${await full(lab.server)}`;
}

// The time between frames of a train, from arrival times read by a program that may stall (a
// read is late, never early, so a stall bunches the frames after it): the median of the slopes
// between arrivals at least half the train apart (Theil–Sen), which a stall or two moves little,
// where the span from first to last takes a late first read whole.
function frameGapMs(arrivals: number[]): number {
  const slopes: number[] = [];
  const apart = Math.floor(arrivals.length / 2);
  for (let i = 0; i < arrivals.length; i++)
    for (let j = i + apart; j < arrivals.length; j++) slopes.push((arrivals[j]! - arrivals[i]!) / (j - i));
  return p50(slopes);
}
const p50 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const quantile = (xs: number[], q: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;
const samples = (r: UdpResult): number[] => r.rtts.filter((x): x is number => x !== null);
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** When each datagram left the client, ms from its start: its reply's arrival less its round trip. */
const sentTimes = (r: UdpResult): number[] =>
  r.rtts.map((rtt, i) => (r.arrivedMs[i] ?? Number.NaN) - (rtt ?? 0));

/** The client's probes in the relay's record of the up direction. */
const upProbes = (records: readonly PacketRecord[]): PacketRecord[] =>
  records.filter((r) => r.dir === 'up' && r.proto === 'udp' && r.seq >= 0);

/**
 * From the relay's record of one direction's probes: how many it sent at once, and how many left
 * after a later probe (arrival plus its real departure), strictly and counting ties.
 */
function overtakenInRecord(records: readonly PacketRecord[]): {
  atOnce: number;
  strict: number;
  withTies: number;
} {
  const left = [...records].sort((a, b) => b.seq - a.seq).map((x) => x.t + x.outMs);
  let strict = 0;
  let withTies = 0;
  let earliestLater = Number.POSITIVE_INFINITY;
  for (const d of left) {
    if (d > earliestLater) strict++;
    if (d >= earliestLater) withTies++;
    earliestLater = Math.min(earliestLater, d);
  }
  return { atOnce: records.filter((x) => x.reordered).length, strict, withTies };
}

interface Overtaken {
  mean: number;
  sd: number;
}

/**
 * How many datagrams a reorder impairment should have overtaken, given when each was sent: each
 * goes at once with probability `at`, else is held `delayMs`; a held one arrives after a later one
 * when one of the k sent within its delay went at once: (1 − at)(1 − (1 − at)^k).
 */
function expectedOvertaken(sent: number[], at: number, delayMs: number): Overtaken {
  let mean = 0;
  let variance = 0;
  for (let i = 0; i < sent.length; i++) {
    let k = 0;
    while (i + k + 1 < sent.length && sent[i + k + 1]! - sent[i]! < delayMs) k++;
    const q = (1 - at) * (1 - (1 - at) ** k);
    mean += q;
    variance += q * (1 - q);
  }
  return { mean, sd: Math.sqrt(variance) };
}

interface Row {
  impairment: string;
  measured: string;
  configured: string;
  netem: string;
  relay: string;
}
const rows: Row[] = [];

describe('the netem engine on a kernel with sch_netem, and the relay beside it', () => {
  const labs = {} as Record<Engine, BareLab>;
  /** Each lab's lowest RTT with a clean link: what delays are measured against. */
  const base = {} as Record<Engine, number>;

  beforeAll(async () => {
    // Where this kernel has no netem this fails (it does not skip): run it with `npm run test:netem`.
    await probeNetem();
    console.log(`netem tests: seed ${SEED}`);
    for (const engine of ENGINES) {
      labs[engine] = await startBareLab({
        tag: `${engine[0]}${process.pid % 1000}`,
        path: 'relay',
        linkdArgs: ['--engine', engine, '--seed', String(SEED)],
        // Emulated (TCG), node takes seconds to start.
        readyTimeoutMs: 60_000,
      });
      await startAppIn(labs[engine], labs[engine].server, 'udp-echo-server', ['--quiet']);
    }
  }, 120_000);

  /**
   * Each lab's floor on a clean link, measured just before a delay is judged against it: the
   * fastest of 40 after 100 to warm the path. Measured once at the start instead, the relay's
   * floor came out about 10 ms high (its code not yet compiled, under TCG), and a 20 ms delay
   * seemed to add 8.7 ms.
   */
  async function measureFloors(): Promise<void> {
    for (const engine of ENGINES) {
      await impairUp(labs[engine], '');
      await udp(labs[engine], { count: 100, window: 20 });
      base[engine] = Math.min(...samples(await udp(labs[engine], { count: 40 })));
    }
  }

  afterAll(async () => {
    for (const lab of Object.values(labs)) await lab[Symbol.asyncDispose]();
    if (rows.length === 0) return;
    const table = [
      `Configured vs realized, client→server only, seed ${SEED}, one VM (${process.env.SOCKLAB_VM_ACCEL_USED ?? 'unknown accel'}; under TCG timing is coarse: 1–20 ms of emulation jitter).`,
      '',
      '| impairment | measured | configured | netem (kernel) | relay (linkd) |',
      '|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.impairment} | ${r.measured} | ${r.configured} | ${r.netem} | ${r.relay} |`),
    ].join('\n');
    console.log(table);
    mkdirSync(`${ROOT}reports`, { recursive: true });
    writeFileSync(`${ROOT}reports/netem-fidelity.md`, `${table}\n`);
  });

  it("real tc accepts what netemArgs builds: each impairment alone, per direction, and all together; netem's limit as designed", async () => {
    const lab = labs.netem;
    const qdisc = (dev: string) => netemQdisc(lab, dev);
    // Every impairment's example, and the other loss model (Gilbert–Elliott) and a distribution.
    const examples = [
      // A trace is the relay's alone (netem has no delivery schedule): the engine refuses it.
      ...IMPAIRMENTS.filter((i) => i.key !== 'trace').map((i) => i.example),
      'loss gemodel 1% 30% 50% 0%',
      'delay 10ms 5ms distribution pareto',
    ];
    const all = 'delay 20ms 5ms loss 5% 25% duplicate 5% reorder 10% corrupt 5% rate 10mbit limit 500';
    // Each example on one direction with a different one on the other, then everything at once.
    const pairs = [...examples.map((e, i) => [e, examples[(i + 1) % examples.length]!]), [all, 'delay 5ms']];
    for (const [up, down] of pairs) {
      const r = await lab.linkd!.call({ cmd: 'set', ...parseLinkInput({ up, down }), seed: SEED });
      const model = buildLinkModel({ up, down });
      expect({ up: r.model.up, down: r.model.down }).toEqual({ up: model.up, down: model.down });
      // `lc` leads to the client (the down direction leaves through it), `ls` to the server.
      for (const [dev, m] of [
        ['ls', model.up],
        ['lc', model.down],
      ] as const) {
        const q = await qdisc(dev);
        if (isClean(m)) expect(q?.kind, `${up} / ${down} on ${dev}`).not.toBe('netem');
        else {
          expect(q?.kind, `${up} / ${down} on ${dev}`).toBe('netem');
          expect(q?.options?.limit, `${up} / ${down} on ${dev}`).toBe(netemLimit(m));
        }
      }
    }
  });

  /** One impairment of chance `p` on both engines: the count of `field` inside its 99.9% interval. */
  async function chanceCase(up: string, field: 'lost' | 'duplicated', p: number): Promise<void> {
    const n = 400;
    const interval = binomialInterval(n, p, 0.999);
    const got = {} as Record<Engine, number>;
    for (const engine of ENGINES) {
      await impairUp(labs[engine], up);
      // A reply later than its timeout counts as lost: 2.5 s, since a stall of the emulated machine
      // held a whole window of 20 replies past 1 s once (CI9: netem 110 lost of 400, bound 107);
      // one that still came before the run ended was delivered, so the link did not lose it.
      const r = await udp(labs[engine], { count: n, window: 20, timeoutMs: 2500 });
      got[engine] = field === 'lost' ? r.lost - r.late : r[field];
    }
    rows.push({
      impairment: up,
      measured: `${field} of ${n}`,
      configured: pct(p),
      netem: pct(got.netem / n),
      relay: pct(got.relay / n),
    });
    for (const engine of ENGINES) {
      expect(got[engine], engine).toBeGreaterThanOrEqual(interval[0]);
      expect(got[engine], engine).toBeLessThanOrEqual(interval[1]);
    }
  }

  it('loss: the fraction lost inside its 99.9% binomial interval, with both engines', async () => {
    await chanceCase('loss 20%', 'lost', 0.2);
  });

  it('delay and jitter: the RTT grows by the delay (TCG: −2 to +22 ms allowed), and jitter spreads it', async () => {
    const got = {} as Record<Engine, { added: number; spread: number; jAdded: number; jSpread: number }>;
    await measureFloors();
    for (const engine of ENGINES) {
      await impairUp(labs[engine], 'delay 30ms');
      const fixed = samples(await udp(labs[engine], { count: 40 }));
      await impairUp(labs[engine], 'delay 30ms 10ms');
      if (engine === 'netem')
        expect((await netemQdisc(labs.netem, 'ls'))?.options?.delay, 'netem delay').toMatchObject({
          delay: 0.03,
          jitter: 0.01,
        });
      const jittered = samples(await udp(labs[engine], { count: 60 }));
      got[engine] = {
        added: p50(fixed) - base[engine],
        spread: quantile(fixed, 0.9) - quantile(fixed, 0.1),
        jAdded: p50(jittered) - base[engine],
        jSpread: quantile(jittered, 0.9) - quantile(jittered, 0.1),
      };
    }
    const ms = (x: number) => `${x.toFixed(1)} ms`;
    rows.push({
      impairment: 'delay 30ms',
      measured: 'RTT p50 added',
      configured: '30 ms',
      netem: ms(got.netem.added),
      relay: ms(got.relay.added),
    });
    rows.push({
      impairment: 'delay 30ms 10ms',
      measured: 'RTT p50 added; p90−p10',
      configured: '30 ms; 16 ms (uniform ±10)',
      netem: `${ms(got.netem.jAdded)}; ${ms(got.netem.jSpread)}`,
      relay: `${ms(got.relay.jAdded)}; ${ms(got.relay.jSpread)}`,
    });
    for (const engine of ENGINES) {
      const g = got[engine];
      // A TCG guest's clock reads RTTs in coarse steps (README: 1–20 ms of jitter), and a busy
      // host stalls the guest (a warm run once read 44.7 ms for 30): the bounds still tell a
      // delay applied once from one missed (0) or applied twice (60).
      expect(g.added, engine).toBeGreaterThanOrEqual(28);
      expect(g.added, engine).toBeLessThanOrEqual(52);
      expect(g.jAdded, engine).toBeGreaterThanOrEqual(22);
      expect(g.jAdded, engine).toBeLessThanOrEqual(52);
      // Uniform ±10 ms puts 16 ms between p10 and p90; the fixed delay's spread is the machine's.
      expect(g.jSpread, engine).toBeGreaterThanOrEqual(8);
    }
    // netem: the jittered RTTs spread more than the fixed delay's (netem's timers are the kernel's),
    // where the machine lets that be seen: a guest whose fixed-delay RTTs already spread as much as
    // the jitter's own 16 ms (CI once read 24 ms) cannot tell them apart, and says so instead.
    if (got.netem.spread < 12) expect(got.netem.jSpread).toBeGreaterThan(got.netem.spread);
    else
      console.log(
        `netem jitter not judged from RTTs: the fixed delay's RTTs spread ${got.netem.spread.toFixed(1)} ms on this machine (the jitter's is 16); its qdisc holds the jitter`,
      );
    // The relay: the delays it decided, from its own record, not the RTTs (under TCG its
    // fixed delay's RTTs once spread 15.6 ms, as much as the jitter). Uniform on [20, 40] ms: p90−p10
    // is 16 ms; for 60 samples each quantile's sd is about 0.8 ms, so [11, 21] is over 4 sd.
    const decided = upProbes((await labs.relay.linkd!.call({ cmd: 'record' })).records).map((r) => r.delayMs);
    expect(decided).toHaveLength(60);
    const decidedSpread = quantile(decided, 0.9) - quantile(decided, 0.1);
    expect(decidedSpread).toBeGreaterThanOrEqual(11);
    expect(decidedSpread).toBeLessThanOrEqual(21);
  });

  it('duplicate: the duplicates counted inside their 99.9% binomial interval', async () => {
    await chanceCase('duplicate 20%', 'duplicated', 0.2);
  });

  it('reorder: the fraction sent at once overtakes the delayed ones, with both engines', async () => {
    const n = 300;
    const at = 0.25;
    const got = {} as Record<Engine, UdpResult>;
    for (const engine of ENGINES) {
      await impairUp(labs[engine], 'delay 20ms reorder 25%');
      // Replies may come seconds late where the emulated guest runs the echo server slowly (CI saw
      // 105 of 300 past 3 s, none lost): lateness is not what this case judges, so it waits long.
      const r = await udp(labs[engine], { count: n, intervalMs: 2, window: n, timeoutMs: 30_000 });
      expect(
        r.received,
        `${engine}: ${r.late} late, sent in ${r.sendMs} ms, all in ${r.totalMs} ms; ${await dropsOf(labs[engine])}`,
      ).toBe(n);
      got[engine] = r;
    }
    const predicted = expectedOvertaken(sentTimes(got.netem), at, 20);
    const { records } = await labs.relay.linkd!.call({ cmd: 'record', since: 0, limit: 20_000 });
    const relay = overtakenInRecord(upProbes(records));
    rows.push({
      impairment: 'delay 20ms reorder 25%',
      measured: 'arrived after a later one (sent every 2 ms)',
      configured: `25% at once: ${pct(predicted.mean / n)} from the send times; relay: ${pct(relay.atOnce / n)} at once, ${pct(relay.strict / n)} left after a later one`,
      netem: pct(got.netem.reordered / n),
      relay: pct(got.relay.reordered / n),
    });
    // The relay: its record says which it sent at once (binomial) and when each left; the server
    // echoes in order and the replies come back clean, so the client sees exactly those that left
    // after a later one (a tie, two leaving in the same millisecond's batch, may go either way).
    const chance = binomialInterval(n, at, 0.999);
    expect(relay.atOnce, 'relay: sent at once').toBeGreaterThanOrEqual(chance[0]);
    expect(relay.atOnce, 'relay: sent at once').toBeLessThanOrEqual(chance[1]);
    expect(got.relay.reordered, 'relay: overtaken, against its record').toBeGreaterThanOrEqual(relay.strict);
    expect(got.relay.reordered, 'relay: overtaken, against its record').toBeLessThanOrEqual(relay.withTies);
    // netem keeps no record: the expectation comes from when the client really sent (TCG sent the
    // 2 ms stream at 14 ms a datagram once): a held one is overtaken when one sent within its 20 ms
    // went at once. That overstates what the qdisc sees where the guest's kernel spreads a burst on
    // its way (netem overtook 0.62-0.91 of the prediction in nine runs), and the overtakings are not
    // independent (one at once overtakes several): so half the prediction, less 4 sd.
    const { mean, sd } = predicted;
    const say = `netem: ${got.netem.reordered} overtaken, ${mean.toFixed(1)} ± ${sd.toFixed(1)} expected`;
    // A link that does not reorder overtakes none: the bound must stand above that to judge.
    expect(mean / 2 - 4 * sd, `${say}: the client sent too slowly for overtaking to show`).toBeGreaterThan(0);
    expect(got.netem.reordered, say).toBeGreaterThanOrEqual(mean / 2 - 4 * sd);
    // None is overtaken that went at once: at most the held ones, 75% and 4 binomial sd.
    expect(got.netem.reordered, say).toBeLessThanOrEqual(n * (1 - at) + 4 * Math.sqrt(n * at * (1 - at)));
  });

  it('corrupt: no corrupted datagram reaches the program (checksums catch it), and the losses match', async () => {
    const n = 400;
    const got = {} as Record<Engine, { lost: number; corrupted: number; csum: number }>;
    for (const engine of ENGINES) {
      const lab = labs[engine];
      await impairUp(lab, 'corrupt 20%');
      const before = await lab.counter(lab.server, 'Udp', 'InCsumErrors');
      const r = await udp(lab, { count: n, window: 20 });
      got[engine] = {
        lost: r.lost,
        corrupted: r.corrupted,
        csum: (await lab.counter(lab.server, 'Udp', 'InCsumErrors')) - before,
      };
    }
    rows.push({
      impairment: 'corrupt 20%',
      measured: 'lost (dropped by a checksum); UDP checksum errors at the server',
      configured: '20%',
      netem: `${pct(got.netem.lost / n)}; ${got.netem.csum}`,
      relay: `${pct(got.relay.lost / n)}; ${got.relay.csum}`,
    });
    // The relay flips a bit of the inner IP packet: every one is caught. netem flips a bit of
    // the whole frame it sends (outer headers and VXLAN included): about 12% of its bits are
    // checked by nobody (MAC source addresses, VXLAN's reserved bits), so somewhat fewer losses.
    const relayInterval = binomialInterval(n, 0.2, 0.999);
    expect(got.relay.lost).toBeGreaterThanOrEqual(relayInterval[0]);
    expect(got.relay.lost).toBeLessThanOrEqual(relayInterval[1]);
    expect(got.netem.lost).toBeGreaterThanOrEqual(binomialInterval(n, 0.2 * 0.7, 0.999)[0]);
    expect(got.netem.lost).toBeLessThanOrEqual(relayInterval[1]);
    for (const engine of ENGINES) {
      expect(got[engine].corrupted, engine).toBe(0);
      expect(got[engine].csum, engine).toBeGreaterThan(0);
    }
  });

  it('rate: a burst drains at the rate, never faster (what the program sees: 0.6–1.0 of it under TCG; frames carry headers)', async () => {
    // Slow enough that emulation's own cost per frame (a few ms under TCG) hides under the rate's.
    const n = 40;
    const size = 1000;
    const got = {} as Record<Engine, { slope: number; span: number }>;
    for (const engine of ENGINES) {
      await impairUp(labs[engine], 'rate 500kbit');
      // Nothing is lost here, so a long wait costs nothing: a slow guest's echo server once held
      // replies of a burst past 3 s (the reorder case's).
      const r = await udp(labs[engine], { count: n, size, window: n, timeoutMs: 10_000 });
      expect(r.received, `${engine}: ${r.late} late; ${await dropsOf(labs[engine])}`).toBe(n);
      // Sent at once, the queue never empties. Two readings, each wrong in one direction only
      // under emulation, and each bound read from the one that cannot err past it:
      // - span: the last reply cannot arrive before n frame times have passed since the first
      //   send (its arrival less its round trip, on the program's one clock). A stall anywhere
      //   (emulated timers, a late read, a cold echo server) only lengthens it — by up to 350 ms
      //   of a 700 ms train under TCG (netem read 0.61) — so it gives the ceiling: above the
      //   ideal, the link let frames out faster than its rate.
      // - slope: arrivals after the first quarter, one frame time apart (Theil–Sen), which a
      //   stall while the burst starts does not touch; a link that falls behind and catches up
      //   on its schedule (both engines do) steepens it past the rate (the relay read 1.16 and
      //   1.19), so it gives the floor.
      const arrivals = r.arrivedMs.filter((x): x is number => x !== null).sort((a, b) => a - b);
      const firstSentMs = r.arrivedMs[0]! - r.rtts[0]!;
      got[engine] = {
        slope: (size * 8) / (frameGapMs(arrivals.slice(Math.floor(n / 4))) / 1000) / 500e3,
        span: (n * size * 8) / ((arrivals.at(-1)! - firstSentMs) / 1000) / 500e3,
      };
    }
    const both = (e: Engine): string => `slope ${got[e].slope.toFixed(2)}, span ${got[e].span.toFixed(2)}`;
    rows.push({
      impairment: 'rate 500kbit',
      measured: 'payload rate / configured (ideal 0.92 netem, 0.96 relay: headers)',
      configured: '1.00',
      netem: both('netem'),
      relay: both('relay'),
    });
    for (const engine of ENGINES) {
      // Without the rate the burst would take ~50 ms (a ratio near 10); counted in bytes instead
      // of bits, 8 times too slow. The ideal is 0.92 (netem, outer frames) or 0.96 (the relay,
      // inner frames); emulated timers run late (the floor's room). Nothing can beat the ideal
      // over the whole train, so 1.0 is a ceiling with room only for which headers are counted.
      expect(got[engine].slope, engine).toBeGreaterThanOrEqual(0.6);
      expect(got[engine].span, engine).toBeLessThanOrEqual(1.0);
    }
  });

  it('limit: a burst into a slow link keeps what the queue holds and drops the rest', async () => {
    const n = 60;
    const got = {} as Record<Engine, number>;
    const sendMs = {} as Record<Engine, number>;
    for (const engine of ENGINES) {
      await impairUp(labs[engine], 'rate 500kbit limit 10');
      // What the queue drops is waited for once (all at once, 5 s): a kept frame's reply counts
      // however slowly the guest echoes it.
      const r = await udp(labs[engine], { count: n, size: 1000, window: n, timeoutMs: 5000 });
      got[engine] = r.received;
      sendMs[engine] = r.sendMs;
    }
    rows.push({
      impairment: 'rate 500kbit limit 10',
      measured: `delivered of a burst of ${n}`,
      configured: '10 (the queue) + what drains meanwhile',
      netem: String(got.netem),
      relay: String(got.relay),
    });
    for (const engine of ENGINES) {
      // 10 queued, plus what drains (a 1000-byte frame each 16 ms at 500 kbit/s, 17 with its
      // headers) while the burst is still being sent: under TCG that takes a few ms a datagram,
      // more on a busy machine (CI once saw 36 delivered), so the bound comes from the sending
      // time measured, with two frames' slack (the one on the wire, timer granularity). Without
      // the limit all 60 would arrive.
      const drained = Math.ceil(sendMs[engine] / 16);
      console.log(
        `limit, ${engine}: the burst took ${sendMs[engine].toFixed(0)} ms to send; ${got[engine]} delivered`,
      );
      expect(got[engine], engine).toBeGreaterThanOrEqual(10);
      expect(got[engine], engine).toBeLessThanOrEqual(Math.min(10 + drained + 2, n - 10));
    }
  });

  it('a change replaces the model before entirely: nothing of it stays', async () => {
    // netem keeps what a change does not name (corrupt, reorder, rate, correlations): netemArgs
    // names them at zero. Before that, these came through 100 kbit/s and a fifth were lost.
    // What stays is read where each engine keeps its model (the kernel's qdisc, linkd's decisions),
    // and on the wire: all delivered, and no rate left (it would add 87 ms). Replies out of order
    // are printed, not asserted: under TCG a vCPU that stalls 20 ms swaps two with no impairment
    // (CI once saw 1 of 40 through the relay with a fixed delay, whose queue cannot reorder).
    const n = 40;
    const got = {} as Record<Engine, { received: number; reordered: number; added: number; least: number }>;
    let relayDecided: Record<string, number> = {};
    let relayDelays = new Set<number>();
    await measureFloors();
    for (const engine of ENGINES) {
      const lab = labs[engine];
      await impairUp(
        lab,
        'delay 10ms 5ms distribution normal loss 5% 25% reorder 10% corrupt 20% rate 100kbit',
      );
      await impairUp(lab, 'delay 20ms');
      if (engine === 'netem') {
        const options = (await netemQdisc(lab, 'ls'))?.options ?? {};
        expect(
          Object.keys(options).filter((k) => LEFT_BEHIND.has(k)),
          'netem options',
        ).toEqual([]);
        expect(options.delay, 'netem delay').toMatchObject({ delay: 0.02, jitter: 0 });
      }
      // 1000 B every 20 ms: a rate of 100 kbit/s left behind would add 87 ms to each.
      const r = await udp(lab, { count: n, size: 1000, intervalMs: 20, window: n, timeoutMs: 10_000 });
      const rtts = samples(r);
      got[engine] = {
        received: r.received,
        reordered: r.reordered,
        added: p50(rtts) - base[engine],
        least: Math.min(...rtts) - base[engine],
      };
      if (engine === 'relay') {
        relayDecided = (await lab.linkd!.call({ cmd: 'stats' })).stats.up.total;
        relayDelays = new Set(
          upProbes((await lab.linkd!.call({ cmd: 'record', since: 0, limit: 20_000 })).records).map(
            (r) => r.delayMs,
          ),
        );
      }
    }
    rows.push({
      impairment: 'everything, then delay 20ms',
      measured: `delivered of ${n}; RTT p50 added`,
      configured: `${n}; 20 ms`,
      netem: `${got.netem.received}; ${got.netem.added.toFixed(1)} ms (${got.netem.reordered} out of order)`,
      relay: `${got.relay.received}; ${got.relay.added.toFixed(1)} ms (${got.relay.reordered} out of order)`,
    });
    // linkd decided nothing but the delay for any frame of the up direction.
    expect(relayDecided, 'relay decisions').toMatchObject({
      droppedLoss: 0,
      droppedQueue: 0,
      duplicated: 0,
      reordered: 0,
      corrupted: 0,
    });
    expect(relayDecided.received, 'relay decisions').toBeGreaterThanOrEqual(n);
    // No rate left behind (it would queue every datagram 87 ms): the relay delayed each frame by
    // 20 ms exactly, its record says; netem's qdisc holds no rate (above). Not from the RTTs' upper
    // end: a slow spell of the emulated machine added 34-101 ms to all of them (CI9, CI17). On the
    // wire: everything delivered, and no sooner than the delay.
    expect([...relayDelays], 'relay delays decided').toEqual([20]);
    for (const engine of ENGINES) {
      expect(got[engine].received, engine).toBe(n);
      expect(got[engine].least, engine).toBeGreaterThanOrEqual(15);
    }
  });

  it('replay: a run recorded on the relay engine gives the netem engine its losses, seq by seq', async () => {
    await impairUp(labs.relay, 'loss 30%');
    // A reply is given 2 s: the emulated machine has stalled a client past 500 ms (CI20 counted a
    // reply the relay had forwarded as lost). Eight in flight, so the losses' waits overlap.
    const measure = { count: 60, timeoutMs: 2000, window: 8 };
    const lostIn = (r: UdpResult): number[] => r.rtts.flatMap((x, seq) => (x === null ? [seq] : []));
    const firstRun = await udp(labs.relay, measure);
    const first = lostIn(firstRun);
    const { records } = await labs.relay.linkd!.call({ cmd: 'record', since: 0, limit: 20_000 });
    // What the relay decided, seq by seq: the replay gives netem exactly these.
    const decided = upProbes(records)
      .filter((r) => r.fate === 'lost')
      .map((r) => r.seq)
      .sort((a, b) => a - b);
    const { model } = await labs.relay.linkd!.call({ cmd: 'show' });
    const file = replayFromRecords(records, model, 'netem-suite');
    await labs.netem.linkd!.call({ cmd: 'reset' });
    await labs.netem.linkd!.call({ cmd: 'replay', file });
    const againRun = await udp(labs.netem, measure);
    const again = lostIn(againRun);
    const { report } = await labs.netem.linkd!.call({ cmd: 'replay' });
    await labs.netem.linkd!.call({ cmd: 'replay', file: null });
    // 60 requests at 30% (the replies come back clean): 18 ± 3.5 lost (99.9%: 7–30).
    expect(first.length).toBeGreaterThanOrEqual(7);
    expect(first.length).toBeLessThanOrEqual(30);
    const late = `replies after the timeout: ${firstRun.late}, then ${againRun.late}`;
    expect(first, `the relay's client, against its record; ${late}`).toEqual(decided);
    expect(again, `netem's client, against the relay's record; ${late}`).toEqual(decided);
    expect(report?.differed).toBe(0);
    rows.push({
      impairment: 'replay of loss 30%',
      measured: 'seqs lost, the same',
      configured: String(first.length),
      netem: String(again.length),
      relay: String(first.length),
    });
  });

  it('outage: nothing gets through', async () => {
    const got = {} as Record<Engine, number>;
    for (const engine of ENGINES) {
      await impairUp(labs[engine], 'outage');
      got[engine] = (await udp(labs[engine], { count: 30, window: 30 })).received;
    }
    rows.push({
      impairment: 'outage',
      measured: 'delivered of 30',
      configured: '0',
      netem: String(got.netem),
      relay: String(got.relay),
    });
    expect(got).toEqual({ netem: 0, relay: 0 });
  });
});
