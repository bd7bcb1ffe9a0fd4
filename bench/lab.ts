// bench:lab — how long `socklab up` takes until the lab is ready, and `socklab down`, with the
// image cached; next to plain `docker run` of three containers of the same image on the same
// engine, in the same run. Median of several rounds, interleaved.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LAB_IMAGE, startLab } from '../src/lab/start-lab.ts';

const run = promisify(execFile);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
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

async function main(): Promise<void> {
  const labUp: number[] = [];
  const labDown: number[] = [];
  const dockerUp: number[] = [];
  const dockerDown: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // As `socklab up` does: no reaper, the lab is removed by down().
    const [lab, up] = await timed(() =>
      startLab({ project: `socklab-bench-${process.pid}-${i}`, autoCleanup: false }),
    );
    const [, down] = await timed(() => lab.down());
    labUp.push(up);
    labDown.push(down);
    const [du, dd] = await plainDocker(`${process.pid}-${i}`);
    dockerUp.push(du);
    dockerDown.push(dd);
  }
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`.padStart(9);
  console.log(`lab start-up and teardown, image cached, median of ${ROUNDS} rounds`);
  console.log(`${''.padEnd(44)} ${'up'.padStart(9)} ${'down'.padStart(9)}`);
  console.log(
    `${'socklab up → ready / down (3 hosts, 2 nets)'.padEnd(44)} ${s(median(labUp))} ${s(median(labDown))}`,
  );
  console.log(
    `${'docker run of 3 containers / rm -f'.padEnd(44)} ${s(median(dockerUp))} ${s(median(dockerDown))}`,
  );
  console.log(
    `${'ratio'.padEnd(44)} ${`${(median(labUp) / median(dockerUp)).toFixed(2)}x`.padStart(9)} ${`${(median(labDown) / median(dockerDown)).toFixed(2)}x`.padStart(9)}`,
  );
  console.log('targets: up ≤ 3 s, down ≤ 2 s');
}

await main();
