// Faults aimed at one protocol event (the link's event rules): what random loss finds by chance,
// exactly and every run. A lost SYN-ACK costs a TCP connection a second (the client's kernel
// resends its SYN); a program that gives up on a connection sooner than that fails. A duplicated
// reply is what UDP may deliver; a client that asked once takes one answer. Each verdict checks in
// the link's record that its rule hit, so a pass always means the fault happened (to the SYN-ACK
// of a handshake begun in that try, not one the server resent for an earlier, abandoned connection).
import type { PacketRecord } from '../../link/control/packet-record.ts';
import { tcpEventBit, tcpEventBits } from '../../link/model/event-rules.ts';
import { type CheckContext, failed, type Outcome, passed } from '../context.ts';
import { preview } from '../exchange.ts';
import { TCP_ECHO_FRAMINGS } from '../framing.ts';
import { upper } from './common.ts';
import { stillServes } from './echo-verdicts.ts';
import { defineVerdict } from './verdict.ts';

const SENTENCE = 'hello socklab';
const SYN_ACK_RULE = 'drop tcp syn-ack #1';
const DUPLICATE_RULE = 'duplicate udp reply #1';

/** The frames the rule decided (the only rule in force: the record names it in its own words). */
const hits = (records: readonly PacketRecord[]): PacketRecord[] =>
  records.filter((r) => r.rule !== undefined);

/** A clean link but for the one rule, on the server-to-client direction. */
async function aimed(ctx: CheckContext, rule: string): Promise<void> {
  await ctx.lab.impair({ impair: 'none', down: rule, seed: ctx.seed });
  await ctx.resetLink();
}

/**
 * The rule's hits on a handshake begun since the record started: a SYN-ACK whose SYN (client to
 * server, the same two ports) the link saw before it. A SYN-ACK the server resends for a
 * connection an earlier run abandoned half-open also counts as the port's first SYN-ACK in the
 * link's eyes; dropping it costs the program under test nothing, so it does not count here.
 */
export function ownHits(records: readonly PacketRecord[]): PacketRecord[] {
  return hits(records).filter((h) =>
    records.some(
      (r) =>
        r.n < h.n &&
        r.dir !== h.dir &&
        r.client === h.client &&
        r.proto === 'tcp' &&
        (tcpEventBits(r.flags, r.plen) & tcpEventBit('syn')) !== 0 &&
        r.sport === h.dport &&
        r.dport === h.sport,
    ),
  );
}

/** Tries before the verdict says it could not aim: a stale SYN-ACK comes seconds apart (TCP's backoff). */
const ATTEMPTS = 3;

/** How long the server's half-open handshakes are given to end before the rule is aimed. */
const SETTLE_MS = 10_000;

/**
 * Lets the server's half-open handshakes end on a clean link: an earlier run that gave up while its
 * SYN-ACK was lost leaves one, whose resent SYN-ACK would meet the rule before this run's own.
 * Over a clean link the resent SYN-ACK reaches the client, whose kernel answers with a reset.
 */
