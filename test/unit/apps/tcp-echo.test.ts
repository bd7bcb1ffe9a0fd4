// The TCP echo server and client as real processes over real TCP connections on loopback.
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { appPath, runApp, type Spawned, spawnCollecting, startApp } from '../../support/programs.ts';
import { readAll, readBytes, tcpConnect } from '../../support/sockets.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const closeAll = (sockets: Socket[]): void => {
  for (const s of sockets) s.destroy();
};

describe('tcp-echo-server', () => {
  it('echoes the stream in uppercase, logs connections, and closes after the client half-closes', async () => {
    await using server = await startApp('tcp-echo-server');
    const s = await tcpConnect(server.port);
    const all = readAll(s);
    s.write('hello ');
    await sleep(20);
    s.end('world\n');
    expect(String(await all)).toBe('HELLO WORLD\n');
    await server.waitFor(/Connection opened: 127\.0\.0\.1:\d+ \(1 open\)/);
    await server.waitFor(/Connection closed: 127\.0\.0\.1:\d+, 12 bytes in, 12 out \(0 open\)/);
  });

  it('uppercases characters split across reads', async () => {
    await using server = await startApp('tcp-echo-server', ['--quiet']);
    const s = await tcpConnect(server.port);
    const all = readAll(s);
    const bytes = Buffer.from('straße 😀 é');
    // Each byte in its own segment: every multi-byte character is split.
    s.setNoDelay(true);
    for (const b of bytes) {
      s.write(Buffer.from([b]));
      await sleep(2);
    }
    s.end();
    expect(String(await all)).toBe('STRASSE 😀 É');
  });

  it('keeps serving others when a client resets mid-stream', async () => {
    await using server = await startApp('tcp-echo-server');
    const rude = await tcpConnect(server.port);
    rude.write('x'.repeat(100_000));
    await sleep(20);
    rude.resetAndDestroy();
    await server.waitFor(/Connection ended by ECONNRESET/);
    const s = await tcpConnect(server.port);
    const all = readAll(s);
    s.end('after reset');
    expect(String(await all)).toBe('AFTER RESET');
  });

  it('echoes 4 MB through a client that sends it all before reading (backpressure, no loss)', async () => {
    await using server = await startApp('tcp-echo-server', ['--quiet']);
    const s = await tcpConnect(server.port);
    const payload = Buffer.alloc(4 << 20, 'abc\n');
    s.end(payload);
    await sleep(200);
    const back = await readAll(s);
    expect(back.length).toBe(payload.length);
    expect(back.equals(Buffer.alloc(4 << 20, 'ABC\n'))).toBe(true);
  });

  it('serves 1,000 concurrent clients at once', async () => {
    await using server = await startApp('tcp-echo-server', ['--quiet']);
    const sockets = await Promise.all(Array.from({ length: 1000 }, () => tcpConnect(server.port)));
    try {
      // All are connected before any sends: each is served on its own connection socket.
      const replies = await Promise.all(
        sockets.map((s, i) => {
          const msg = `client ${i}\n`;
          const reply = readBytes(s, msg.length, 20_000);
          s.write(msg);
          return reply;
        }),
      );
      replies.forEach((r, i) => {
        expect(String(r)).toBe(`CLIENT ${i}\n`);
      });
    } finally {
      closeAll(sockets);
    }
  });

  it('--iterative serves one client at a time: the next waits until the first is done', async () => {
    await using server = await startApp('tcp-echo-server', ['--iterative', '--quiet']);
    expect(server.stdout()).toMatch(/iterative: one client at a time, backlog 1/);
    const first = await tcpConnect(server.port);
    first.write('first\n');
    expect(String(await readBytes(first, 6))).toBe('FIRST\n');
    // The second connects (the kernel completes the handshake into the backlog) but gets no echo.
    const second = await tcpConnect(server.port);
    const secondAll = readAll(second);
    second.end('second\n');
    const early = await Promise.race([secondAll.then(() => 'answered'), sleep(300).then(() => 'waiting')]);
    expect(early).toBe('waiting');
    first.end();
    expect(String(await secondAll)).toBe('SECOND\n');
  });

  it('--iterative with backlog 1: beyond backlog + 1 waiting clients, the kernel leaves connects unanswered', async () => {
    await using server = await startApp('tcp-echo-server', ['--iterative', '--quiet']);
    const busy = await tcpConnect(server.port);
    busy.write('busy\n');
    await readBytes(busy, 5);
    // Linux queues backlog + 1 = 2 completed connections; a third SYN is dropped and resent
    // (after 1 s, 3 s, 7 s...) for as long as the server is busy.
    const connected: Socket[] = [];
    const attempts = [0, 1, 2].map(() => tcpConnect(server.port).then((s) => connected.push(s)));
    try {
      await sleep(1500);
      expect(connected).toHaveLength(2);
      // The server is free again: it drains the queue, and the third client gets in.
      busy.end();
      for (const s of connected) s.end();
      await Promise.all(attempts);
      expect(connected).toHaveLength(3);
    } finally {
      busy.destroy();
      closeAll(connected);
    }
  });

  it('--backlog sets the accept queue of the concurrent server too', async () => {
    await using server = await startApp('tcp-echo-server', ['--backlog', '16']);
    expect(server.stdout()).toMatch(/\(concurrent, backlog 16\)/);
  });
});

