// bench:lab — how long `socklab up` takes until the lab is ready, and `socklab down`, with the
// image cached; next to plain `docker run` of three containers of the same image on the same
// engine, in the same run; and the netns backend (network namespaces, root, no Docker) the same
// ways. Median of several rounds, interleaved. Then labs of 1, 4 and 8 clients, and the relay's
// throughput with 4 clients sending at once against 1.
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PROGRAM as UDP_ECHO_CLIENT } from '../src/apps/udp-echo-client.ts';
import { exposePort } from '../src/lab/expose.ts';
import { netnsUnavailable } from '../src/lab/netns/netns-lab.ts';
import { runProgram } from '../src/lab/run-program.ts';
import { type Backend, LAB_IMAGE, startLab } from '../src/lab/start-lab.ts';
import { withDirectAddress } from '../test/support/direct-address-host.ts';
import { relayClientsReport } from './relay-clients.ts';

const run = promisify(execFile);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CLI = fileURLToPath(new URL('../bin/socklab.js', import.meta.url));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
}

async function plainDocker(tag: string): Promise<[number, number]> {
  const names = ['a', 'b', 'c'].map((n) => `socklab-bench-${tag}-${n}`);
  const [, up] = await timed(() =>
    Promise.all(
      names.map((n) =>
        run('docker', [
          'run',
          '-d',
          '--init',
          '--rm',
          '--name',
          n,
          '--entrypoint',
          'sleep',
          LAB_IMAGE,
          'infinity',
        ]),
      ),
    ),
  );
  const [, down] = await timed(() => run('docker', ['rm', '-f', ...names]));
  return [up, down];
}

/** Round trips of `n` datagrams, one at a time, from this machine to a UDP port: each in ms. */
async function udpRtts(port: number, n: number): Promise<number[]> {
  const s = createSocket('udp4');
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await new Promise<void>((resolve) => {
      s.once('message', () => resolve());
      s.send(`${i}:bench`, port, '127.0.0.1');
    });
    out.push(performance.now() - t);
  }
  s.close();
  return out;
}

const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;

/** A user's image at the server end (start, stop), and what the expose path adds to a round trip. */
async function ownApps(): Promise<void> {
  await run(fileURLToPath(new URL('../test/apps/build.sh', import.meta.url)), ['nginx']);
  const ups: number[] = [];
  const downs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const [lab, up] = await timed(() =>
      startLab({
        project: `socklab-bench-app-${i}`,
        autoCleanup: false,
        server: { image: 'socklab-test-nginx', ready: { port: 80 } },
      }),
    );
    const [, down] = await timed(() => lab.down());
    ups.push(up);
    downs.push(down);
  }
  console.log(
    `startLab with a user's image (nginx) at the server end, median of ${ROUNDS}: up ${(median(ups) / 1000).toFixed(2)} s, down ${(median(downs) / 1000).toFixed(2)} s`,
  );
  const backends: Backend[] = ['docker', ...((await netnsUnavailable()) ? [] : (['netns'] as const))];
  for (const backend of backends) {
    await using lab = await startLab({ backend, autoCleanup: false, impair: 'delay 5ms' });
    const n = 400;
    // The link's own round trip: from inside the client host, socklab's UDP client, one at a time (25 ms apart).
    const inside = await runProgram(lab.client, UDP_ECHO_CLIENT, {
      host: 'server',
      count: n,
      interval: 25,
      'per-seq': true,
    });
    const linkRtts = (inside.rtts ?? []).filter((x): x is number => x !== null);
    const udp = await lab.expose(12000, 'udp');
    await udpRtts(udp.port, 20);
    const viaExpose = await udpRtts(udp.port, n);
    const adds = (rtts: number[], p: number): number => pct(rtts, p) - pct(linkRtts, p);
    console.log(
      `${backend}: UDP round trip through delay 5ms each way, ${n} one at a time: the link inside the lab p50 ${pct(linkRtts, 0.5).toFixed(2)} ms, p99 ${pct(linkRtts, 0.99).toFixed(2)} ms; ` +
        `from this machine through expose (tunnel: ${udp.tunnel}) p50 ${pct(viaExpose, 0.5).toFixed(2)} ms, p99 ${pct(viaExpose, 0.99).toFixed(2)} ms; ` +
        `expose adds p50 ${adds(viaExpose, 0.5).toFixed(2)} ms, p99 ${adds(viaExpose, 0.99).toFixed(2)} ms (target: p50 ≤ 1 ms ${adds(viaExpose, 0.5) <= 1 ? 'met' : 'NOT met'})`,
    );
    if (udp.tunnel === 'direct') {
      // The same through the engine's exec stream (what an engine this machine cannot reach gets).
      const stream = await exposePort(withDirectAddress(lab.client, null), 12000, 'udp');
      await udpRtts(stream.port, 20);
      const viaStream = await udpRtts(stream.port, n);
      await stream.close();
      console.log(
        `  the same through the engine's stream: adds p50 ${adds(viaStream, 0.5).toFixed(2)} ms, p99 ${adds(viaStream, 0.99).toFixed(2)} ms`,
      );
    }
  }
}

