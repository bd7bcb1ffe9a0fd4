// A client under test, run in the client host as `PROGRAM server PORT` with a sentence on its
// standard input, against the lab's own echo server: does it print the uppercase reply, does it
// give up when its datagram is lost, does it work through the lossy link.
import { type CheckContext, failed, type Outcome, passed } from '../context.ts';
import { preview } from '../exchange.ts';
import { ECHO_FRAMINGS, TCP_ECHO_FRAMINGS } from '../framing.ts';
import type { ProgramRun } from '../program.ts';
import { upper } from './common.ts';
import { defineVerdict } from './verdict.ts';

const SENTENCE = 'hello socklab';
const howRun = (ctx: CheckContext): string => `run as PROGRAM server ${ctx.port}, the sentence on stdin`;

const printed = (r: ProgramRun): boolean => r.stdout.includes(upper(SENTENCE).toString());

function describe(r: ProgramRun, limitS: number): string {
  const out = r.stdout.trim().split('\n').slice(-2).join(' | ');
  const err = r.stderr.trim().split('\n').at(-1);
  return `${r.timedOut ? `still running after ${limitS} s` : `exit code ${r.exitCode}`}; it printed ${preview(Buffer.from(out), 120)}${err ? `, and on stderr ${preview(Buffer.from(err), 120)}` : ''}`;
}

async function judgePrintsReply(ctx: CheckContext): Promise<Outcome> {
  await ctx.clean();
  const r = await ctx.runClient(`${SENTENCE}\n`, 15_000);
  return printed(r) && !r.timedOut
    ? passed(`sent '${SENTENCE}' (stdin), printed '${upper(SENTENCE)}' and ended`)
    : failed(`expected it to print '${upper(SENTENCE)}' and end: ${describe(r, 15)} (${howRun(ctx)})`);
}

async function judgeGivesUp(ctx: CheckContext): Promise<Outcome> {
  // Every datagram toward the server is lost: a UDP client learns of it only by its own timeout.
  await ctx.lab.impair({ up: 'loss 100%', down: {}, seed: ctx.seed });
  await ctx.resetLink();
  const r = await ctx.runClient(`${SENTENCE}\n`, 20_000);
  return r.timedOut
    ? failed(
        'with every datagram lost it waited for a reply that never came, until it was stopped after 20 s; UDP does not retransmit: set a timeout (clientSocket.settimeout(1)) and report the loss',
      )
    : passed(`with every datagram lost it ended by itself: ${describe(r, 20)}`);
}

async function judgeWorksOverLink(ctx: CheckContext): Promise<Outcome> {
  await ctx.lossy();
  let ok = 0;
  // The first run that did not print it is the evidence (a later one may have).
  let failedRun: { run: ProgramRun; index: number } | null = null;
  for (let i = 0; i < 5; i++) {
    const run = await ctx.runClient(`${SENTENCE}\n`, 60_000);
    if (printed(run) && !run.timedOut) ok++;
    else failedRun ??= { run, index: i + 1 };
  }
  return ok === 5
    ? passed(
        `through the ${ctx.profile.name} link, 5 of 5 runs printed '${upper(SENTENCE)}': TCP retransmits what the link loses`,
      )
    : failed(
        `through the ${ctx.profile.name} link, ${ok} of 5 runs printed '${upper(SENTENCE)}'; run ${failedRun!.index}: ${describe(failedRun!.run, 60)}`,
      );
}

export const printsReply = defineVerdict({
  id: 'prints-reply',
  title: 'prints the uppercase reply',
  measures:
    'run as PROGRAM server PORT with a sentence on stdin: it prints the server’s uppercase reply and ends',
  roles: ['client'],
  framings: ECHO_FRAMINGS,
  points: 50,
  run: judgePrintsReply,
});

export const givesUp = defineVerdict({
  id: 'gives-up',
  title: 'gives up when its datagram is lost',
  measures: 'every datagram lost: it must end by itself (a timeout) instead of waiting forever',
  roles: ['client'],
  framings: ['datagram'],
  points: 50,
  run: judgeGivesUp,
});

export const worksOverLink = defineVerdict({
  id: 'works-over-link',
  title: 'works through the lossy link',
  measures: 'five runs through the assignment’s profile each print the uppercase reply (TCP retransmits)',
  roles: ['client'],
  framings: TCP_ECHO_FRAMINGS,
  points: 50,
  run: judgeWorksOverLink,
});