describe('tcp-echo-client', () => {
  it('interactive: sends each line over one connection and prints each reply', async () => {
    await using server = await startApp('tcp-echo-server', ['--quiet']);
    const r = await runApp(
      'tcp-echo-client',
      ['--host', '127.0.0.1', '--port', String(server.port)],
      'one\ntwo\n',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('From Server: ONE\nFrom Server: TWO\n');
  });

  it('measurement: newline-framed messages over one connection, intact, with RTT and connect time', async () => {
    await using server = await startApp('tcp-echo-server', ['--quiet']);
    const r = await runApp('tcp-echo-client', [
      '--host',
      '127.0.0.1',
      '--port',
      String(server.port),
      '--count',
      '50',
      '--size',
      '200',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      protocol: 'tcp',
      mode: 'persistent',
      sent: 50,
      received: 50,
      lost: 0,
      intact: true,
      bytes: 10_000,
    });
    expect(j.connectMs).toBeGreaterThan(0);
    expect(j.totalMs).toBeGreaterThanOrEqual(j.connectMs);
    expect(j.rttMs.p50).toBeGreaterThan(0);
  });

  it('measurement: --oneshot makes one connection per message, and 1 MB in one message arrives intact', async () => {
    await using server = await startApp('tcp-echo-server');
    const r = await runApp('tcp-echo-client', [
      '--host',
      '127.0.0.1',
      '--port',
      String(server.port),
      '--count',
      '5',
      '--oneshot',
      '--json',
    ]);
    expect(JSON.parse(r.stdout)).toMatchObject({ mode: 'oneshot', sent: 5, received: 5, intact: true });
    expect(server.stdout().match(/Connection opened/g)).toHaveLength(5);
    const big = await runApp('tcp-echo-client', [
      '--host',
      '127.0.0.1',
      '--port',
      String(server.port),
      '--count',
      '1',
      '--size',
      '1000000',
      '--json',
    ]);
    expect(JSON.parse(big.stdout)).toMatchObject({ intact: true, bytes: 1_000_000 });
  });

  it('measurement: a pause of the client itself past its timeout is not a missing reply', async () => {
    // A server that answers each line 20 ms later; when the 5th and the 10th lines come, the
    // client is stopped for 700 ms (SIGSTOP, SIGCONT), past its 500 ms timeout, so the reply
    // reaches its socket while it is stopped. Before, its timer ran first on waking and the
    // measurement ended with "no reply"; a grader pausing is not the student's fault.
    let client: Spawned | undefined;
    let lines = 0;
    const pauses: Promise<void>[] = [];
    const pause = async (): Promise<void> => {
      client!.child.kill('SIGSTOP');
      await sleep(700);
      client!.child.kill('SIGCONT');
    };
    const slow = createServer((s) =>
      s.on('data', (d: Buffer) => {
        for (const _ of d.toString('latin1').matchAll(/\n/g))
          if (++lines % 5 === 0 && lines <= 10) pauses.push(pause());
        setTimeout(() => s.write(d.toString('latin1').toUpperCase(), 'latin1'), 20);
      }),
    );
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const port = String((slow.address() as { port: number }).port);
    client = spawnCollecting(process.execPath, [
      appPath('tcp-echo-client'),
      ...[
        '--host',
        '127.0.0.1',
        '--port',
        port,
        '--count',
        '20',
        '--interval',
        '5',
        '--timeout',
        '500',
        '--json',
      ],
    ]);
    const r = await client.exited;
    await Promise.all(pauses);
    slow.close();
    expect(pauses).toHaveLength(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ sent: 20, received: 20, lost: 0, intact: true });
  });

  it('measurement: a server that answers wrongly is reported as not intact', async () => {
    const liar = createServer((s) => s.on('data', (d: Buffer) => s.write(d.toString().toLowerCase())));
    await new Promise<void>((r) => liar.listen(0, '127.0.0.1', r));
    const port = (liar.address() as { port: number }).port;
    const r = await runApp('tcp-echo-client', [
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--count',
      '3',
      '--json',
    ]);
    liar.close();
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ sent: 3, received: 0, corrupted: 3, intact: false });
  });
});
