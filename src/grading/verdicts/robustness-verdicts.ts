// Robustness: unusual but legal input, the kind a real network brings. Each sends one thing,
// then a normal sentence from another client: the verdict says what was sent and what the
// program did (kept serving, or died with its last output).
import type { Actor } from '../../apps/socket-script.ts';
import { type CheckContext, failed, type Outcome, passed } from '../context.ts';
import { appendExchange, preview } from '../exchange.ts';
import { ECHO_FRAMINGS, TCP_ECHO_FRAMINGS } from '../framing.ts';
import { b64 } from './common.ts';
import { stillServes } from './echo-verdicts.ts';
import { defineVerdict } from './verdict.ts';

const NOT_UTF8 = Buffer.from([
  0xff, 0xfe, 0x20, 0x73, 0x6f, 0x63, 0x6b, 0x6c, 0x61, 0x62, 0x20, 0xc3, 0x28, 0x80,
]);

/**
 * Sends something unusual, then a normal sentence: over UDP from the same socket (so that what is
 * judged is only whether it went on serving, not how it tells clients apart), over TCP on a new
 * connection. Kept serving is any answer to the normal sentence; the right answer is `echoes`'s.
 */
async function after(ctx: CheckContext, what: string, actor: Actor): Promise<Outcome> {
  await ctx.clean();
  if (actor.proto === 'udp') {
    const normal = `still there after ${what}?`;
    const { result, exchange } = await ctx.script([
      {
        ...actor,
        steps: [
          ...actor.steps,
          // Give a program that is going to die the time to do it.
          { do: 'pause', ms: 300 },
          { do: 'send', data: b64(normal) },
          { do: 'read', until: 'datagram', timeoutMs: 2000 },
        ],
      },
    ]);
    if (result.actors[0]?.steps.at(-1)?.data)
      return passed(`after ${what}, it went on serving: a normal sentence got its answer`, { exchange });
    return failed(await stopped(ctx, what), { exchange });
  }
  const first = await ctx.script([actor]);
  await new Promise((r) => setTimeout(r, 300));
  const next = await stillServes(ctx, what);
  if (next) return { ...next, exchange: appendExchange(first.exchange, next.exchange ?? [], 300) };
  return passed(`after ${what}, it went on serving: a normal sentence got its answer`, {
    exchange: first.exchange,
  });
}

/** Why a program no longer answers: it died (with its last output), or it lives but is silent. */
async function stopped(ctx: CheckContext, what: string): Promise<string> {
  if (await ctx.program.alive()) return `after ${what}, a normal sentence got no answer: it no longer serves`;
  const last = (await ctx.program.output(3)).trim().split('\n').at(-1) ?? '';
  return `after ${what}, it died${last ? `; its last output: ${last.slice(0, 200)}` : ' without a word'}`;
}

const server = (ctx: CheckContext) => ({ host: 'server', port: ctx.port });

function judgeNonUtf8(ctx: CheckContext): Promise<Outcome> {
  const what = `${NOT_UTF8.length} bytes that are not UTF-8 (${preview(NOT_UTF8)})`;
  if (ctx.assignment.framing === 'datagram')
    return after(ctx, what, {
      name: 'client',
      proto: 'udp',
      ...server(ctx),
      steps: [
        { do: 'send', data: b64(NOT_UTF8) },
        { do: 'read', until: 'datagram', timeoutMs: 1000 },
      ],
    });
  return after(ctx, `${what} and a newline`, {
    name: 'client',
    proto: 'tcp',
    ...server(ctx),
    steps: [
      { do: 'connect', timeoutMs: 5000 },
      { do: 'send', data: b64(Buffer.concat([NOT_UTF8, Buffer.from('\n')])) },
      { do: 'read', until: 'reply', timeoutMs: 1500, quietMs: 300 },
      { do: 'close' },
    ],
  });
}

function judgeEmptyDatagram(ctx: CheckContext): Promise<Outcome> {
  return after(ctx, 'an empty datagram', {
    name: 'client',
    proto: 'udp',
    ...server(ctx),
    steps: [
      { do: 'send', data: '' },
      { do: 'read', until: 'datagram', timeoutMs: 1000 },
    ],
  });
}

async function judgeBurst(ctx: CheckContext): Promise<Outcome> {
  const out = await after(ctx, '1000 datagrams at once', {
    name: 'burst',
    proto: 'udp',
    ...server(ctx),
    steps: [
      { do: 'burst', data: b64('one datagram of a burst'), count: 1000 },
      { do: 'read', until: 'datagrams', timeoutMs: 5000, quietMs: 500 },
    ],
  });
  return out;
}

function judgeEmptyConnection(ctx: CheckContext): Promise<Outcome> {
  return after(ctx, 'a connection closed without a byte', {
    name: 'client',
    proto: 'tcp',
    ...server(ctx),
    steps: [
      { do: 'connect', timeoutMs: 5000 },
      { do: 'close' },
      { do: 'read', until: 'close', timeoutMs: 1000 },
    ],
  });
}

function judgeClientReset(ctx: CheckContext): Promise<Outcome> {
  const half = ctx.assignment.framing === 'http' ? 'GET /HelloWor' : 'half a sent';
  return after(ctx, `a client that sent ${preview(Buffer.from(half))} and reset the connection`, {
    name: 'client',
    proto: 'tcp',
    ...server(ctx),
    steps: [
      { do: 'connect', timeoutMs: 5000 },
      { do: 'send', data: b64(half) },
      { do: 'pause', ms: 200 },
      { do: 'reset' },
    ],
  });
}

export const nonUtf8 = defineVerdict({
  id: 'non-utf8',
  title: 'survives bytes that are not UTF-8',
  measures: 'a message of bytes that are not UTF-8, then a normal sentence: it must still be answered',
  roles: ['server'],
  framings: ECHO_FRAMINGS,
  points: 0,
  run: judgeNonUtf8,
});

export const emptyDatagram = defineVerdict({
  id: 'empty-datagram',
  title: 'survives an empty datagram',
  measures: 'a datagram of no bytes, then a normal sentence: it must still be answered',
  roles: ['server'],
  framings: ['datagram'],
  points: 0,
  run: judgeEmptyDatagram,
});

export const burst = defineVerdict({
  id: 'burst',
  title: 'survives a burst of 1000 datagrams',
  measures: '1000 datagrams as fast as they go, then a normal sentence: it must still be answered',
  roles: ['server'],
  framings: ['datagram'],
  points: 0,
  run: judgeBurst,
});

export const emptyConnection = defineVerdict({
  id: 'empty-connection',
  title: 'survives a connection that sends nothing',
  measures: 'a client connects and closes without a byte, then a normal client: it must still be answered',
  roles: ['server'],
  framings: TCP_ECHO_FRAMINGS,
  points: 0,
  run: judgeEmptyConnection,
});

export const clientReset = defineVerdict({
  id: 'client-reset',
  title: 'survives a client that resets mid-sentence',
  measures:
    'a client sends half a sentence and resets the connection (RST), then a normal client: it must still be answered',
  roles: ['server'],
  framings: [...TCP_ECHO_FRAMINGS, 'http'],
  points: 0,
  run: judgeClientReset,
});
