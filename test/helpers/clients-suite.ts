// A lab of three clients, one suite for both backends (test/integration/clients.test.ts runs it on
// Docker, test/netns/lab/clients.test.ts on network namespaces): each client its own host and
// address, each on its own path; only client2's path is lossy and only client2 loses, within its
// interval; the server's one UDP socket tells the clients apart; a server that answers the wrong
// client fails the demultiplexing verdicts; a refused command changes nothing.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { concurrency } from '../../src/experiments/concurrency.ts';
import { demux } from '../../src/experiments/demux.ts';
import { startBackground, stopBackground, waitListening } from '../../src/lab/host-processes.ts';
import { type StartedLab, startLab } from '../../src/lab/start-lab.ts';
import type { Backend } from '../../src/lab/started-lab.ts';
import { formatLinkModel } from '../../src/link/model/impairment-text.ts';
import { ROOT, run, spawnCollecting } from '../support/programs.ts';
import { binomialInterval } from './stats.ts';

const SEED = 24;
const COUNT = 200;
/** The broken server's port, beside the lab's own echo server on 12000. */
const BROKEN_PORT = 12002;

/** A port for the server-to-client probe, on the client (nothing of the lab's listens there). */
const PROBE_PORT = 13000;
const ONE_ECHO =
  'import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(("",int(sys.argv[1])))\nd,a=s.recvfrom(100)\ns.sendto(d.upper(),a)';
const ASK =
  'import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.settimeout(10)\ns.sendto(b"hello from server",(sys.argv[1],int(sys.argv[2])))\nd,a=s.recvfrom(100)\nprint(d.decode(),"%s:%d"%a)';

const failed = (verdicts: { status: string; name: string; reason: string }[]) =>
  verdicts.filter((v) => v.status === 'fail').map((v) => `${v.name}: ${v.reason}`);