async function settleHandshakes(ctx: CheckContext): Promise<void> {
  await ctx.clean();
  const until = performance.now() + SETTLE_MS;
  while (performance.now() < until) {
    const ss = await ctx.lab.server.exec(['ss', '-Htn', 'state', 'syn-recv', 'sport', '=', `:${ctx.port}`]);
    if (ss.exitCode !== 0 || ss.stdout.trim() === '') return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** One try: the rule aimed, the conversation, and whether the program's own handshake met it. */
async function lostSynAckOnce(
  ctx: CheckContext,
): Promise<{ problem: Outcome | null; own: number; stale: number; synRetrans: number }> {
  await aimed(ctx, SYN_ACK_RULE);
  const before = await ctx.lab.counters('client');
  let problem: Outcome | null;
  if (ctx.role === 'server') problem = await stillServes(ctx, 'its first SYN-ACK was lost');
  else {
    const r = await ctx.runClient(`${SENTENCE}\n`, 20_000);
    const reply = upper(SENTENCE).toString();
    problem = r.stdout.includes(reply)
      ? null
      : failed(
          `its connection's first SYN-ACK was lost, so the handshake took about a second longer (its kernel resent the SYN); it did not print '${reply}': ${r.timedOut ? 'still running after 20 s' : `exit code ${r.exitCode}`}, stdout ${preview(Buffer.from(r.stdout.trim()), 120)}${r.stderr.trim() ? `, stderr ${preview(Buffer.from(r.stderr.trim().split('\n').at(-1)!), 120)}` : ''}; a connect() timeout shorter than TCP's first retransmission (1 s) gives up on a link that only delays`,
        );
  }
  const after = await ctx.lab.counters('client');
  const record = await ctx.linkRecord();
  const own = ownHits(record).length;
  return {
    problem,
    own,
    stale: hits(record).length - own,
    synRetrans: (after['TcpExt.TCPSynRetrans'] ?? 0) - (before['TcpExt.TCPSynRetrans'] ?? 0),
  };
}

async function judgeLostSynAck(ctx: CheckContext): Promise<Outcome> {
  let stale = 0;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    await settleHandshakes(ctx);
    const t = await lostSynAckOnce(ctx);
    stale += t.stale;
    if (t.own === 0 && t.stale === 0)
      return failed(
        `the link saw no SYN-ACK to drop (rule ${SYN_ACK_RULE}): no TCP connection was made to or from the program`,
      );
    // Only an earlier connection's resent SYN-ACK met the rule: this program's was not tested.
    if (t.own === 0) continue;
    if (t.problem) return t.problem;
    return passed(
      `the link dropped the first SYN-ACK (rule ${SYN_ACK_RULE}); the client's kernel resent its SYN (${t.synRetrans} SYN retransmission${t.synRetrans === 1 ? '' : 's'}) and the conversation went on: ${ctx.role === 'server' ? 'the next sentence got its answer' : 'it printed the reply'}`,
      { measured: { synRetransmissions: t.synRetrans, attempts: attempt } },
    );
  }
  return failed(
    `in ${ATTEMPTS} tries the rule ${SYN_ACK_RULE} met only SYN-ACKs the server resent for connections left half-open before (${stale}), never this conversation's own: the check could not aim the fault; grade again`,
  );
}

function occurrences(text: string, what: string): number {
  return text.toLowerCase().split(what.toLowerCase()).length - 1;
}

async function judgeIgnoresDuplicate(ctx: CheckContext): Promise<Outcome> {
  await aimed(ctx, DUPLICATE_RULE);
  const r = await ctx.runClient(`${SENTENCE}\n`, 15_000);
  const duplicated = hits(await ctx.linkRecord()).length;
  if (duplicated === 0)
    return failed(
      `the link saw no reply to duplicate (rule ${DUPLICATE_RULE}): the program sent no datagram the server answered`,
    );
  const reply = upper(SENTENCE).toString();
  const printed = occurrences(r.stdout, reply);
  if (printed >= 2)
    return failed(
      `the link delivered the server's reply twice (rule ${DUPLICATE_RULE}), and it printed '${reply}' ${printed} times: UDP may deliver a datagram twice; a client that asked once takes one answer (stop reading after the first, or drop what answers nothing you asked)`,
    );
  return passed(
    `the link delivered the server's reply twice (rule ${DUPLICATE_RULE}); it printed the reply ${printed === 1 ? 'once' : `${printed} times (what it printed is prints-reply's question)`}`,
  );
}

export const survivesLostSynAck = defineVerdict({
  id: 'survives-lost-syn-ack',
  title: 'survives a lost SYN-ACK',
  measures: `the link drops the first SYN-ACK (${SYN_ACK_RULE}): the handshake takes a second longer; a server must answer the sentence, a client must print the reply`,
  roles: ['server', 'client'],
  framings: TCP_ECHO_FRAMINGS,
  points: 10,
  run: judgeLostSynAck,
});

export const ignoresDuplicate = defineVerdict({
  id: 'ignores-duplicate',
  title: 'ignores a duplicated reply',
  measures: `the link delivers the server's reply twice (${DUPLICATE_RULE}): the client prints it once`,
  roles: ['client'],
  framings: ['datagram'],
  points: 10,
  run: judgeIgnoresDuplicate,
});
