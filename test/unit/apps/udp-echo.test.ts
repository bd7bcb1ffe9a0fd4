// The UDP echo server and client as real processes exchanging real datagrams on loopback.
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { appPath, runApp, type Spawned, spawnCollecting, startApp } from '../../support/programs.ts';
import { prng, randomBytes, udpRoundTrip } from '../../support/sockets.ts';

describe('udp-echo-server', () => {
  it('answers each datagram with its uppercase and logs it like the textbook server', async () => {
    await using server = await startApp('udp-echo-server');
    expect(String(await udpRoundTrip(server.port, Buffer.from('hello straße')))).toBe('HELLO STRASSE');
    await server.waitFor(/Received: hello straße from 127\.0\.0\.1:\d+/);
  });

  it('keeps serving through empty, maximum-size and random datagrams', async () => {
    await using server = await startApp('udp-echo-server', ['--quiet']);
    expect(await udpRoundTrip(server.port, Buffer.alloc(0))).toEqual(Buffer.alloc(0));
    const big = Buffer.alloc(65_507, 'x');
    expect(await udpRoundTrip(server.port, big)).toEqual(Buffer.alloc(65_507, 'X'));
    const rand = prng(1);
    for (let i = 0; i < 50; i++) {
      const junk = randomBytes(rand, 1 + Math.floor(rand() * 1400));
      const reply = await udpRoundTrip(server.port, junk);
      expect(reply?.length, `junk datagram ${i}`).toBeGreaterThan(0);
    }
    expect(String(await udpRoundTrip(server.port, Buffer.from('still here')))).toBe('STILL HERE');
    expect(server.child.exitCode).toBeNull();
  });

  it('serves many clients from one socket, replying to each sender', async () => {
    await using server = await startApp('udp-echo-server', ['--quiet']);
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => udpRoundTrip(server.port, Buffer.from(`client ${i}`))),
    );
    expect(replies.map(String)).toEqual(Array.from({ length: 20 }, (_, i) => `CLIENT ${i}`));
  });
});

describe('udp-echo-client', () => {
  it('interactive: sends each line of stdin and prints each reply', async () => {
    await using server = await startApp('udp-echo-server', ['--quiet']);
    const r = await runApp(
      'udp-echo-client',
      ['--host', 'localhost', '--port', String(server.port)],
      'one\ntwo ß\n',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ONE\nTWO SS\n');
  });

  it('interactive: a reply that never comes ends in one timeout line, not a hang', async () => {
    // A bound socket that never answers.
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
    const port = silent.address().port;
    const r = await runApp(
      'udp-echo-client',
      ['--host', '127.0.0.1', '--port', String(port), '--timeout', '200'],
      'x\n',
    );
    silent.close();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^udp-echo-client: no reply from 127\.0\.0\.1:\d+ within 200 ms/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('measurement: counts every datagram and reports the JSON summary', async () => {
    await using server = await startApp('udp-echo-server', ['--quiet']);
    const r = await runApp('udp-echo-client', [
      '--host',
      '127.0.0.1',
      '--port',
      String(server.port),
      '--count',
      '200',
      '--interval',
      '1',
      '--size',
      '100',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      protocol: 'udp',
      sent: 200,
      received: 200,
      lost: 0,
      lostSeqs: [],
      duplicated: 0,
      corrupted: 0,
    });
    expect(Object.keys(j.rttMs)).toEqual(['min', 'avg', 'p50', 'p90', 'p99', 'max', 'mdev']);
    expect(j.rttMs.min).toBeLessThanOrEqual(j.rttMs.p50);
    expect(j.rttMs.p50).toBeLessThanOrEqual(j.rttMs.max);
  });

  it('measurement: detects loss, duplication, reordering and corruption by a misbehaving peer', async () => {
    // A peer that drops seq 1, answers seq 2 twice, holds seq 3 back until after seq 4, and
    // answers seq 5 with something that is not the uppercase of what was sent.
    const peer = createSocket('udp4');
    let held: { msg: Buffer; port: number } | null = null;
    peer.on('message', (msg, rinfo) => {
      const seq = Number(msg.toString('latin1').split(':')[0]);
      const reply = Buffer.from(msg.toString('latin1').toUpperCase(), 'latin1');
      const send = (b: Buffer): void => void peer.send(b, rinfo.port, rinfo.address);
      if (seq === 1) return;
      if (seq === 2) {
        send(reply);
        send(reply);
      } else if (seq === 3) held = { msg: reply, port: rinfo.port };
      else if (seq === 4) {
        send(reply);
        if (held) send(held.msg);
      } else if (seq === 5) send(Buffer.from(`5:${'z'.repeat(reply.length - 2)}`));
      else send(reply);
    });
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', r));
    const r = await runApp('udp-echo-client', [
      '--host',
      '127.0.0.1',
      '--port',
      String(peer.address().port),
      '--count',
      '8',
      '--interval',
      '20',
      '--timeout',
      '500',
      '--json',
    ]);
    peer.close();
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      sent: 8,
      received: 6,
      lost: 2,
      lostSeqs: [1, 5],
      duplicated: 1,
      reordered: 1,
      corrupted: 1,
    });
  });

  it('measurement: a pause of the client itself does not turn the replies waiting in its socket into losses', async () => {
    // A peer that answers every datagram 20 ms later; the client is stopped twice for 700 ms
    // (SIGSTOP, SIGCONT) while it sends, past its 500 ms timeout. The replies to what it had
    // sent reach its socket during the pause: they were not lost, and must not be counted so
    // (before, its timers ran first on waking and called them lost: 4 seqs a pause).
    const peer = createSocket('udp4');
    const pause = async (child: ChildProcess): Promise<void> => {
      for (let i = 0; i < 2; i++) {
        child.kill('SIGSTOP');
        await sleep(700);
        child.kill('SIGCONT');
        await sleep(100);
      }
    };
    let client: Spawned | undefined;
    let paused: Promise<void> | undefined;
    peer.on('message', (msg, rinfo) => {
      const reply = Buffer.from(msg.toString('latin1').toUpperCase(), 'latin1');
      setTimeout(() => peer.send(reply, rinfo.port, rinfo.address), 20);
      if (!paused && msg.toString('latin1').startsWith('20:')) paused = pause(client!.child);
    });
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', r));
    const args = ['--host', '127.0.0.1', '--port', String(peer.address().port), '--count', '200'];
    client = spawnCollecting(process.execPath, [
      appPath('udp-echo-client'),
      ...args,
      ...['--interval', '5', '--timeout', '500', '--json'],
    ]);
    const r = await client.exited;
    await paused;
    peer.close();
    expect(paused).toBeDefined();
    expect(JSON.parse(r.stdout)).toMatchObject({ sent: 200, received: 200, lost: 0, late: 0 });
  });

  it('measurement: prints a ping-like summary without --json', async () => {
    await using server = await startApp('udp-echo-server', ['--quiet']);
    const r = await runApp('udp-echo-client', [
      '--host',
      '127.0.0.1',
      '--port',
      String(server.port),
      '--count',
      '3',
      '--interval',
      '5',
    ]);
    expect(r.stdout).toMatch(/64 bytes from 127\.0\.0\.1 \(127\.0\.0\.1\): seq=0 time=\d+\.\d{3} ms/);
    expect(r.stdout).toMatch(/3 sent, 3 received, 0 lost \(0\.0%\)/);
    expect(r.stdout).toMatch(/rtt min\/avg\/p50\/p90\/p99\/max\/mdev = [\d./]+ ms/);
  });
});
