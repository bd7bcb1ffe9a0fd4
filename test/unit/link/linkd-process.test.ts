// linkd and linkctl as the lab runs them: processes, a control socket, one-line errors.

import { createSocket } from 'node:dgram';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { probeNetem } from '../../../src/link/control/netem-engine.ts';
import { vxlanUdpFrame } from '../../../src/link/relay/frame-builder.ts';
import { chooseDataPlane, dataPlaneText } from '../../../src/link/relay/native-data-plane.ts';
import type { ThreadPriority } from '../../../src/link/relay/thread-priority.ts';
import { isOneLineError, ROOT, run, start } from '../../support/programs.ts';
import { parseThreadStats, type ThreadSched } from '../../support/thread-sched.ts';

const LINKD = `${ROOT}src/link/linkd.ts`;
const LINKCTL = `${ROOT}src/link/linkctl.ts`;
const linkd = (args: string[]) => run(process.execPath, [LINKD, ...args]);
const linkctl = (control: string, args: string[]) =>
  run(process.execPath, [LINKCTL, '--control', control, ...args]);

describe('linkd: bad input is one line per problem and a non-zero exit', () => {
  it.each([
    [['--peer', 'a'], /needs at least two --peer options .* got 1; e.g. --peer client --peer server/],
    [['--peer', 'a', '--peer', 'b', '--clients', '0'], /--clients must be .*1.*8/],
    [['--peer', 'a', '--peer', 'b', '--clients', '300'], /--clients must be .*1.*8/],
    [
      ['--peer', 'a', '--peer', 'a2', '--peer', 'b', '--clients', '3'],
      /--clients 3 does not match the 2 client peers given/,
    ],
    [
      ['--peer', 'a', '--peer', 'b', '--lab-address', '198.19.0.1'],
      /give --lab-address for every peer .* 2 peers, 1 addresses/,
    ],
    [['--peer', 'a', '--peer', 'b', '--engine', 'tc'], /--engine must be relay or netem, got 'tc'/],
    [
      ['--peer', 'a', '--peer', 'b', '--impair', 'loss 140%'],
      /^linkd: loss must be 0–100%, got 140%; e.g. loss 10%$/m,
    ],
    [['--peer', 'a', '--peer', 'b', '--up', 'delay 40'], /^linkd: up: delay needs a time, '40' needs a unit/],
    [['--peer', 'a:99999', '--peer', 'b'], /--peer must be HOST or HOST:PORT, got 'a:99999'/],
    [['--peer', 'a', '--peer', 'b', '--listen', 'nowhere'], /--listen must be ADDR:PORT, got 'nowhere'/],
  ])('%j', async (args, message) => {
    const r = await linkd(args);
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(message);
  });

  it('a listen port in use', async () => {
    const taken = createSocket('udp4');
    await new Promise<void>((r) => taken.bind(0, '127.0.0.1', r));
    const r = await linkd([
      '--peer',
      '127.0.0.1:1',
      '--peer',
      '127.0.0.1:2',
      '--listen',
      `127.0.0.1:${taken.address().port}`,
    ]);
    taken.close();
    expect(r.code).toBe(1);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/is already in use/);
  });
});

