// The UDP pinger lab, judged against the link's record: which pings (or their replies) the link
// dropped is known exactly, so the client's lines are compared one by one: an RTT where the ping
// came back, "Request timed out" where it did not. The seed is chosen so that some pings are lost
// (the link's decisions are pure functions of the seed and the flow's frame count).

import { type PreviewFrame, previewFates } from '../../link/control/fate-preview.ts';
import type { PacketRecord } from '../../link/control/packet-record.ts';
import type { LinkModel } from '../../link/model/impairment-model.ts';
import { type CheckContext, failed, type Outcome, passed } from '../context.ts';
import { preview } from '../exchange.ts';
import type { ProgramRun } from '../program.ts';
import { upper } from './common.ts';
import { defineVerdict } from './verdict.ts';

export const PINGS = 10;
const RUN_LIMIT_MS = 30_000;

/** How many of the first `n` pings (request or reply) a seed loses, from the link's own fates. */
export function pingsLost(model: LinkModel, seed: number, port: number, n = PINGS): number {
  const ports = { clientPort: 40000, serverPort: port };
  const frames: PreviewFrame[] = Array.from({ length: n }, (_, i) => [
    { dir: 'up' as const, payload: 'Ping', ...ports, atMs: i * 1000 },
    { dir: 'down' as const, payload: 'PING', ...ports, atMs: i * 1000 + 10, replyTo: 2 * i },
  ]).flat();
  const fates = previewFates(model, seed, frames);
  return fates.filter((f, k) => k % 2 === 1 && (f.fate !== 'forwarded' || f.corrupted)).length;
}

/** The first seed from `seed` on that loses between 2 and 5 of the ten pings. */
export function pingerSeed(model: LinkModel, seed: number, port: number): number {
  for (let s = seed; s < seed + 10_000; s++) {
    const lost = pingsLost(model, s >>> 0, port);
    if (lost >= 2 && lost <= 5) return s >>> 0;
  }
  return seed;
}

interface PingerRun {
  run: ProgramRun;
  requests: PacketRecord[];
  /** For each request, its reply's record (matched by content: the echo is the request in uppercase). */
  replies: (PacketRecord | null)[];
  seed: number;
}

async function pingerRun(ctx: CheckContext): Promise<PingerRun> {
  const memo = ctx.memo.get('pinger') as PingerRun | undefined;
  if (memo) return memo;
  const model = ctx.profile.model;
  const seed = pingerSeed(model, ctx.seed, ctx.port);
  await ctx.lab.impair({ up: model.up, down: model.down, seed });
  await ctx.resetLink();
  const run = await ctx.runClient('', RUN_LIMIT_MS);
  const recs = (await ctx.linkRecord({ head: true })).filter((r) => r.proto === 'udp');
  const requests = recs.filter((r) => r.dir === 'up' && r.dport === ctx.port);
  const downs = recs.filter((r) => r.dir === 'down' && r.sport === ctx.port);
  const replies = requests.map((q) => {
    const want = upper(Buffer.from(q.head ?? '', 'base64'));
    return (
      downs.find(
        (d) =>
          Buffer.from(d.head ?? '', 'base64').equals(
            want.subarray(0, Buffer.from(d.head ?? '', 'base64').length),
          ) && d.plen === q.plen,
      ) ?? null
    );
  });
  const r: PingerRun = { run, requests, replies, seed };
  ctx.memo.set('pinger', r);
  return r;
}

const cameBack = (q: PacketRecord, reply: PacketRecord | null): boolean =>
  q.fate === 'forwarded' &&
  !q.corrupted &&
  reply !== null &&
  reply.fate === 'forwarded' &&
  (!reply.corrupted || reply.duplicated);

/** What the link did to ping k, in words. */
function fateOf(q: PacketRecord, reply: PacketRecord | null): string {
  if (q.fate !== 'forwarded') return `the link dropped the ping (${q.fate === 'lost' ? 'lost' : q.fate})`;
  if (q.corrupted) return "the link corrupted the ping (the server's checksum dropped it)";
  if (!reply) return 'the server did not answer it';
  if (reply.fate !== 'forwarded')
    return `the link dropped the reply (${reply.fate === 'lost' ? 'lost' : reply.fate})`;
  if (reply.corrupted && !reply.duplicated)
    return "the link corrupted the reply (the client's checksum dropped it)";
  return 'the link carried the ping and its reply';
}

export type PingLine = 'reply' | 'timeout';