export function clientsSuite(backend: Backend): void {
  describe(`a lab of three clients on the ${backend} backend`, { timeout: 300_000 }, () => {
    let lab: StartedLab;
    beforeAll(async () => {
      console.log(`seed ${SEED}`);
      lab = await startLab({ backend, clients: 3, paths: { client2: { impair: 'loss 30%' } }, seed: SEED });
    }, 600_000);
    afterAll(async () => {
      await lab?.down();
    }, 120_000);

    it('has hosts client, client2, client3 with their own addresses, each reaching the server by name and back', async () => {
      expect(lab.clients.map((c) => c.name)).toEqual(['client', 'client2', 'client3']);
      expect(lab.client).toBe(lab.clients[0]);
      expect(lab.host('client3')).toBe(lab.clients[2]);
      const addresses = await Promise.all(
        lab.clients.map(
          async (c) => (await c.exec(['ip', '-o', '-4', 'addr', 'show', 'dev', 'lab0'])).stdout,
        ),
      );
      expect(addresses.map((a) => a.match(/inet (\S+)/)?.[1])).toEqual([
        '198.19.0.1/24',
        '198.19.0.3/24',
        '198.19.0.4/24',
      ]);
      for (const [name, address] of [
        ['client2', '198.19.0.3'],
        ['client3', '198.19.0.4'],
      ])
        expect((await lab.server.exec(['getent', 'hosts', name!])).stdout).toMatch(
          new RegExp(`^${address!.replaceAll('.', '\\.')}\\s`),
        );
      // The server reaches client3 by name over the link: a datagram there and its echo back.
      const client3 = lab.host('client3');
      const pid = await startBackground(
        client3,
        ['python3', '-c', ONE_ECHO, String(PROBE_PORT)],
        '/tmp/socklab-one-echo.log',
      );
      try {
        await waitListening(client3, 'udp', PROBE_PORT, pid, 10_000);
        const r = await lab.server.exec(['python3', '-c', ASK, 'client3', String(PROBE_PORT)]);
        expect(r.stdout.trim()).toBe(`HELLO FROM SERVER 198.19.0.4:${PROBE_PORT}`);
      } finally {
        await stopBackground(client3, pid);
      }
      expect(() => lab.host('client4')).toThrow(/has no host 'client4'/);
    });

    it('demux: one server socket, three sources; only client2 loses, within its interval; each got only its own', async () => {
      const r = await demux(lab, { count: COUNT });
      expect(failed(r.verdicts)).toEqual([]);
      expect(r.sources).toHaveLength(3);
      expect(r.clients.map((c) => c.source?.split(':')[0])).toEqual([
        '198.19.0.1',
        '198.19.0.3',
        '198.19.0.4',
      ]);
      const [c1, c2, c3] = r.clients;
      expect(c1!.udp.received).toBe(COUNT);
      expect(c3!.udp.received).toBe(COUNT);
      // An echo comes back when neither direction of client2's path loses it: p = 0.7 × 0.7.
      const [lo, hi] = binomialInterval(COUNT, 0.49, 0.999);
      expect(c2!.udp.received).toBeGreaterThanOrEqual(lo);
      expect(c2!.udp.received).toBeLessThanOrEqual(hi);
      expect(r.clients.every((c) => c.udp.corrupted === 0 && c.misdirected === 0)).toBe(true);
      // The record names every frame's client: client2's losses are all on client2's path.
      const records = await lab.linkRecord();
      const lost = records.filter((x) => x.fate === 'lost');
      expect(lost.length).toBeGreaterThan(0);
      expect(new Set(lost.map((x) => x.client))).toEqual(new Set(['client2']));
      for (const [k, name] of ['client', 'client2', 'client3'].entries())
        expect(
          records
            .filter((x) => x.proto === 'udp' && x.client === name)
            .every((x) => x.src === r.clients[k]!.address || x.dst === r.clients[k]!.address),
        ).toBe(true);
    });

    it('a server that answers each datagram at the previous sender’s address fails the demultiplexing', async () => {
      // The teacher's fixture, moved to a port of its own so the lab's echo server stays.
      const text = readFileSync(`${ROOT}test/fixtures/grading/PreviousClientUDPServer.py`, 'utf8');
      await lab.server.copyIn('/tmp', { 'previous-client.py': text.replace('12000', String(BROKEN_PORT)) });
      const pid = await startBackground(
        lab.server,
        ['python3', '/tmp/previous-client.py'],
        '/tmp/previous.log',
      );
      try {
        await waitListening(lab.server, 'udp', BROKEN_PORT, pid, 10_000);
        await lab.impair({ client: 'client2', impair: 'none' });
        const r = await demux(lab, { port: BROKEN_PORT, count: 100, intervalMs: 5 });
        const status = Object.fromEntries(r.verdicts.map((v) => [v.name, v.status]));
        expect(status['each reply went back to the socket that asked']).toBe('fail');
        expect(status['each client got only its own replies']).toBe('fail');
        expect(r.clients.some((c) => c.udp.corrupted > 0)).toBe(true);
      } finally {
        await stopBackground(lab.server, pid);
        await lab.impair({ client: 'client2', impair: 'loss 30%' });
      }
    });

    it('a path changes alone; a client the lab does not have is refused and nothing changes', async () => {
      const before = formatLinkModel(lab.model);
      await expect(lab.impair({ client: 'client7', impair: 'loss 50%' })).rejects.toThrow(
        /this lab has no client 'client7': its clients are client, client2, client3/,
      );
      expect(formatLinkModel((await lab.show()).model)).toBe(before);
      await lab.impair({ client: 'client3', down: 'delay 40ms' });
      const shown = await lab.show();
      expect(shown.clients).toEqual(['client', 'client2', 'client3']);
      expect(formatLinkModel(shown.model)).toContain('client3 down: delay 40ms');
      expect(formatLinkModel(shown.model)).toContain('client2 up: loss 30%');
      await lab.impair({ client: 'client3', down: 'none' });
    });

    it('status and watch show every client’s path; impair --client for a client the lab lacks changes nothing', async () => {
      const socklab = (args: string[]) =>
        run(process.execPath, [`${ROOT}bin/socklab.js`, ...args], '', 120_000);
      // status lists every lab running; this one's entry.
      const ours = async () => {
        const r = await socklab(['status', '--json']);
        expect(r.code).toBe(0);
        const all = JSON.parse(r.stdout) as { project: string; link: string; more: string[] }[];
        return all.find((l) => l.project === lab.project)!;
      };
      const status = await ours();
      expect(status.more).toContain('clients: client, client2, client3');
      expect(status.link).toContain('client2 up: loss 30%; client2 down: loss 30%');
      const refused = await socklab(['impair', '--project', lab.project, '--client', 'client5', 'loss 90%']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(refused.stderr).toMatch(/client5/);
      expect(refused.stderr).not.toMatch(/\n\s+at /);
      expect((await ours()).link).toBe(status.link);
      const exec = await socklab([
        'exec',
        'client3',
        '--project',
        lab.project,
        '--',
        'ip',
        '-o',
        '-4',
        'addr',
        'show',
        'dev',
        'lab0',
      ]);
      expect(exec.stdout).toContain('198.19.0.4/24');
      // watch, not on a terminal: a line per snapshot, every client's own path in it.
      const watch = spawnCollecting(process.execPath, [
        `${ROOT}bin/socklab.js`,
        'watch',
        '--project',
        lab.project,
        '--interval',
        '200',
      ]);
      try {
        await vi.waitUntil(() => /\d+ frames/.test(watch.stdout()), { timeout: 20_000 });
        expect(watch.stdout()).toContain('; client2 up: loss 30%, down: loss 30%');
      } finally {
        watch.child.kill('SIGINT');
        await watch.exited;
      }
    });

    it('concurrency: a crowd spread over the three hosts, served at once by the concurrent server', async () => {
      await lab.impair({ client: 'client2', impair: 'none' });
      try {
        const r = await concurrency(lab, { clients: 6, holdMs: 300 });
        expect(r.hosts).toEqual(['client', 'client2', 'client3']);
        expect(failed(r.verdicts)).toEqual([]);
        expect(r.concurrent.clients.map((c) => c.client)).toEqual([0, 1, 2, 3, 4, 5]);
      } finally {
        await lab.impair({ client: 'client2', impair: 'loss 30%' });
      }
    });
  });
}