async function main(): Promise<void> {
  const labUp: number[] = [];
  const labDown: number[] = [];
  const cliUp: number[] = [];
  const cliDown: number[] = [];
  const dockerUp: number[] = [];
  const dockerDown: number[] = [];
  const nsUp: number[] = [];
  const nsDown: number[] = [];
  const nsCliUp: number[] = [];
  const nsCliDown: number[] = [];
  const netnsWhyNot = await netnsUnavailable();
  const netns = netnsWhyNot === null;
  for (let i = 0; i < ROUNDS; i++) {
    // As `socklab up` does: no reaper, the lab is removed by down().
    const [lab, up] = await timed(() =>
      startLab({ project: `socklab-bench-${process.pid}-${i}`, autoCleanup: false }),
    );
    const [, down] = await timed(() => lab.down());
    labUp.push(up);
    labDown.push(down);
    // The same as a user types it: a node process each, its start-up included.
    const project = `socklab-bench-cli-${process.pid}-${i}`;
    const [, cu] = await timed(() => run(process.execPath, [CLI, 'up', '--project', project]));
    const [, cd] = await timed(() => run(process.execPath, [CLI, 'down', '--project', project]));
    cliUp.push(cu);
    cliDown.push(cd);
    const [du, dd] = await plainDocker(`${process.pid}-${i}`);
    dockerUp.push(du);
    dockerDown.push(dd);
    if (!netns) continue;
    const [nsLab, nu] = await timed(() => startLab({ backend: 'netns', project: `socklab-bn-${i}` }));
    const [, nd] = await timed(() => nsLab.down());
    nsUp.push(nu);
    nsDown.push(nd);
    const nsProject = `socklab-bnc-${i}`;
    const [, ncu] = await timed(() =>
      run(process.execPath, [CLI, 'up', '--backend', 'netns', '--project', nsProject]),
    );
    const [, ncd] = await timed(() => run(process.execPath, [CLI, 'down', '--project', nsProject]));
    nsCliUp.push(ncu);
    nsCliDown.push(ncd);
  }
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`.padStart(9);
  console.log(`lab start-up and teardown, image cached, median of ${ROUNDS} rounds`);
  console.log(`${''.padEnd(44)} ${'up'.padStart(9)} ${'down'.padStart(9)}`);
  console.log(
    `${'startLab() → ready / down() (3 hosts, 2 nets)'.padEnd(44)} ${s(median(labUp))} ${s(median(labDown))}`,
  );
  console.log(
    `${'socklab up / down as commands (node included)'.padEnd(44)} ${s(median(cliUp))} ${s(median(cliDown))}`,
  );
  console.log(
    `${'docker run of 3 containers / rm -f'.padEnd(44)} ${s(median(dockerUp))} ${s(median(dockerDown))}`,
  );
  console.log(
    `${'ratio startLab() to docker run'.padEnd(44)} ${`${(median(labUp) / median(dockerUp)).toFixed(2)}x`.padStart(9)} ${`${(median(labDown) / median(dockerDown)).toFixed(2)}x`.padStart(9)}`,
  );
  if (netns) {
    console.log(
      `${"startLab({ backend: 'netns' }) / down()".padEnd(44)} ${s(median(nsUp))} ${s(median(nsDown))}`,
    );
    console.log(
      `${'socklab up --backend netns / down (node incl.)'.padEnd(44)} ${s(median(nsCliUp))} ${s(median(nsCliDown))}`,
    );
  } else console.log(`netns backend not measured: ${netnsWhyNot}`);
  const met = (ms: number, target: number): string => (ms <= target * 1000 ? 'met' : 'NOT met');
  console.log(
    `targets: up ≤ 3 s (startLab ${met(median(labUp), 3)}, command ${met(median(cliUp), 3)}), ` +
      `down ≤ 2 s (down() ${met(median(labDown), 2)}, command ${met(median(cliDown), 2)})`,
  );
  if (netns)
    console.log(
      `netns targets: up ≤ 0.5 s (startLab ${met(median(nsUp), 0.5)}, command ${met(median(nsCliUp), 0.5)}), ` +
        `down ≤ 0.3 s (down() ${met(median(nsDown), 0.3)}, command ${met(median(nsCliDown), 0.3)})`,
    );
}

/** Labs of 1, 4 and 8 clients on each backend: up and down, median of a few rounds. */
async function manyClients(): Promise<void> {
  const rounds = Math.max(1, Math.min(ROUNDS, 3));
  const backends: Backend[] = ['docker', ...((await netnsUnavailable()) ? [] : (['netns'] as const))];
  console.log(`labs of several clients: startLab({ clients }) → ready / down(), median of ${rounds}`);
  for (const backend of backends)
    for (const clients of [1, 4, 8]) {
      const ups: number[] = [];
      const downs: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const [lab, up] = await timed(() =>
          startLab({ backend, clients, project: `socklab-bm-${clients}-${i}`, autoCleanup: false }),
        );
        const [, down] = await timed(() => lab.down());
        ups.push(up);
        downs.push(down);
      }
      console.log(
        `  ${backend.padEnd(6)} ${String(clients).padStart(2)} client(s): up ${(median(ups) / 1000).toFixed(2)} s, down ${(median(downs) / 1000).toFixed(2)} s`,
      );
    }
  await relayClientsReport(Number(process.env.BENCH_SECONDS ?? 3));
}

// BENCH_PART: apps (a user's image, expose) or clients (labs of several clients, the relay's
// throughput with 4 clients against 1); unset, everything.
const part = process.env.BENCH_PART;
if (part === undefined) await main();
if (part === undefined || part === 'clients') await manyClients();
if (part === undefined || part === 'apps') await ownApps();
