// echoes, serves-clients, survives-link: does the server answer each sentence with its
// uppercase, one client's and another's apart, and through the profile's lossy link.
import { PROGRAM as TCP_ECHO_CLIENT } from '../../apps/tcp-echo-client.ts';
import { PROGRAM as UDP_ECHO_CLIENT } from '../../apps/udp-echo-client.ts';
import { crossCheck } from '../../experiments/link-evidence.ts';
import { formatLinkModel } from '../../link/model/impairment-text.ts';
import { type CheckContext, failed, type Outcome, passed } from '../context.ts';
import { ECHO_FRAMINGS } from '../framing.ts';
import {
  datagramActor,
  firstWrong,
  isAscii,
  oneShotActors,
  reads,
  ruleText,
  SENTENCES,
  streamActor,
} from './common.ts';
import { curl } from './http-verdicts.ts';
import { defineVerdict } from './verdict.ts';

const target = (ctx: CheckContext) => ({ host: 'server', port: ctx.port });

async function judgeEchoes(ctx: CheckContext): Promise<Outcome> {
  await ctx.clean();
  const { framing: f, uppercase: rule, nonAscii } = ctx.assignment;
  // The assignment says whether a sentence that is not ASCII is sent, and whether it counts.
  const sentences = nonAscii === 'absent' ? SENTENCES.filter((s) => isAscii(s)) : SENTENCES;
  const actors =
    f === 'datagram'
      ? [datagramActor(target(ctx), sentences)]
      : f === 'oneshot'
        ? oneShotActors(target(ctx), sentences)
        : [streamActor(target(ctx), sentences)];
  const { result, exchange } = await ctx.script(actors);
  const replies = f === 'oneshot' ? actors.map((_, i) => reads(result, i)[0]!) : reads(result, 0);
  const counted = sentences.map((s) => nonAscii !== 'advisory' || isAscii(s));
  const judged = (keep: boolean) => ({
    sent: sentences.filter((_, i) => counted[i] === keep),
    got: replies.filter((_, i) => counted[i] === keep),
  });
  const required = judged(true);
  const wrong = firstWrong(required.sent, required.got, rule);
  const how =
    f === 'datagram'
      ? 'a datagram each'
      : f === 'oneshot'
        ? 'one connection per sentence, one after another'
        : 'one connection, a line each';
  const rules = `${ruleText(rule)}${nonAscii === 'absent' ? '; no sentence that is not ASCII' : ''}`;
  if (wrong) {
    // A refused connection after the first says the server stopped serving.
    const refused = result.actors.find((a) => a.steps.some((s) => s.do === 'connect' && !s.ok));
    const why = refused ? `; ${refused.name} could not connect: the server no longer accepts` : '';
    return failed(`${wrong}${why} (${sentences.length} sentences, ${how}; ${rules})`, { exchange });
  }
  const advisory = judged(false);
  const aside = firstWrong(advisory.sent, advisory.got, rule);
  const note = aside ? `; advisory, not counted: ${aside.replace(/^sentence \d+: /, '')}` : '';
  return passed(`all ${sentences.length} sentences came back in uppercase (${how}; ${rules})${note}`, {
    exchange,
  });
}

async function judgeServesClients(ctx: CheckContext): Promise<Outcome> {
  await ctx.clean();
  // Five clients at once, each with its own socket and its own words: each must get its own back.
  const actors = Array.from({ length: 5 }, (_, i) =>
    datagramActor(
      target(ctx),
      [`client ${i + 1} says hello`, `client ${i + 1} says goodbye`],
      `client ${i + 1}`,
    ),
  );
  const { result, exchange } = await ctx.script(actors);
  for (const [i, a] of actors.entries()) {
    const wrong = firstWrong(
      [`client ${i + 1} says hello`, `client ${i + 1} says goodbye`],
      reads(result, i),
    );
    if (wrong) return failed(`${a.name} of 5 at once: ${wrong}`, { exchange });
  }
  return passed('5 clients at once, each with its own socket: each got its own replies, in uppercase', {
    exchange,
  });
}

