// The netns backend: a whole lab as network namespaces on this machine (root, no Docker), through
// the same StartedLab as the containers. Also where the link's replay rules are proven end to end
// with the kernel's own traffic: per-flow fates whatever else crosses, and an outage scenario
// that drops exactly what was sent during it.
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROGRAM as TCP_ECHO_CLIENT } from '../../../src/apps/tcp-echo-client.ts';
import { PROGRAM as UDP_ECHO_CLIENT } from '../../../src/apps/udp-echo-client.ts';
import { startBackground, waitListening } from '../../../src/lab/host-processes.ts';
import { netnsUnavailable } from '../../../src/lab/netns/netns-lab.ts';
import { runProgram } from '../../../src/lab/run-program.ts';
import { runningLabs, type StartedLab, startLab } from '../../../src/lab/start-lab.ts';
import { parseScenario } from '../../../src/link/model/scenario.ts';
import { expectSeedTools, useSeedTools } from '../../helpers/seed-tools.ts';
import { ROOT, run, spawnCollecting } from '../../support/programs.ts';

const unavailable = await netnsUnavailable();

const udpEcho = (lab: StartedLab, count: number, interval = 5) =>
  runProgram(lab.client, UDP_ECHO_CLIENT, {
    host: 'server',
    count,
    interval,
    timeout: 3000,
    'per-seq': true,
  });

/** Each UDP probe's fate on the link, by direction and sequence number (not by arrival time). */
const udpFates = async (lab: StartedLab): Promise<string[]> =>
  (await lab.linkRecord())
    .filter((r) => r.proto === 'udp' && r.seq >= 0)
    .sort((a, b) => a.dir.localeCompare(b.dir) || a.seq - b.seq)
    .map((r) => `${r.dir} ${r.seq} ${r.fate}`);

