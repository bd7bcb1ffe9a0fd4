// socklab expose PORT/PROTO...: ports on this machine (127.0.0.1) whose traffic enters a running
// lab at the client end and crosses its impaired link to the server's port, so that a browser, a
// test suite or dig on this machine talks to the app under test. Runs until Ctrl-C (or `socklab
// down`); `socklab up --expose` starts it in the background.
import type { Command } from 'commander';
import { parsePortSpec } from '../../lab/endpoint.ts';
import type { Exposed } from '../../lab/expose.ts';
import { type ExposeState, stopExpose, writeExposeState } from '../../lab/expose-state.ts';
import { targetLab } from '../lab-target.ts';

const collect = (v: string, all: string[]): string[] => [...all, v];

export function registerExpose(program: Command): void {
  program
    .command('expose')
    .description(
      'ports on 127.0.0.1 that enter the lab at the client end and reach the server through the link',
    )
    .argument('<port/proto...>', 'the server ports, e.g. 6789/tcp 53/udp')
    .option('--project <name>', 'which lab')
    .option('--local <port>', 'the port on this machine (one port only; default: a free one)', collect, [])
    .action(async (specs: string[], o) => {
      const wanted = specs.map(parsePortSpec);
      const locals = (o.local as string[]).map(Number);
      const lab = await targetLab(o.project);
      const exposed: Exposed[] = [];
      for (const [i, w] of wanted.entries())
        exposed.push(await lab.expose(w.port, w.proto, { localPort: locals[i] ?? 0 }));
      const state = (): ExposeState => ({
        pid: process.pid,
        exposed: exposed.map((e) => ({
          proto: e.proto,
          port: e.port,
          labPort: e.labPort,
          lastError: e.lastError,
          channels: e.channels,
        })),
      });
      writeExposeState(lab.project, state());
      for (const e of exposed)
        process.stdout.write(
          `127.0.0.1:${e.port}/${e.proto} -> server:${e.labPort}/${e.proto} in lab ${lab.project}\n`,
        );
      // What status shows (the last problem reaching the server) stays current.
      const timer = setInterval(() => writeExposeState(lab.project, state()), 1000);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      clearInterval(timer);
      await Promise.all(exposed.map((e) => e.close()));
      stopExpose(lab.project);
      process.exit(0);
    });
}