async function judgeSurvivesLink(ctx: CheckContext): Promise<Outcome> {
  await ctx.lossy();
  const m = ctx.profile.model;
  const common = { host: 'server', port: ctx.port };
  const link = `the ${ctx.profile.name} link (${formatLinkModel(m).replace(/; seed \d+$/, '')})`;
  if (ctx.assignment.framing === 'datagram') {
    const delay =
      (m.up.delay?.ms ?? 0) +
      (m.down.delay?.ms ?? 0) +
      4 * ((m.up.delay?.jitterMs ?? 0) + (m.down.delay?.jitterMs ?? 0));
    const n = 100;
    const r = await ctx.run(UDP_ECHO_CLIENT, {
      ...common,
      count: n,
      interval: 10,
      timeout: Math.max(2000, 4 * delay),
      'per-seq': true,
    });
    if (!(await ctx.program.alive())) return failed(`it stopped during ${n} datagrams through ${link}`);
    if (r.corrupted > 0)
      return failed(
        `through ${link}: ${r.corrupted} of the ${r.received + r.corrupted} replies were not the uppercase of what was sent`,
      );
    // Exact, not statistical: the link's record says which datagrams reached the server and which
    // answers came back; the server must have answered each, and the client got exactly those.
    const records = await ctx.linkRecord();
    const toServer = records.filter(
      (x) => x.proto === 'udp' && x.dir === 'up' && x.dport === ctx.port && x.seq >= 0,
    );
    const delivered = new Set(
      toServer.filter((x) => x.fate === 'forwarded' && (!x.corrupted || x.duplicated)).map((x) => x.seq),
    );
    const answered = new Set(
      records
        .filter((x) => x.proto === 'udp' && x.dir === 'down' && x.sport === ctx.port && x.seq >= 0)
        .map((x) => x.seq),
    );
    const unanswered = [...delivered].filter((q) => !answered.has(q)).sort((a, b) => a - b);
    if (unanswered.length > 0)
      return failed(
        `through ${link}: the link delivered ${delivered.size} of ${n} datagrams to it, and it answered ${delivered.size - unanswered.length} of them (not seq ${unanswered.slice(0, 8).join(', ')}${unanswered.length > 8 ? ', …' : ''})`,
      );
    const cc = crossCheck(r.rtts ?? [], records);
    if (cc.disagreements.length > 0) {
      const d = cc.disagreements[0]!;
      return failed(
        `through ${link}: datagram ${d.seq}: the client saw it ${d.client}, but the link ${d.link}`,
      );
    }
    return passed(
      `through ${link}: the link delivered ${delivered.size} of ${n} datagrams to it; it answered each, and the ${r.received} answers the link carried back all arrived in uppercase`,
    );
  }
  const stream = ctx.assignment.framing === 'stream';
  const count = stream ? 30 : 10;
  const r = await ctx.run(TCP_ECHO_CLIENT, {
    ...common,
    count,
    oneshot: !stream,
    interval: 20,
    timeout: 60_000,
  });
  if (!(await ctx.program.alive())) return failed(`it stopped during ${count} sentences through ${link}`);
  if (r.received !== count || !r.intact)
    return failed(
      `through ${link}: ${r.received} of ${count} sentences came back intact${r.error ? ` (${r.error})` : ''}; TCP retransmits what the link loses, so every one should`,
    );
  return passed(
    `through ${link}: all ${count} sentences came back intact (${stream ? 'one connection' : 'one connection each'}); TCP retransmitted what the link lost`,
  );
}

/** A datagram or a connection that should be answered after something unusual: did it keep serving? */
export async function stillServes(ctx: CheckContext, label: string): Promise<Outcome | null> {
  if (ctx.assignment.framing === 'http') {
    // Kept serving is any HTTP answer: which one is the other verdicts' question.
    const f = await curl(ctx, '/HelloWorld.html');
    if (f.status !== null) return null;
    const alive = await ctx.program.alive();
    const last = (await ctx.program.output(3)).trim().split('\n').at(-1) ?? '';
    return failed(
      alive
        ? `after ${label}, curl GET /HelloWorld.html got ${f.status ?? `no answer (${f.error})`}: it no longer serves`
        : `after ${label}, it died${last ? `; its last output: ${last.slice(0, 200)}` : ' without a word'}`,
    );
  }
  const t = target(ctx);
  const sentence = `still there after ${label}?`;
  const f = ctx.assignment.framing;
  const actor =
    f === 'datagram'
      ? datagramActor(t, [sentence], 'next client')
      : f === 'oneshot'
        ? oneShotActors(t, [sentence], 'next client')[0]!
        : streamActor(t, [sentence], 'next client');
  const { result, exchange } = await ctx.script([actor]);
  // Kept serving is any answer: whether it is the right one is `echoes`'s question.
  const reply = reads(result, 0)[0];
  if (reply?.data) return null;
  const alive = await ctx.program.alive();
  const last = (await ctx.program.output(3)).trim().split('\n').at(-1) ?? '';
  return failed(
    alive
      ? `after ${label}, a normal sentence got no answer: it no longer serves`
      : `after ${label}, it died${last ? `; its last output: ${last.slice(0, 200)}` : ' without a word'}`,
    { exchange },
  );
}

export const echoes = defineVerdict({
  id: 'echoes',
  title: 'echoes correctly',
  measures:
    'five sentences (spaces, punctuation, one not ASCII, 200 bytes) each come back as their uppercase, on a clean link, under the assignment’s uppercase: rule (either, the default: ASCII letters as C’s toupper() gives or every letter as Python’s str.upper() gives; ascii; unicode) and non-ascii: (required, the default; advisory; absent)',
  roles: ['server'],
  framings: ECHO_FRAMINGS,
  points: 30,
  run: judgeEchoes,
});

export const servesClients = defineVerdict({
  id: 'serves-clients',
  title: 'serves several clients at once',
  measures:
    'five UDP clients, each with its own socket, send at once: each gets its own replies (demultiplexing by address)',
  roles: ['server'],
  framings: ['datagram'],
  points: 20,
  run: judgeServesClients,
});

export const survivesLink = defineVerdict({
  id: 'survives-link',
  title: 'works through the lossy link',
  measures:
    'through the assignment’s profile: UDP replies inside the binomial interval and all correct; TCP every sentence back intact',
  roles: ['server'],
  framings: ECHO_FRAMINGS,
  points: 20,
  run: judgeSurvivesLink,
});
