// The classroom path: plain `docker-compose up` with every default (no socklab, no LAB_* set).
// The client runs the demo through "delay 10ms loss 10%" each way, then the lab stays usable
// with `docker-compose exec client …`. Run with Compose v1 (Debian 12's docker-compose), which
// classrooms on older machines still have; every other suite runs Compose v2.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { demux } from '../../src/experiments/demux.ts';
import { COMPOSE_V1, compose } from '../../src/lab/docker/compose-cli.ts';
import { containerLogs, serviceContainers } from '../../src/lab/docker/docker-engine.ts';
import { attachLab } from '../../src/lab/start-lab.ts';
import { binomialInterval } from '../helpers/stats.ts';

const project = `socklab-class-${process.pid}`;
// Only what a student's shell would have: none of the lab's settings.
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('LAB_') && k !== 'SOCKLAB_IMAGE'),
) as Record<string, string>;
const READY = /socklab-client: ready: docker compose exec client bash/;

/** A row of the demo's table: the UDP and TCP cells after its label. */
function row(log: string, label: string): [string, string] {
  const line = log.split('\n').find((l) => l.startsWith(label));
  expect(line, `the demo printed no '${label}' row:\n${log}`).toBeDefined();
  const cells = line!
    .slice(label.length)
    .trim()
    .split(/\s{2,}/);
  return [cells[0]!, cells[1]!];
}

describe('docker compose up, as a class runs it', () => {
  afterAll(async () => {
    await compose(project, ['down', '-v', '-t', '1'], env, 120_000, COMPOSE_V1).catch(() => {});
  });

  it('the client shows UDP losing what the link dropped and TCP delivering all, then stays usable', async () => {
    // Without -d Compose would follow the logs until Ctrl-C; a class does that in a terminal.
    await compose(project, ['up', '-d'], env, 600_000, COMPOSE_V1);
    const client = (await serviceContainers(project)).get('client')!;
    let log = '';
    await vi
      .waitUntil(
        async () => {
          log = await containerLogs(client, 100);
          return READY.test(log);
        },
        { timeout: 180_000, interval: 500 },
      )
      .catch(() => expect.fail(`the demo did not finish:\n${log}`));
    expect(log).not.toMatch(/did not complete/);

    const [udpSent, tcpSent] = row(log, 'messages sent');
    expect([udpSent, tcpSent]).toEqual(['200', '200']);
    // An echo comes back when neither direction loses it: p = 0.9 × 0.9.
    const udpBack = Number(row(log, 'came back')[0].split(' ')[0]);
    const [lo, hi] = binomialInterval(200, 0.81, 0.999);
    expect(udpBack).toBeGreaterThanOrEqual(lo);
    expect(udpBack).toBeLessThanOrEqual(hi);
    expect(row(log, 'came back')[1]).toBe('200 (100.0%)');
    expect(row(log, 'every byte intact, in order')).toEqual(['no', 'yes']);
    // 200 messages each way at 10% loss: no retransmission has a chance below 1e-18.
    expect(Number(row(log, 'TCP retransmissions (client kernel)')[1])).toBeGreaterThan(0);
    // 10 ms each way: no echo comes back sooner than 20 ms.
    expect(Number.parseFloat(row(log, 'RTT p50 / p99')[0])).toBeGreaterThanOrEqual(20);

    // The lab stays usable: the textbook's `ping server` from the client, through the link.
    const ping = await compose(
      project,
      ['exec', '-T', 'client', 'ping', '-c', '10', '-i', '0.2', 'server'],
      env,
      120_000,
      COMPOSE_V1,
    )
      .then((r) => r.stdout)
      .catch((err: Error) => err.message);
    // Ten pings each lost with p = 0.19: all lost has a chance of 6e-8.
    expect(ping).toMatch(/10 packets transmitted, [1-9]\d* received/);
    expect(ping).toMatch(/from server \(198\.19\.0\.2\)/);
  });
});

// LAB_CLIENTS=3 as a class would set it, under both Compose versions: the client service's replicas
// are client, client2, client3, each with its own address and path; only client2's is lossy.
describe.each([
  ['v2', undefined],
  ['v1', COMPOSE_V1],
] as const)('LAB_CLIENTS=3 LAB_PATHS=… docker compose up (Compose %s)', (label, using) => {
  const many = `socklab-class3${label}-${process.pid}`;
  const env3 = {
    ...env,
    LAB_CLIENTS: '3',
    LAB_PATHS: 'client2: loss 30%',
    LAB_IMPAIR: '',
    LAB_DEMO: 'off',
    LAB_SEED: '7',
  };
  afterAll(async () => {
    await compose(many, ['down', '-v', '-t', '1'], env3, 120_000, using).catch(() => {});
  });

  it('three clients reach the server by name; only client2 loses, within its interval', async () => {
    await compose(many, ['up', '-d'], env3, 600_000, using);
    const containers = await serviceContainers(many);
    expect([...containers.keys()].filter((k) => k.startsWith('client')).sort()).toEqual([
      'client',
      'client2',
      'client3',
    ]);
    for (const [k, name] of ['client', 'client2', 'client3'].entries()) {
      let log = '';
      await vi
        .waitUntil(
          async () => {
            log = await containerLogs(containers.get(name)!, 50);
            return /socklab-client: ready/.test(log);
          },
          { timeout: 120_000, interval: 500 },
        )
        .catch(() => expect.fail(`${name} did not get ready:\n${log}`));
      expect(log).toContain(`this host is ${name} in the lab`);
      expect(log).toContain(
        k === 0 ? 'docker compose exec client bash' : `docker compose exec --index ${k + 1} client bash`,
      );
    }
    const r = await demux(await attachLab(many, 'docker'), { count: 200 });
    expect(r.verdicts.filter((v) => v.status === 'fail')).toEqual([]);
    expect(r.clients.map((c) => c.udp.received === 200)).toEqual([true, false, true]);
    const [lo, hi] = binomialInterval(200, 0.49, 0.999);
    expect(r.clients[1]!.udp.received).toBeGreaterThanOrEqual(lo);
    expect(r.clients[1]!.udp.received).toBeLessThanOrEqual(hi);
    // The server's names are the clients' own; Compose's index reaches the third replica.
    const hosts = await compose(
      many,
      ['exec', '-T', 'server', 'getent', 'hosts', 'client3'],
      env3,
      60_000,
      using,
    );
    expect(hosts.stdout).toMatch(/^198\.19\.0\.4\s+client3/);
    const lab0 = await compose(
      many,
      ['exec', '-T', '--index', '3', 'client', 'ip', '-o', '-4', 'addr', 'show', 'dev', 'lab0'],
      env3,
      60_000,
      using,
    );
    expect(lab0.stdout).toContain('198.19.0.4/24');
  });
});