describe.skipIf(unavailable !== null)(
  `the netns backend${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let lab: StartedLab;
    beforeAll(async () => {
      lab = await startLab({ backend: 'netns', impair: 'delay 2ms loss 20%', seed: 9 });
    });
    afterAll(async () => {
      await lab?.down();
    });

    it('has the containers’ addresses and names, and nothing but the link between client and server', async () => {
      expect(lab.backend).toBe('netns');
      expect((await lab.client.exec(['getent', 'hosts', 'server'])).stdout).toMatch(
        /^198\.19\.0\.2\s+server/,
      );
      expect((await lab.server.exec(['getent', 'hosts', 'client'])).stdout).toMatch(
        /^198\.19\.0\.1\s+client/,
      );
      expect((await lab.client.exec(['ip', '-o', '-4', 'addr', 'show', 'dev', 'lab0'])).stdout).toContain(
        '198.19.0.1/24',
      );
      // The only routes the client has: its underlay to the link and the lab subnet over lab0.
      const routes = (await lab.client.exec(['ip', '-o', 'route'])).stdout;
      expect(routes).not.toMatch(/default/);
      expect(routes).toMatch(/198\.19\.0\.0\/24 dev lab0/);
    });

    it('gives a UDP flow the same fates for the same seed with or without a ping and a TCP exchange before it', async () => {
      await lab.resetLink();
      const alone = await udpEcho(lab, 100);
      const fatesAlone = await udpFates(lab);
      await lab.resetLink();
      await lab.client.exec(['ping', '-c', '3', '-i', '0.2', '-W', '1', 'server']);
      const tcp = await runProgram(lab.client, TCP_ECHO_CLIENT, { host: 'server', count: 5 });
      expect(tcp.intact).toBe(true);
      const after = await udpEcho(lab, 100);
      expect(await udpFates(lab)).toEqual(fatesAlone);
      expect(after.lostSeqs).toEqual(alone.lostSeqs);
      // 20% each way: the flow did lose something, inside the 99.9% interval (checked by compare's
      // verdicts elsewhere); here what matters is that both runs agree frame by frame.
      expect(fatesAlone.filter((f) => f.endsWith('lost')).length).toBeGreaterThan(0);
    });

    it('an outage drops exactly what was sent during it, one block, as the link recorded; TCP delivers across it', async () => {
      await lab.impair({ impair: 'none' });
      await lab.resetLink();
      // The outage begins 600 ms after the scenario starts and lasts 500 ms; the client sends every
      // 10 ms from before it until after it.
      await lab.scenario(parseScenario('outage', '0s none; 600ms outage; 1100ms none'));
      const udp = await udpEcho(lab, 200, 10);
      const records = (await lab.linkRecord()).filter((r) => r.proto === 'udp' && r.seq >= 0);
      const inOutage = [...new Set(records.filter((r) => r.fate === 'outage').map((r) => r.seq))].sort(
        (a, b) => a - b,
      );
      // Nothing else was lost: the client's losses are exactly the outage's, and they are contiguous.
      expect(udp.lostSeqs).toEqual(inOutage);
      expect(inOutage.length).toBeGreaterThan(0);
      expect(inOutage.at(-1)! - inOutage[0]! + 1).toBe(inOutage.length);
      expect(records.filter((r) => r.fate !== 'forwarded' && r.fate !== 'outage')).toEqual([]);

      await lab.scenario(parseScenario('outage', '0s none; 300ms outage; 1300ms none'));
      const tcp = await runProgram(lab.client, TCP_ECHO_CLIENT, {
        host: 'server',
        count: 60,
        interval: 25,
        timeout: 60_000,
      });
      expect(tcp).toMatchObject({ intact: true, received: 60 });
      const stats = await lab.linkStats();
      expect(stats.up.byProtocol.tcp.droppedOutage + stats.down.byProtocol.tcp.droppedOutage).toBeGreaterThan(
        0,
      );
      expect((await lab.show()).scenario).toMatchObject({ step: 3, next: null });
    });

    it('a jail reads its processes and sockets from /proc as ss and ps see them, and reaps what ends', async () => {
      const MiB = 1024 ** 2;
      await using jail = await lab.server.jail({
        name: 'proc-reads',
        budget: { memoryBytes: 512 * MiB, processes: 64, cpus: 1, diskBytes: 64 * MiB, tmpBytes: 16 * MiB },
      });
      const inspect = jail.inspect!;
      const port = 12_346;
      // A UDP socket bound and a TCP one listening on the same port, as a student's server would.
      const serve = `import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('0.0.0.0', ${port}))
t = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); t.bind(('::', ${port})); t.listen()
time.sleep(60)`;
      const pid = await startBackground(jail, ['python3', '-c', serve], `${jail.home}/serve.log`);
      expect(await waitListening(jail, 'udp', port, pid, 15_000)).toBe('listening');
      expect(await waitListening(jail, 'tcp', port, pid, 15_000)).toBe('listening');
      const ss = await jail.exec(['sh', '-c', `ss -Hln 'sport = :${port}' | wc -l`]);
      expect(ss.stdout.trim()).toBe('2');
      expect(await inspect.listening('udp', port + 1)).toBe(false);
      expect(await inspect.alive(pid)).toBe(true);
      expect(await inspect.alive(pid + 1000)).toBe(false);
      // Killed, it is gone at once: the jail's first process reaps it (no zombie for kill -0 to see).
      await jail.exec(['kill', '-9', String(pid)]);
      const t0 = Date.now();
      while ((await inspect.alive(pid)) && Date.now() - t0 < 10_000)
        await new Promise((r) => setTimeout(r, 20));
      expect(await inspect.alive(pid)).toBe(false);
      expect(await inspect.listening('udp', port)).toBe(false);
      // Its processes by user, as ps counts them: a program's user, then none once it is killed.
      const other = await startBackground(
        jail,
        ['setpriv', '--reuid=54321', '--regid=54321', '--clear-groups', 'sleep', '30'],
        `${jail.home}/sleep.log`,
      );
      // setsid and setpriv run as root for a moment before sleep runs as the user: wait for it.
      while (!(await inspect.users()).includes(54321) && Date.now() - t0 < 20_000)
        await new Promise((r) => setTimeout(r, 20));
      const ps = await jail.exec(['sh', '-c', 'ps -eo uid= | grep -c 54321']);
      expect(ps.stdout.trim()).toBe('1');
      expect((await inspect.users()).filter((u) => u === 54321)).toEqual([54321]);
      await jail.exec(['kill', '-9', String(other)]);
      while ((await inspect.alive(other)) && Date.now() - t0 < 30_000)
        await new Promise((r) => setTimeout(r, 20));
      expect((await inspect.users()).filter((u) => u !== 0)).toEqual([]);
      const states = await jail.exec(['ps', '-eo', 'stat=']);
      expect(states.stdout.split('\n').filter((s) => s.startsWith('Z'))).toEqual([]);
      expect((await jail.exec(['kill', '-0', String(pid)])).exitCode).not.toBe(0);
    });

    it('has the seed notes’ tools: traceroute (one hop), telnet, ifconfig, netstat, ss, curl, tcpdump', async () => {
      await lab.impair({ impair: 'none' });
      expectSeedTools(await useSeedTools(lab));
    });
  },
);

describe.skipIf(unavailable !== null)('the netns backend, from the CLI', () => {
  const socklab = (args: string[]) =>
    run(process.execPath, [`${ROOT}src/cli/socklab.ts`, ...args], '', 60_000);

  it('up, run compare, status, down: every verdict passes and nothing is left', async () => {
    const project = `nt-cli-${process.pid}`;
    const up = await socklab([
      'up',
      '--backend',
      'netns',
      '--project',
      project,
      '--impair',
      'delay 3ms loss 10%',
      '--json',
    ]);
    expect(up.code, up.stderr).toBe(0);
    try {
      const r = await socklab(['run', 'compare', '--count', '100', '--project', project, '--json']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).verdicts.filter((v: { status: string }) => v.status === 'fail')).toEqual(
        [],
      );
      expect((await socklab(['status'])).stdout).toMatch(
        new RegExp(`^${project} \\(netns\\): engine relay; up: delay 3ms loss 10%`, 'm'),
      );
    } finally {
      expect((await socklab(['down', '--project', project])).code).toBe(0);
    }
    expect((await runningLabs()).map((l) => l.project)).not.toContain(project);
    expect(existsSync(`/run/netns/${project}-c`)).toBe(false);
    expect(existsSync(`/etc/netns/${project}-c`)).toBe(false);
  });

  it('a CLI killed with SIGKILL in the middle of up leaves what `down --all` removes entirely', async () => {
    const project = `nt-kill-${process.pid}`;
    // `down --all` removes every lab it can see: this test sees only its own (a scope of its own),
    // not those of the suites running beside it.
    const scope = `test-${process.pid}`;
    const stateRoot = `/run/socklab/netns-${scope}`;
    const env = { ...process.env, SOCKLAB_SCOPE: scope };
    const up = spawnCollecting(
      process.execPath,
      [`${ROOT}src/cli/socklab.ts`, 'up', '--backend', 'netns', '--project', project],
      { env },
    );
    // Killed as soon as its namespaces exist, before linkd is up: the worst moment.
    const end = Date.now() + 20_000;
    while (!existsSync(`/run/netns/${project}-s`) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 2));
    up.child.kill('SIGKILL');
    await up.exited;
    expect(readdirSync(stateRoot)).toEqual([project]);
    const down = await run(process.execPath, [`${ROOT}src/cli/socklab.ts`, 'down', '--all'], '', 60_000, env);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toBe(`removed ${project}\n`);
    expect(readdirSync('/run/netns').filter((n) => n.startsWith(project))).toEqual([]);
    expect(readdirSync(stateRoot)).toEqual([]);
    expect(existsSync(`/etc/netns/${project}-l`)).toBe(false);
    const ps = await run('ps', ['-eo', 'args']);
    expect(ps.stdout).not.toContain(`/run/socklab/netns/${project}/`);
  });
});
