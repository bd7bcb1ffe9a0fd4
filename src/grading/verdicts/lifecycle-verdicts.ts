// compiles, starts: the two verdicts every other one stands on. A C program that does not
// compile, or a server that does not listen on the assignment's port where other hosts can reach
// it, cannot be judged further: both are gates (the rest are reported as not run, with why).
import type { Proto } from '../../common/proto.ts';
import { waitListening } from '../../lab/host-processes.ts';
import { type CheckContext, failed, type Outcome, passed } from '../context.ts';
import { FRAMINGS } from '../framing.ts';
import type { ProgramUnderTest } from '../program.ts';
import { defineVerdict } from './verdict.ts';

/** How long a server has to listen after it was started. */
const LISTEN_WITHIN_MS = 10_000;

async function judgeCompiles(ctx: CheckContext): Promise<Outcome> {
  const c = await ctx.program.compile();
  ctx.lastOutput = c.output;
  if (c.ok) return passed('cc compiled it');
  const first = c.output.trim().split('\n').slice(0, 8).join(' | ').slice(0, 600);
  return failed(`cc could not compile it: ${first}`);
}

/** Starts the server (`PROGRAM PORT`) and waits until it listens where the client host can reach it. */
export async function startServer(p: ProgramUnderTest, proto: Proto, port: number): Promise<Outcome> {
  const pid = await p.start([String(port)]);
  const state = await waitListening(p.host, proto, port, pid, LISTEN_WITHIN_MS);
  const PROTO = proto.toUpperCase();
  if (state === 'listening') {
    // Where it listens: every address, or the lab's; loopback alone cannot be reached from the client.
    const ss = await p.host.exec(['ss', `-Hln${proto === 'udp' ? 'u' : 't'}`, `sport = :${port}`]);
    const local = ss.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[3] ?? '')
      .map((a) => a.slice(0, a.lastIndexOf(':')));
    if (!local.some((a) => !/^(127\.|\[::1\]|::1)/.test(a)))
      return failed(
        `it listens on ${PROTO} port ${port} of ${local.join(', ')} only, which other hosts cannot reach; bind to '' (every address), as the textbook does`,
      );
    return passed(`it listens on ${PROTO} port ${port}`);
  }
  const last = (await p.output(3)).trim().split('\n').at(-1) ?? '';
  const why =
    state === 'exited'
      ? `it exited${last ? `: ${last.slice(0, 300)}` : ' without a word'}`
      : `nothing listened on ${PROTO} port ${port} within ${LISTEN_WITHIN_MS / 1000} s`;
  return failed(`${why}; it is run as PROGRAM ${port} and must listen on ${PROTO} port ${port}`);
}

/** Starts the server again if it died; says whether it had to. */
export async function ensureRunning(p: ProgramUnderTest, proto: Proto, port: number): Promise<boolean> {
  if (await p.alive()) return false;
  await p.killAll();
  await startServer(p, proto, port);
  return true;
}

export const compiles = defineVerdict({
  id: 'compiles',
  title: 'compiles',
  measures:
    'a C program is compiled with cc in its host; compiler errors are the reason (added for .c files)',
  roles: ['server', 'client'],
  framings: FRAMINGS,
  points: 0,
  gate: 'it did not compile',
  automatic: true,
  run: judgeCompiles,
});

export const starts = defineVerdict({
  id: 'starts',
  title: 'starts and listens',
  measures:
    'the program listens on the assignment’s protocol and port within 10 s (always first; nothing else runs without it)',
  roles: ['server'],
  framings: ['datagram', 'oneshot', 'stream', 'http'],
  points: 10,
  gate: 'it did not start and listen',
  run: (ctx) => startServer(ctx.program, ctx.assignment.protocol, ctx.port),
});
