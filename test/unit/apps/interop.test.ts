// Interoperability with programs no one here wrote: netcat, and the textbook's own Python
// clients and servers, in both directions.
import { describe, expect, it } from 'vitest';
import { labPath, run, runApp, start, startApp } from '../../support/programs.ts';
import { freePort } from '../../support/sockets.ts';

const py = (file: string): string => labPath(`textbook/${file}`);

describe('netcat (netcat-openbsd) against our servers', () => {
  it('UDP: nc -u gets the uppercase back', async () => {
    await using server = await startApp('udp-echo-server');
    // nc stops reading UDP at end of input, so input stays open for the second the reply needs.
    const r = await run('sh', [
      '-c',
      `(printf 'hello from nc\\n'; sleep 1) | nc -u -w 1 127.0.0.1 ${server.port}`,
    ]);
    expect(r.stdout).toBe('HELLO FROM NC\n');
    await server.waitFor(/Received: hello from nc\\x0a from 127\.0\.0\.1:\d+/);
  });

  it('TCP: nc -N sends, half-closes, and reads the echo to the end', async () => {
    await using server = await startApp('tcp-echo-server');
    const r = await run('nc', ['-N', '127.0.0.1', String(server.port)], 'line one\nline two straße\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('LINE ONE\nLINE TWO STRASSE\n');
  });

  it('TCP --iterative: two nc clients in turn', async () => {
    await using server = await startApp('tcp-echo-server', ['--iterative']);
    const [a, b] = await Promise.all([
      run('nc', ['-N', '127.0.0.1', String(server.port)], 'first\n'),
      run('nc', ['-N', '127.0.0.1', String(server.port)], 'second\n'),
    ]);
    expect([a.stdout, b.stdout]).toEqual(['FIRST\n', 'SECOND\n']);
  });
});

describe("the textbook's Python clients against our servers", () => {
  it('UDPClient.py', async () => {
    await using server = await startApp('udp-echo-server');
    const r = await run(
      'python3',
      [py('UDPClient.py'), '127.0.0.1', String(server.port)],
      'hello from python\n',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Input lowercase sentence:HELLO FROM PYTHON\n');
  });

  it('TCPClient.py', async () => {
    await using server = await startApp('tcp-echo-server');
    const r = await run(
      'python3',
      [py('TCPClient.py'), '127.0.0.1', String(server.port)],
      'hello from python\n',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Input lowercase sentence:From Server:  HELLO FROM PYTHON\n');
  });
});

describe("our clients against the textbook's Python servers", () => {
  const startPython = async (file: string) => {
    const port = await freePort();
    const server = await start('python3', ['-u', py(file), String(port)], /The server is ready to receive/);
    return Object.assign(server, { port });
  };

  it('udp-echo-client, interactive and measuring', async () => {
    await using server = await startPython('UDPServer.py');
    const r = await runApp(
      'udp-echo-client',
      ['--host', '127.0.0.1', '--port', String(server.port)],
      'hello\nstraße\n',
    );
    expect(r.stdout).toBe('HELLO\nSTRASSE\n');
    const m = await runApp('udp-echo-client', [
      '--host',
      '127.0.0.1',
      '--port',
      String(server.port),
      '--count',
      '50',
      '--interval',
      '2',
      '--json',
    ]);
    expect(JSON.parse(m.stdout)).toMatchObject({ sent: 50, received: 50, lost: 0, corrupted: 0 });
  });

  it('tcp-echo-client --oneshot: one connection per sentence, as the textbook server expects', async () => {
    await using server = await startPython('TCPServer.py');
    const r = await runApp(
      'tcp-echo-client',
      ['--host', '127.0.0.1', '--port', String(server.port), '--oneshot'],
      'one\ntwo\n',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('From Server: ONE\nFrom Server: TWO\n');
    const m = await runApp('tcp-echo-client', [
      '--host',
      '127.0.0.1',
      '--port',
      String(server.port),
      '--oneshot',
      '--count',
      '20',
      '--json',
    ]);
    expect(JSON.parse(m.stdout)).toMatchObject({ mode: 'oneshot', sent: 20, received: 20, intact: true });
  });

  it('tcp-echo-client without --oneshot: the second sentence finds the connection closed, and says what to do', async () => {
    await using server = await startPython('TCPServer.py');
    const r = await runApp(
      'tcp-echo-client',
      ['--host', '127.0.0.1', '--port', String(server.port)],
      'one\ntwo\n',
    );
    expect(r.stdout).toBe('From Server: ONE\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /closed the connection without replying; textbook servers answer one sentence per connection: use --oneshot/,
    );
  });
});
