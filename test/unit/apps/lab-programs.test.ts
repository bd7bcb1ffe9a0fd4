// The experiment programs that run on the client host, as real processes on loopback.
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import type { CrowdResult } from '../../../src/apps/echo-crowd.ts';
import type { FramingResult } from '../../../src/apps/framing-demo.ts';
import type { PingerResult } from '../../../src/apps/udp-pinger.ts';
import { isOneLineError, runApp, startApp } from '../../support/programs.ts';
import { udpRoundTrip } from '../../support/sockets.ts';

const local = (port: number) => ['--host', '127.0.0.1', '--port', String(port)];

describe('udp-pinger', () => {
  it('prints one line per ping and the summary, like the textbook lab', async () => {
    await using server = await startApp('udp-echo-server', ['--quiet']);
    const r = await runApp('udp-pinger', [...local(server.port), '--count', '3', '--interval', '50']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Ping 1: reply from 127\.0\.0\.1, RTT = [\d.]+ ms$/m);
    expect(r.stdout).toMatch(/3 pings, 3 replies, 0% loss\nRTT min\/avg\/max = [\d.]+\/[\d.]+\/[\d.]+ ms/);
  });

  it('says "Request timed out" for every ping nobody answers', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    try {
      const r = await runApp('udp-pinger', [
        ...local(silent.address().port),
        '--count',
        '3',
        '--interval',
        '10',
        '--timeout',
        '100',
        '--json',
      ]);
      const p: PingerResult = JSON.parse(r.stdout);
      expect(p).toMatchObject({
        sent: 3,
        received: 0,
        lossPercent: 100,
        rtts: [null, null, null],
        minMs: null,
      });
      expect(r.code).toBe(1);
    } finally {
      silent.close();
    }
  });
});

describe('echo-crowd', () => {
  it('iterative server: clients wait in turn; concurrent: all at once', async () => {
    await using iterative = await startApp('tcp-echo-server', ['--iterative', '--backlog', '4', '--quiet']);
    await using concurrent = await startApp('tcp-echo-server', ['--quiet']);
    const crowd = async (port: number): Promise<CrowdResult> =>
      JSON.parse(
        (await runApp('echo-crowd', [...local(port), '--clients', '4', '--hold', '500', '--json'])).stdout,
      );
    const it4 = await crowd(iterative.port);
    const co4 = await crowd(concurrent.port);
    expect(it4.served).toBe(4);
    expect(co4.served).toBe(4);
    // Causal, not timed: one at a time, the last client's first reply cannot come before the three
    // before it have each held their connection 500 ms; at once, every client has its first reply
    // before any client is done (each is done only after holding its connection).
    const waits = (r: CrowdResult) => r.clients.map((c) => c.waitMs!).sort((a, b) => a - b);
    const dones = (r: CrowdResult) => r.clients.map((c) => c.doneMs!).sort((a, b) => a - b);
    expect(waits(it4)[3]).toBeGreaterThanOrEqual(3 * 500);
    expect(waits(co4)[3]).toBeLessThan(dones(co4)[0]!);
  });

  it('UDP: each client gets its own replies from one server socket', async () => {
    await using server = await startApp('udp-echo-server', ['--quiet']);
    const r: CrowdResult = JSON.parse(
      (
        await runApp('echo-crowd', [
          ...local(server.port),
          '--proto',
          'udp',
          '--clients',
          '8',
          '--hold',
          '0',
          '--json',
        ])
      ).stdout,
    );
    expect(r.served).toBe(8);
  });

  it('refuses an unknown protocol in one line', async () => {
    const r = await runApp('echo-crowd', ['--proto', 'sctp']);
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr)).toBe(true);
  });
});

describe('framing-demo', () => {
  it('the framed reader gets every message back, whatever the recv() sizes were', async () => {
    await using server = await startApp('tcp-echo-server', ['--quiet']);
    const r: FramingResult = JSON.parse(
      (await runApp('framing-demo', [...local(server.port), '--messages', '50', '--json'])).stdout,
    );
    expect(r.framed).toEqual({ messages: 50, intact: true });
    const total = r.recvSizes.reduce((a, b) => a + b, 0);
    expect(total).toBe(
      Array.from({ length: 50 }, (_, i) => `message ${i} of 50\n`.length).reduce((a, b) => a + b, 0),
    );
    expect(r.firstRecv.bytes).toBe(r.recvSizes[0]);
    expect(r.recvsAlignedToMessages).toBeLessThanOrEqual(r.recvSizes.length);
  });
});

describe('bad-input', () => {
  it.each(['udp', 'tcp'])('%s: the lab’s echo server keeps serving after it', async (proto) => {
    await using server = await startApp(`${proto}-echo-server`, ['--quiet']);
    const r = await runApp('bad-input', [...local(server.port), '--proto', proto, '--json']);
    expect(JSON.parse(r.stdout).sent.length).toBe(5);
    if (proto === 'udp') expect(String(await udpRoundTrip(server.port, Buffer.from('ok')))).toBe('OK');
    else {
      const again = await runApp('tcp-echo-client', [...local(server.port), '--count', '3', '--json']);
      expect(JSON.parse(again.stdout).intact).toBe(true);
    }
    expect(server.child.exitCode).toBeNull();
  });
});
