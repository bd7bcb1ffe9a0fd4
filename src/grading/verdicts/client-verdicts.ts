// A client under test, run in the client host as `PROGRAM server PORT` with a sentence on its
// standard input, against the lab's own echo server: does it print the uppercase reply, does it
// give up when its datagram is lost, does it work through the lossy link.
import { type CheckContext, fail, type Outcome, pass } from '../context.ts';
import { preview } from '../exchange.ts';
import type { ProgramRun } from '../program.ts';
import { upper } from './common.ts';

const SENTENCE = 'hello socklab';
const howRun = (ctx: CheckContext): string => `run as PROGRAM server ${ctx.port}, the sentence on stdin`;

const printed = (r: ProgramRun): boolean => r.stdout.includes(upper(SENTENCE).toString());

function describe(r: ProgramRun, limitS: number): string {
  const out = r.stdout.trim().split('\n').slice(-2).join(' | ');
  const err = r.stderr.trim().split('\n').at(-1);
  return `${r.timedOut ? `still running after ${limitS} s` : `exit code ${r.exitCode}`}; it printed ${preview(Buffer.from(out), 120)}${err ? `, and on stderr ${preview(Buffer.from(err), 120)}` : ''}`;
}

export async function printsReply(ctx: CheckContext): Promise<Outcome> {
  await ctx.clean();
  const r = await ctx.runClient(`${SENTENCE}\n`, 15_000);
  return printed(r) && !r.timedOut
    ? pass(`sent '${SENTENCE}' (stdin), printed '${upper(SENTENCE)}' and ended`)
    : fail(`expected it to print '${upper(SENTENCE)}' and end: ${describe(r, 15)} (${howRun(ctx)})`);
}

export async function givesUp(ctx: CheckContext): Promise<Outcome> {
  // Every datagram toward the server is lost: a UDP client learns of it only by its own timeout.
  await ctx.lab.impair({ up: 'loss 100%', down: {}, seed: ctx.seed });
  await ctx.lab.resetLink();
  const r = await ctx.runClient(`${SENTENCE}\n`, 20_000);
  return r.timedOut
    ? fail(
        'with every datagram lost it waited for a reply that never came, until it was stopped after 20 s; UDP does not retransmit: set a timeout (clientSocket.settimeout(1)) and report the loss',
      )
    : pass(`with every datagram lost it ended by itself: ${describe(r, 20)}`);
}

export async function worksOverLink(ctx: CheckContext): Promise<Outcome> {
  await ctx.lossy();
  let ok = 0;
  let last: ProgramRun | null = null;
  for (let i = 0; i < 5; i++) {
    last = await ctx.runClient(`${SENTENCE}\n`, 60_000);
    if (printed(last) && !last.timedOut) ok++;
  }
  return ok === 5
    ? pass(
        `through the ${ctx.profile.name} link, 5 of 5 runs printed '${upper(SENTENCE)}': TCP retransmits what the link loses`,
      )
    : fail(
        `through the ${ctx.profile.name} link, ${ok} of 5 runs printed '${upper(SENTENCE)}'; the last: ${describe(last!, 60)}`,
      );
}
