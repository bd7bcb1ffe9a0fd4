// The lab on a real Docker engine: three containers, two internal networks, the link between.
// In CI this suite must run, never skip: no engine is a failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROGRAM as TCP_ECHO_CLIENT } from '../../src/apps/tcp-echo-client.ts';
import { PROGRAM as UDP_ECHO_CLIENT } from '../../src/apps/udp-echo-client.ts';
import type { LabHost } from '../../src/lab/lab-host.ts';
import { runProgram } from '../../src/lab/run-program.ts';
import { type StartedLab, startLab } from '../../src/lab/start-lab.ts';
import { binomialInterval } from '../helpers/stats.ts';
import { parseThreadStats } from '../support/thread-sched.ts';

const udpMeasure = (lab: StartedLab, count: number, timeout?: number) =>
  runProgram(lab.client, UDP_ECHO_CLIENT, {
    host: 'server',
    count,
    interval: 2,
    ...(timeout ? { timeout } : {}),
  });

/** A host's underlay address: the one on neither loopback nor lab0 (the host's own view). */
async function underlayAddress(host: LabHost): Promise<string> {
  const lines = (await host.exec(['ip', '-o', '-4', 'addr'])).stdout.split('\n');
  const other = lines.find((l) => l.trim() && !/ (lo|lab0) /.test(l));
  return other?.match(/inet (\d+\.\d+\.\d+\.\d+)/)?.[1] ?? '';
}

describe('the lab', () => {
  let lab: StartedLab;

  beforeAll(async () => {
    lab = await startLab({ impair: 'loss 20%', seed: 3 });
  });
  afterAll(async () => {
    await lab?.down();
  });

  it('the client reaches the server only through the link', async () => {
    const serverUnderlay = await underlayAddress(lab.server);
    expect(serverUnderlay).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const direct = await lab.client.exec(['sh', '-c', `nc -z -w 2 ${serverUnderlay} 12000`]);
    expect(direct.exitCode).not.toBe(0);
    const routes = await lab.client.exec(['ip', '-o', 'route']);
    expect(routes.stdout).not.toContain(serverUnderlay.split('.').slice(0, 3).join('.'));
    // Through 20% loss each way an echo comes back with p = 0.64: 20 tries all fail with p ≈ 1e-9.
    const viaLink = await lab.client.exec([
      'sh',
      '-c',
      'for i in $(seq 20); do r=$(echo hi | nc -u -w 1 server 12000); case "$r" in *HI*) echo "$r"; break;; esac; done',
    ]);
    expect(viaLink.stdout).toContain('HI');
    expect(await lab.client.exec(['getent', 'hosts', 'server'])).toMatchObject({
      stdout: expect.stringContaining('198.19.0.2'),
    });
  });

  it('the link runs the native data plane, its forwarding threads as high as the engine lets them, and says so', async () => {
    const shown = (await lab.link.exec(['linkctl', 'show'])).stdout;
    expect(shown).toMatch(/^data plane: native \(.*\); forwarding threads at /m);
    const said = shown.slice(shown.lastIndexOf('; forwarding threads') + 2).trim();
    // What the kernel gave them, read in the link host: under SCHED_RR where its cgroup may have
    // real time, at nice -10 (CAP_SYS_NICE) where the kernel budgets real time per cgroup and the
    // engine gave the container none (a cgroup v1 Docker, as on this lab's machine).
    const stats = await lab.link.exec(['sh', '-c', 'cat /proc/[0-9]*/task/*/stat']);
    const forwarding = parseThreadStats(stats.stdout).filter((t) => /^linkd /.test(t.name));
    expect(forwarding.length).toBeGreaterThan(0);
    if (forwarding.every((t) => t.policy === 2 && t.rtPriority === 1))
      expect(said).toBe('forwarding threads at real-time priority 1 (SCHED_RR)');
    else {
      expect(forwarding.map((t) => [t.policy, t.nice])).toEqual(forwarding.map(() => [0, -10]));
      expect(said).toBe(
        'forwarding threads at nice -10 (real-time priority 1 was refused: EPERM; the link host needs CAP_SYS_NICE, and where the kernel budgets real time per cgroup (CONFIG_RT_GROUP_SCHED) a budget for its cgroup, or SOCKLAB_LINKD_RT=0)',
      );
    }
  });

  it('UDP under 20% loss each way loses inside the 99% binomial interval, and the link accounts for every loss', async () => {
    await lab.resetLink();
    const n = 1000;
    const r = await udpMeasure(lab, n);
    const [lo, hi] = binomialInterval(n, 0.8 * 0.8);
    expect(r.received).toBeGreaterThanOrEqual(lo);
    expect(r.received).toBeLessThanOrEqual(hi);
    const s = await lab.linkStats();
    expect(s.up.byProtocol.udp.droppedLoss + s.down.byProtocol.udp.droppedLoss).toBe(r.lost);
    expect(s.unintendedDrops).toBe(0);
  });

  it('1 MB over TCP through 10% loss arrives intact, with retransmissions counted by the client kernel', async () => {
    await lab.impair({ impair: 'loss 10%' });
    const before = (await lab.counters('client'))['Tcp.RetransSegs']!;
    const r = await runProgram(lab.client, TCP_ECHO_CLIENT, {
      host: 'server',
      count: 1,
      size: 1_000_000,
      timeout: 120_000,
    });
    expect(r).toMatchObject({ intact: true, bytes: 1_000_000 });
    expect((await lab.counters('client'))['Tcp.RetransSegs']!).toBeGreaterThan(before);
  });

  it('50 ms of delay each way, set at run time, gives RTT of at least 100 ms', async () => {
    const model = await lab.impair({ impair: 'delay 50ms' });
    expect(model.up.delay?.ms).toBe(50);
    const r = await udpMeasure(lab, 20, 2000);
    expect(r.received).toBe(20);
    expect(r.rttMs!.min).toBeGreaterThanOrEqual(100);
    await lab.impair({ impair: 'none' });
    await lab.resetLink();
    const clean = await udpMeasure(lab, 20);
    expect(clean.received).toBe(20);
    // Taken off at once: the link itself decided no delay for any of these frames (its own record,
    // not the RTT, which depends on how busy this machine is).
    const udp = (await lab.linkRecord()).filter((r) => r.proto === 'udp');
    expect(udp).toHaveLength(40);
    expect(udp.every((r) => r.delayMs === 0)).toBe(true);
  });

  it('a recorded run, replayed on a clean link through the exec transport, loses the same seqs', async () => {
    await lab.impair({ impair: 'loss 25%', seed: 3 });
    await lab.resetLink();
    // 2 s: lost is what the link dropped, never a reply a busy machine held past the timeout.
    const echo = { host: 'server', count: 40, interval: 5, timeout: 2000, 'per-seq': true };
    const first = await runProgram(lab.client, UDP_ECHO_CLIENT, echo);
    const file = await lab.recordReplay();
    await lab.impair({ impair: 'none' });
    await lab.resetLink();
    await lab.replay(file);
    const again = await runProgram(lab.client, UDP_ECHO_CLIENT, echo);
    // 80 datagrams at 25% each way: a seq is lost with 44%, 17.5 ± 3 of 40 (99.9%: 7–28).
    expect(first.lostSeqs.length).toBeGreaterThanOrEqual(7);
    expect(first.lostSeqs.length).toBeLessThanOrEqual(28);
    expect(again.lostSeqs, `replies after the timeout: ${first.late}, then ${again.late}`).toEqual(
      first.lostSeqs,
    );
    expect((await lab.replayReport())?.differed).toBe(0);
    await lab.replay(null);
    expect(await lab.replayReport()).toBeNull();
  });
});