/** The client's per-ping lines: "Request timed out", or a reply with its RTT; summaries and chatter aside. */
export function pingLines(stdout: string): { kind: PingLine; text: string }[] {
  const out: { kind: PingLine; text: string }[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (/time[sd]?[\s-]*out/i.test(line)) out.push({ kind: 'timeout', text: line });
    else if (/\b(min|max|avg|average|mdev|loss|transmitted|statistics|summary)\b/i.test(line)) continue;
    else if (
      /PING \d/.test(line) ||
      /\brtt\b/i.test(line) ||
      /\d(\.\d+)?\s*(ms|msec|milliseconds|s|sec|seconds)\b/i.test(line)
    )
      out.push({ kind: 'reply', text: line });
  }
  return out;
}

async function judgePings(ctx: CheckContext): Promise<Outcome> {
  const { requests, replies } = await pingerRun(ctx);
  if (requests.length !== PINGS)
    return failed(
      `the link saw ${requests.length} ping datagrams from the client to port ${ctx.port}; the lab asks for ${PINGS}`,
    );
  for (let k = 1; k < requests.length; k++) {
    const prev = requests[k - 1]!;
    const reply = replies[k - 1];
    // The next ping may leave only once the previous one's reply arrived, or its timeout passed.
    const earliest = cameBack(prev, reply ?? null) ? reply!.t + reply!.delayMs - 1 : prev.t + 500;
    if (requests[k]!.t < earliest)
      return failed(
        `ping ${k + 1} was sent before ping ${k}'s ${cameBack(prev, reply ?? null) ? 'reply had arrived' : 'timeout'}: the pings must go one at a time`,
        { measured: { gapMs: Math.round(requests[k]!.t - prev.t) } },
      );
  }
  return passed(`${PINGS} pings, each after the previous one's reply or timeout`);
}

async function judgeReportsEach(ctx: CheckContext): Promise<Outcome> {
  const { run, requests, replies, seed } = await pingerRun(ctx);
  const lines = pingLines(run.stdout);
  const n = Math.min(requests.length, PINGS);
  const expected = requests
    .slice(0, n)
    .map((q, k) => (cameBack(q, replies[k] ?? null) ? 'reply' : 'timeout'));
  const lostCount = expected.filter((e) => e === 'timeout').length;
  if (lines.length !== n)
    return failed(
      `${n} pings, of which the link made ${lostCount} fail, but it printed ${lines.length} ping lines (an RTT or "Request timed out" each): ${preview(Buffer.from(run.stdout.trim().split('\n').slice(0, 12).join(' | ')), 300)}`,
      { measured: { seed } },
    );
  for (let k = 0; k < n; k++) {
    if (lines[k]!.kind !== expected[k]) {
      const what = fateOf(requests[k]!, replies[k] ?? null);
      return failed(
        `ping ${k + 1}: ${what}, so expected ${expected[k] === 'reply' ? 'its RTT' : '"Request timed out"'}, but it printed ${preview(Buffer.from(lines[k]!.text), 120)}`,
      );
    }
  }
  return passed(
    `all ${n} lines agree with the link: ${n - lostCount} RTTs where the ping came back, ${lostCount} "Request timed out" where the link dropped it`,
  );
}

async function judgeEnds(ctx: CheckContext): Promise<Outcome> {
  const { run } = await pingerRun(ctx);
  return run.timedOut
    ? failed(
        `it was still running after ${RUN_LIMIT_MS / 1000} s: ten pings with a 1 s timeout each take at most about 10 s; does it wait without a timeout?`,
      )
    : passed(`it ended by itself (exit code ${run.exitCode})`);
}

export const pings = defineVerdict({
  id: 'pings',
  title: 'sends ten pings, one at a time',
  measures: 'the link sees ten ping datagrams, each sent after the previous reply or its timeout',
  roles: ['client'],
  framings: ['pinger'],
  points: 30,
  run: judgePings,
});

export const reportsEach = defineVerdict({
  id: 'reports-each',
  title: 'reports each ping as the link treated it',
  measures:
    'line by line against the link’s record: an RTT for each ping that came back, "Request timed out" for each lost one',
  roles: ['client'],
  framings: ['pinger'],
  points: 50,
  run: judgeReportsEach,
});

export const ends = defineVerdict({
  id: 'ends',
  title: 'ends by itself',
  measures: 'the pinger ends on its own within ten timeouts and a margin',
  roles: ['client'],
  framings: ['pinger'],
  points: 20,
  run: judgeEnds,
});
