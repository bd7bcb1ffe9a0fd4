// The check's script worker: one socket-script --serve process on a host runs the check's
// scripts, real datagrams and connections on loopback; a script leaves nothing open; a worker
// that hangs or cannot start costs that script, never the next.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type Actor, SCRIPT_SCHEMA, type ScriptRequest } from '../../../src/apps/socket-script.ts';
import { ScriptWorker } from '../../../src/grading/script-worker.ts';
import type { HostStream, LabHost } from '../../../src/lab/lab-host.ts';
import { runCollect } from '../../../src/lab/netns/namespace-host.ts';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

/** This machine as a lab host, counting the processes it starts; `serve` replaces the worker's command. */
function localHost(serve?: string[]) {
  const started = { streams: 0, execs: 0 };
  const host = {
    name: 'client',
    program: (name: string) => `${SRC}${name}.ts`,
    exec: (cmd: string[], opts?: { stdin?: string; timeoutMs?: number }) => {
      started.execs++;
      return runCollect([cmd[0] === 'node' ? process.execPath : cmd[0]!, ...cmd.slice(1)], opts);
    },
    async openStream(cmd: string[]): Promise<HostStream> {
      started.streams++;
      const argv = serve ?? [process.execPath, ...cmd.slice(1)];
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'ignore'] });
      child.stdin.on('error', () => {});
      const ended = new Promise<void>((r) => child.on('close', () => r()));
      return { input: child.stdin, output: child.stdout, ended, close: () => child.kill('SIGKILL') };
    },
  } as unknown as LabHost;
  return { host, started };
}

const script = (...actors: Actor[]): ScriptRequest => ({ schema: SCRIPT_SCHEMA, actors });
const b64 = (s: string) => Buffer.from(s).toString('base64');
const text = (d?: string) => Buffer.from(d ?? '', 'base64').toString();

async function udpEcho() {
  const s = createSocket('udp4');
  s.on('message', (m, r) => s.send(Buffer.from(m.toString().toUpperCase()), r.port, r.address));
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return { port: s.address().port, [Symbol.dispose]: () => s.close() };
}

const udpActor = (name: string, port: number, data: string): Actor => ({
  name,
  proto: 'udp',
  host: '127.0.0.1',
  port,
  steps: [
    { do: 'send', data: b64(data) },
    { do: 'read', until: 'datagram', timeoutMs: 5000 },
  ],
});

describe('ScriptWorker', () => {
  it('runs a check’s scripts, also at once, in one process, with real datagrams', async () => {
    using echo = await udpEcho();
    const { host, started } = localHost();
    await using worker = new ScriptWorker(host);
    worker.start();
    const [a, b] = await Promise.all([
      worker.run(script(udpActor('a', echo.port, 'one')), 10_000),
      worker.run(script(udpActor('b', echo.port, 'two'), udpActor('c', echo.port, 'three')), 10_000),
    ]);
    const c = await worker.run(script(udpActor('d', echo.port, 'four')), 10_000);
    expect(text(a.actors[0]!.steps[1]!.data)).toBe('ONE');
    expect(b.actors.map((x) => text(x.steps[1]!.data))).toEqual(['TWO', 'THREE']);
    expect(text(c.actors[0]!.steps[1]!.data)).toBe('FOUR');
    expect(started).toEqual({ streams: 1, execs: 0 });
  });

  it('closes a script’s connections when it ends, as its own process’s end did', async () => {
    const closed: string[] = [];
    const server = createServer({ allowHalfOpen: true }, (c: Socket) => {
      c.on('data', (d) => c.write(d.toString().toUpperCase()));
      c.on('end', () => closed.push('end'));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const { host } = localHost();
    await using worker = new ScriptWorker(host);
    // No close step: the script leaves its connection open; the worker lives on, so only the
    // script's own close at its end can send the FIN the server reads as 'end'.
    const r = await worker.run(
      script({
        name: 'tcp',
        proto: 'tcp',
        host: '127.0.0.1',
        port,
        steps: [
          { do: 'connect', timeoutMs: 5000 },
          { do: 'send', data: b64('hi\n') },
          { do: 'read', until: 'line', timeoutMs: 5000 },
        ],
      }),
      10_000,
    );
    expect(text(r.actors[0]!.steps[2]!.data)).toBe('HI\n');
    for (let i = 0; i < 100 && !closed.includes('end'); i++) await new Promise((res) => setTimeout(res, 20));
    expect(closed).toContain('end');
    server.close();
  });

  it('a script that outlasts its time fails alone: the next one gets a new worker', async () => {
    using echo = await udpEcho();
    const silent = createSocket('udp4');
    silent.bind(0, '127.0.0.1');
    await once(silent, 'listening');
    const { host, started } = localHost();
    await using worker = new ScriptWorker(host);
    const hung = worker.run(
      script({
        name: 'waits',
        proto: 'udp',
        host: '127.0.0.1',
        port: silent.address().port,
        steps: [
          { do: 'send', data: b64('x') },
          { do: 'read', until: 'datagram', timeoutMs: 20_000 },
        ],
      }),
      500,
    );
    await expect(hung).rejects.toThrow(/socket-script on the client host gave no result within 1 s/);
    const next = await worker.run(script(udpActor('after', echo.port, 'again')), 10_000);
    expect(text(next.actors[0]!.steps[1]!.data)).toBe('AGAIN');
    expect(started.streams).toBe(2);
    silent.close();
  });

  it('a request the program refuses is that script’s error, in one line', async () => {
    const { host } = localHost();
    await using worker = new ScriptWorker(host);
    const bad = { schema: 7, actors: [] } as unknown as ScriptRequest;
    await expect(worker.run(bad, 10_000)).rejects.toThrow(
      /socket-script on the client host: the script must be schema 1 with actors; got schema 7/,
    );
  });

  it('where the worker cannot start (an older socket-script), each script runs as its own process', async () => {
    using echo = await udpEcho();
    // An older program: no --serve, it refuses the option and ends.
    const { host, started } = localHost([process.execPath, '-e', 'process.exit(2)']);
    await using worker = new ScriptWorker(host);
    const r = await worker.run(script(udpActor('old', echo.port, 'still')), 10_000);
    const r2 = await worker.run(script(udpActor('old', echo.port, 'works')), 10_000);
    expect([r, r2].map((x) => text(x.actors[0]!.steps[1]!.data))).toEqual(['STILL', 'WORKS']);
    expect(started).toEqual({ streams: 1, execs: 2 });
  });
});