describe('two labs side by side', () => {
  it('run independently under different project names', async () => {
    const [a, b] = await Promise.all([startLab({ impair: 'delay 30ms' }), startLab({})]);
    try {
      expect(a.project).not.toBe(b.project);
      const [ra, rb] = await Promise.all([udpMeasure(a, 10), udpMeasure(b, 10)]);
      expect(ra.rttMs!.min).toBeGreaterThanOrEqual(60);
      expect(rb.received).toBe(10);
      // Each link decided by its own model: a delayed every frame 30 ms, b none.
      const delays = async (l: StartedLab) =>
        new Set((await l.linkRecord()).filter((r) => r.proto === 'udp').map((r) => r.delayMs));
      expect(await delays(a)).toEqual(new Set([30]));
      expect(await delays(b)).toEqual(new Set([0]));
    } finally {
      await Promise.all([a.down(), b.down()]);
    }
  });
});

describe('netem engine', () => {
  it('is used where sch_netem exists, and otherwise refused with the reason and the relay engine as the fix', async () => {
    let lab: StartedLab | null = null;
    try {
      lab = await startLab({ engine: 'netem', impair: 'delay 20ms' });
    } catch (err) {
      // The only acceptable failure: this kernel has no sch_netem.
      expect((err as Error).message).toMatch(
        /the netem engine needs the kernel's sch_netem.*use the relay engine/,
      );
      return;
    }
    try {
      const r = await udpMeasure(lab, 10);
      expect(r.rttMs!.min).toBeGreaterThanOrEqual(40);
    } finally {
      await lab.down();
    }
  });
});
