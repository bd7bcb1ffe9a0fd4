// Bad input ends a program with one clear line and a non-zero exit, never a stack trace.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { appPath, isOneLineError, run, runApp } from '../../support/programs.ts';

const PROGRAMS = ['udp-echo-server', 'udp-echo-client', 'tcp-echo-server', 'tcp-echo-client'];

describe.each(PROGRAMS)('%s', (prog) => {
  it('rejects an unknown flag with the list of options', async () => {
    const r = await runApp(prog, ['--colour']);
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(new RegExp(`^${prog}: unknown option --colour: the options are --host, --port`));
  });

  it('rejects a port out of range, naming the rule and an example', async () => {
    const r = await runApp(prog, ['--port', '70000']);
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(
      /--port must be a whole number from [01] to 65535, got '70000'; e.g. --port 12000/,
    );
  });

  it('prints usage for --help and exits 0', async () => {
    const r = await runApp(prog, ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: node /);
    expect(r.stdout).toMatch(/--port PORT/);
  });
});

describe('a port already in use', () => {
  it('udp-echo-server says so in one line and exits 1', async () => {
    const taken = createSocket('udp4');
    await new Promise<void>((r) => taken.bind(0, '127.0.0.1', r));
    const r = await runApp('udp-echo-server', [
      '--host',
      '127.0.0.1',
      '--port',
      String(taken.address().port),
    ]);
    taken.close();
    expect(r.code).toBe(1);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(
      /UDP port \d+ on 127\.0\.0\.1 is already in use: .*pass --port with a free port/,
    );
  });

  it.each([[[]], [['--iterative']]])('tcp-echo-server %j says so in one line and exits 1', async (extra) => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    const r = await runApp('tcp-echo-server', ['--host', '127.0.0.1', '--port', String(port), ...extra]);
    taken.close();
    expect(r.code).toBe(1);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/TCP port \d+ on 127\.0\.0\.1 is already in use/);
  });
});

describe('an unresolvable host', () => {
  // In a fresh network namespace with no interface up, the name lookup fails on this machine
  // alone: no query leaves it.
  it.each(['udp-echo-client', 'tcp-echo-client'])('%s names the host and the fix', async (prog) => {
    const r = await run('unshare', [
      '-n',
      process.execPath,
      appPath(prog),
      '--host',
      'no-such-host.example',
      '--count',
      '1',
    ]);
    expect(r.code).toBe(1);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(new RegExp(`^${prog}: cannot resolve host 'no-such-host.example'.*pass --host`));
  });
});

describe('no server listening', () => {
  it('tcp-echo-client: connection refused is one line with the fix', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    for (const args of [['--count', '3'], []]) {
      const r = await runApp('tcp-echo-client', ['--host', '127.0.0.1', '--port', String(port), ...args]);
      expect(r.code).toBe(1);
      expect(isOneLineError(r.stderr)).toBe(true);
      expect(r.stderr).toMatch(
        /refused the connection: no server is listening there; start the echo server first/,
      );
    }
  });

  it('measurement sizes that cannot carry the sequence numbers are refused before sending', async () => {
    const r = await runApp('udp-echo-client', ['--host', '127.0.0.1', '--count', '100', '--size', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--size must be at least 3 bytes/);
  });
});