/** How the kernel schedules each of a process's threads named like `pattern`, from /proc. */
function threads(pid: number, pattern: RegExp): ThreadSched[] {
  const text = readdirSync(`/proc/${pid}/task`)
    .map((tid) => readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'))
    .join('\n');
  return parseThreadStats(text).filter((t) => pattern.test(t.name));
}

describe('linkd: its forwarding threads’ priority', () => {
  const startLinkd = async (prefix: string[], control: string) =>
    start(
      prefix[0] ?? process.execPath,
      [
        ...prefix.slice(1),
        ...(prefix.length ? [process.execPath] : []),
        LINKD,
        '--peer',
        '127.0.0.1:1',
        '--peer',
        '127.0.0.1:2',
        '--listen',
        '127.0.0.1:0',
        '--control',
        control,
      ],
      /linkd: relaying VXLAN/,
    );

  // What the kernel says the forwarding threads got, and what `linkctl show` says, started under
  // `prefix`. Both peers on one address: one thread forwards both directions (`linkd up+down`).
  const startedUnder = async (prefix: string[]) => {
    const control = join(tmpdir(), `socklab-priority-${process.pid}.sock`);
    await using d = await startLinkd(prefix, control);
    await vi.waitUntil(() => threads(d.child.pid!, /^linkd /).length > 0, { timeout: 10_000 });
    const show = (await linkctl(control, ['show'])).stdout;
    return {
      forwarding: threads(d.child.pid!, /^linkd /).map(({ policy, rtPriority, nice }) => ({
        policy,
        rtPriority,
        nice,
      })),
      main: threads(d.child.pid!, /^MainThread$/).map(({ policy, nice }) => ({ policy, nice })),
      priority: show.slice(show.lastIndexOf('; forwarding threads') + 2).trim(),
    };
  };
  const SCHED_OTHER = 0;
  const SCHED_RR = 2;

  it.runIf(process.getuid?.() === 0)(
    'runs them under SCHED_RR at priority 1 (the link does not wait for the ends’ CPU), only them',
    async () => {
      const r = await startedUnder([]);
      expect(r.forwarding).toEqual([{ policy: SCHED_RR, rtPriority: 1, nice: 0 }]);
      // The main thread (control, resolving names) keeps the default.
      expect(r.main).toEqual([{ policy: SCHED_OTHER, nice: 0 }]);
      expect(r.priority).toBe('forwarding threads at real-time priority 1 (SCHED_RR)');
    },
  );

  it.runIf(process.getuid?.() === 0)(
    'where real time is refused, at the nice value asked for; where that is refused too, at the default; show says which and why',
    async () => {
      // No CAP_SYS_NICE: real time is refused, and a nice value below the default (ordinary
      // processes may lower their own priority: 5 here) is granted.
      const niceOnly = await startedUnder([
        'env',
        'SOCKLAB_LINKD_NICE=5',
        'setpriv',
        '--bounding-set=-sys_nice',
        '--',
      ]);
      expect(niceOnly.forwarding).toEqual([{ policy: SCHED_OTHER, rtPriority: 0, nice: 5 }]);
      expect(niceOnly.priority).toBe(
        'forwarding threads at nice 5 (real-time priority 1 was refused: EPERM; the link host needs CAP_SYS_NICE, and where the kernel budgets real time per cgroup (CONFIG_RT_GROUP_SCHED) a budget for its cgroup, or SOCKLAB_LINKD_RT=0)',
      );
      const neither = await startedUnder([
        'prlimit',
        '--rtprio=0',
        '--nice=0',
        '--',
        'setpriv',
        '--bounding-set=-sys_nice',
        '--',
      ]);
      expect(neither.forwarding).toEqual([{ policy: SCHED_OTHER, rtPriority: 0, nice: 0 }]);
      expect(neither.priority).toBe(
        'forwarding threads at the default priority (real-time priority 1 was refused: EPERM; nice -10 was refused: EACCES; the link host needs CAP_SYS_NICE, and where the kernel budgets real time per cgroup (CONFIG_RT_GROUP_SCHED) a budget for its cgroup, or SOCKLAB_LINKD_RT=0 SOCKLAB_LINKD_NICE=0)',
      );
      // Real time not asked for: nice -10, as asked.
      const asked = await startedUnder(['env', 'SOCKLAB_LINKD_RT=0']);
      expect(asked.forwarding).toEqual([{ policy: SCHED_OTHER, rtPriority: 0, nice: -10 }]);
      expect(asked.priority).toBe('forwarding threads at nice -10');
    },
  );

  it.each([
    [
      'SOCKLAB_LINKD_RT',
      'high',
      /SOCKLAB_LINKD_RT must be a whole number from 0 to 99 .* got 'high'; e.g. SOCKLAB_LINKD_RT=0/,
    ],
    [
      'SOCKLAB_LINKD_NICE',
      '-30',
      /SOCKLAB_LINKD_NICE must be a whole number from -20 to 19 .* got '-30'; e.g. SOCKLAB_LINKD_NICE=0/,
    ],
  ])('refuses %s=%s (not a priority of its kind), in one line', async (name, value, says) => {
    const r = await run(
      process.execPath,
      [LINKD, '--peer', '127.0.0.1:1', '--peer', '127.0.0.1:2', '--listen', '127.0.0.1:0'],
      '',
      30_000,
      { ...process.env, [name]: value },
    );
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(says);
  });
});

describe('linkctl drives a running linkd without restarting it', () => {
  it('show, set, stats, record, capture, reset', async () => {
    const control = join(tmpdir(), `socklab-linkctl-${process.pid}.sock`);
    const a = createSocket('udp4');
    const b = createSocket('udp4');
    await Promise.all([a, b].map((s) => new Promise<void>((r) => s.bind(0, '127.0.0.1', r))));
    let atB = 0;
    b.on('message', () => atB++);
    await using d = await start(
      process.execPath,
      [
        LINKD,
        '--peer',
        `127.0.0.1:${a.address().port}`,
        '--peer',
        `127.0.0.1:${b.address().port}`,
        '--listen',
        '127.0.0.1:0',
        '--control',
        control,
        '--up',
        'loss 100%',
      ],
      /linkd: relaying VXLAN on 127\.0\.0\.1:(\d+)/,
    );
    // Waits until linkd has received what was sent and b has every frame linkd forwarded: an
    // exact account, not a pause that a busy machine might outlast.
    let sent = 0;
    const send = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++)
        a.send(vxlanUdpFrame({ payload: Buffer.from(`${i}:x`) }), d.port, '127.0.0.1');
      sent += n;
      await vi.waitUntil(
        async () => {
          const st = JSON.parse((await linkctl(control, ['stats'])).stdout).stats;
          return st.up.total.received === sent && st.inFlight === 0 && atB === st.up.total.forwarded;
        },
        { timeout: 20_000, interval: 20 },
      );
    };
    // The data plane is named: native where native/build.sh built it, Node's dgram and why otherwise.
    // Its forwarding threads under SCHED_RR where it may raise them (root, CAP_SYS_NICE).
    const priority: ThreadPriority =
      process.getuid?.() === 0
        ? { got: { realtime: 1 }, refused: [] }
        : {
            got: { nice: 0 },
            refused: [
              { what: 'realtime', asked: 1, code: 'EPERM' },
              { what: 'nice', asked: -10, code: 'EACCES' },
            ],
          };
    expect((await linkctl(control, ['show'])).stdout).toBe(
      `up: loss 100%; down: none; seed 1 (engine relay)\ndata plane: ${dataPlaneText({ ...chooseDataPlane('auto'), priority })}\n`,
    );
    // raw, the Docker backend's transport: exactly one line per request, in order, nothing between
    // (an empty line after each once paired a reply with the wrong request on the live view).
    const raw = await run(
      process.execPath,
      [LINKCTL, '--control', control, 'raw'],
      '{"cmd":"show"}\n{"cmd":"stats"}\n{"cmd":"record","since":0,"limit":1}\n',
    );
    const lines = raw.stdout.split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => Object.keys(JSON.parse(l))[1])).toEqual([
      'model',
      'stats',
      'records',
    ]);
    await send(10);
    expect(atB).toBe(0);
    const set = await linkctl(control, ['set', '--up', 'none']);
    expect(set.stdout).toBe('up: none; down: none; seed 1\n');
    const pcap = join(tmpdir(), `socklab-linkctl-${process.pid}.pcap`);
    expect((await linkctl(control, ['capture', 'start', pcap])).code).toBe(0);
    await send(10);
    expect(atB).toBe(10);
    const stopped = JSON.parse((await linkctl(control, ['capture', 'stop'])).stdout);
    expect(stopped.capture).toEqual({ path: pcap, frames: 10 });
    expect(existsSync(pcap) && readFileSync(pcap).length).toBeGreaterThan(100);
    const stats = JSON.parse((await linkctl(control, ['stats'])).stdout).stats;
    expect(stats.up.total).toMatchObject({ received: 20, forwarded: 10, droppedLoss: 10 });
    const records = (await linkctl(control, ['record', '--since', '15'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((r) => r.n)).toEqual([16, 17, 18, 19, 20]);
    const bad = await linkctl(control, ['set', '--impair', 'loss 140%']);
    // An invalid impairment is input that breaks a rule (impairment.invalid): exit 2.
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('linkctl: loss must be 0–100%, got 140%; e.g. loss 10%\n');
    await linkctl(control, ['reset']);
    expect(JSON.parse((await linkctl(control, ['stats'])).stdout).stats.up.total.received).toBe(0);
    a.close();
    b.close();
  });

  it('says where it looked when linkd is not there', async () => {
    const r = await linkctl('/tmp/socklab-no-such-linkd.sock', ['show']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^linkctl: cannot reach linkd's control socket \/tmp\/socklab-no-such-linkd\.sock \(ENOENT\)/,
    );
  });
});

// The netem engine needs the kernel's sch_netem; the probe says whether this machine has it.
const netemMissing = await probeNetem().then(
  () => null,
  (err: Error) => err.message,
);

describe('netem engine', () => {
  it.runIf(netemMissing !== null)(
    'where sch_netem is missing, linkd --engine netem stops with one line that names the relay engine',
    async () => {
      const r = await linkd([
        '--peer',
        '127.0.0.1:1',
        '--peer',
        '127.0.0.1:2',
        '--engine',
        'netem',
        '--impair',
        'delay 10ms',
      ]);
      expect(r.code).toBe(1);
      expect(isOneLineError(r.stderr)).toBe(true);
      expect(r.stderr).toMatch(
        /the netem engine needs the kernel's sch_netem .*; use the relay engine \(--engine relay\)/,
      );
    },
  );
  // Where sch_netem exists, the netem engine's effects are measured by test/netem (npm run
  // test:netem, in a VM whose kernel has it), side by side with the relay.
});
