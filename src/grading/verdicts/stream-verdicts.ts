// stream-split, stream-batch, stream-split-utf8: TCP has no message boundaries. The checker
// cuts one sentence into segments with pauses between (Nagle off, so each write is a segment),
// and puts several sentences in one segment; a server must frame by newlines.
import type { Step } from '../../apps/socket-script.ts';
import { type CheckContext, failed, type Outcome, passed } from '../context.ts';
import { preview } from '../exchange.ts';
import { acceptedUppercase, b64, bytesOf, isAscii, ruleText } from './common.ts';
import { defineVerdict } from './verdict.ts';

const PAUSE_MS = 400;

async function split(ctx: CheckContext, parts: Buffer[], label: string): Promise<Outcome> {
  await ctx.clean();
  const whole = Buffer.concat(parts);
  const steps: Step[] = [{ do: 'connect', timeoutMs: 5000 }];
  parts.forEach((p, i) => {
    steps.push({ do: 'send', data: b64(p) });
    // Anything that comes back before the last part (and its newline) is an answer to half a sentence.
    if (i < parts.length - 1)
      steps.push({ do: 'read', until: 'quiet', timeoutMs: PAUSE_MS, quietMs: PAUSE_MS });
  });
  steps.push(
    { do: 'read', until: 'line', timeoutMs: 5000 },
    { do: 'read', until: 'quiet', timeoutMs: 700, quietMs: 700 },
    { do: 'close' },
  );
  const { result, exchange } = await ctx.script([
    { name: 'client', proto: 'tcp', host: 'server', port: ctx.port, steps },
  ]);
  const readsOf = result.actors[0]!.steps.filter((s) => s.do === 'read');
  const early = Buffer.concat(readsOf.slice(0, parts.length - 1).map(bytesOf));
  const sentence = preview(whole.subarray(0, whole.length - 1));
  const cut = parts.map((p) => preview(p)).join(' + ');
  if (early.length > 0)
    return failed(
      `${label}: it answered ${preview(early)} before the sentence was complete (sent as ${cut} with pauses): it took a recv() for a sentence`,
      { exchange },
    );
  const line = bytesOf(readsOf[parts.length - 1]);
  const extra = bytesOf(readsOf[parts.length]);
  const rule = ctx.assignment.uppercase;
  const wants = acceptedUppercase(whole.subarray(0, whole.length - 1), rule).map((w) =>
    Buffer.concat([w, Buffer.from('\n')]),
  );
  const rules = isAscii(whole) ? '' : ` (${ruleText(rule)})`;
  if (!wants.some((w) => line.equals(w)) || extra.length > 0)
    return failed(
      `${label}: sent ${sentence} as ${cut}; expected one line ${wants.map((w) => preview(w)).join(' or ')}, got ${preview(Buffer.concat([line, extra]))}${rules}`,
      { exchange },
    );
  return passed(
    `${label}: sent ${sentence} as ${parts.length} segments with pauses; it answered once, with the whole line in uppercase${rules}`,
    { exchange },
  );
}

const judgeStreamSplit = (ctx: CheckContext): Promise<Outcome> =>
  split(
    ctx,
    ['hel', 'lo soc', 'klab\n'].map((s) => Buffer.from(s)),
    'a sentence in three segments',
  );

function judgeStreamSplitUtf8(ctx: CheckContext): Promise<Outcome> {
  const whole = Buffer.from('grüße aus der straße\n');
  // Between the two bytes of the last ß (0xc3 0x9f).
  const at = whole.lastIndexOf(0xc3) + 1;
  return split(ctx, [whole.subarray(0, at), whole.subarray(at)], 'a sentence split inside a character');
}

async function judgeStreamBatch(ctx: CheckContext): Promise<Outcome> {
  await ctx.clean();
  const sentences = ['one', 'two two', 'three three three'];
  const batch = Buffer.from(sentences.map((s) => `${s}\n`).join(''));
  const { result, exchange } = await ctx.script([
    {
      name: 'client',
      proto: 'tcp',
      host: 'server',
      port: ctx.port,
      steps: [
        { do: 'connect', timeoutMs: 5000 },
        { do: 'send', data: b64(batch) },
        { do: 'read', until: 'line', lines: 3, timeoutMs: 5000 },
        { do: 'read', until: 'quiet', timeoutMs: 700, quietMs: 700 },
        { do: 'close' },
      ],
    },
  ]);
  const [lines, extra] = result.actors[0]!.steps.filter((s) => s.do === 'read');
  const got = Buffer.concat([bytesOf(lines), bytesOf(extra)]);
  const want = Buffer.from(sentences.map((s) => `${s.toUpperCase()}\n`).join(''));
  if (!got.equals(want))
    return failed(
      `${sentences.length} sentences in one segment ${preview(batch)}: expected ${preview(want)}, got ${preview(got)}: each line is a sentence, whatever a recv() returns`,
      {
        exchange,
      },
    );
  return passed(
    `${sentences.length} sentences in one segment: ${sentences.length} reply lines, each in uppercase, in order`,
    { exchange },
  );
}

export const streamSplit = defineVerdict({
  id: 'stream-split',
  title: 'frames a sentence split over several segments',
  measures:
    'one sentence in three segments with pauses: no reply before its newline, then exactly its uppercase line',
  roles: ['server'],
  framings: ['stream'],
  points: 25,
  run: judgeStreamSplit,
});

export const streamBatch = defineVerdict({
  id: 'stream-batch',
  title: 'frames several sentences in one segment',
  measures:
    'three sentences in one segment: three reply lines, each the uppercase of its sentence, in order, nothing more',
  roles: ['server'],
  framings: ['stream'],
  points: 20,
  run: judgeStreamBatch,
});

export const streamSplitUtf8 = defineVerdict({
  id: 'stream-split-utf8',
  title: 'frames a sentence split inside a character',
  measures:
    'a sentence split between the two bytes of ß: one reply line, its uppercase under the assignment’s rule (STRASSE as Python’s str.upper() gives, or STRAßE as C’s toupper() gives)',
  roles: ['server'],
  framings: ['stream'],
  points: 0,
  run: judgeStreamSplitUtf8,
});
