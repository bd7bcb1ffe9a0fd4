// What the checker sends, and how replies are judged: the sentences, their uppercase under the
// assignment's rule (ASCII letters as C's toupper() gives, every letter as Python's str.upper()
// gives, or either), and builders of the checker's clients. Pure.
import type { Actor, ScriptResult, Step, StepResult } from '../../apps/socket-script.ts';
import { asciiUppercaseBytes, uppercaseBytes } from '../../apps/uppercase.ts';
import { preview } from '../exchange.ts';
import type { UppercaseRule } from '../framing.ts';

export const SENTENCES = [
  'hello socklab',
  'Through the impaired link, and back again!',
  'grüße aus der straße',
  'mixed Case 42 with  two  spaces and a tab\there',
  `a longer sentence of two hundred bytes: ${'the quick brown fox jumps over the lazy dog '.repeat(4)}`.slice(
    0,
    200,
  ),
];

export const b64 = (data: string | Buffer): string => Buffer.from(data).toString('base64');
export const bytesOf = (r: StepResult | undefined): Buffer => Buffer.from(r?.data ?? '', 'base64');
/** The uppercase of ASCII text (both rules agree on it). */
export const upper = (s: string | Buffer): Buffer => uppercaseBytes(Buffer.from(s));

/** Whether a message has a byte that is not ASCII (where the rules can differ). */
export const isAscii = (s: string | Buffer): boolean => Buffer.from(s).every((b) => b < 0x80);

/** The replies a rule accepts for a message: one, or two where ASCII and Unicode uppercase differ. */
export function acceptedUppercase(sent: string | Buffer, rule: UppercaseRule): Buffer[] {
  const bytes = Buffer.from(sent);
  const unicode = uppercaseBytes(bytes);
  const ascii = asciiUppercaseBytes(bytes);
  if (rule === 'unicode') return [unicode];
  if (rule === 'ascii') return [ascii];
  return unicode.equals(ascii) ? [unicode] : [unicode, ascii];
}

/** The rule in words, for a verdict's reason. */
export function ruleText(rule: UppercaseRule): string {
  switch (rule) {
    case 'either':
      return 'uppercase by either rule: ASCII letters (as C’s toupper() gives) or every letter (as Python’s str.upper() gives)';
    case 'unicode':
      return 'uppercase as Python’s str.upper() gives (every letter; ß becomes SS)';
    case 'ascii':
      return 'uppercase as C’s toupper() gives (ASCII letters; every other byte unchanged)';
  }
}

/** A reply to a sentence as a one-shot or line server gives it: its line end does not count. */
export const trimLineEnd = (b: Buffer): Buffer => {
  let end = b.length;
  while (end > 0 && (b[end - 1] === 0x0a || b[end - 1] === 0x0d)) end--;
  return b.subarray(0, end);
};

/** `'hello' came back as 'hello' (expected 'HELLO')`, or null when it is right under the rule. */
export function wrongReply(
  sent: string | Buffer,
  got: Buffer | null,
  rule: UppercaseRule = 'either',
): string | null {
  const wants = acceptedUppercase(trimLineEnd(Buffer.from(sent)), rule);
  if (got === null || got.length === 0) return `${preview(Buffer.from(sent))} got no reply`;
  if (wants.some((w) => trimLineEnd(got).equals(w))) return null;
  const expected = wants.map((w) => preview(w)).join(' or ');
  return `${preview(trimLineEnd(Buffer.from(sent)))} came back as ${preview(trimLineEnd(got))} (expected ${expected})`;
}

export interface Target {
  host: string;
  port: number;
}

/** One TCP connection per sentence, each after the one before (signals chain them). */
export function oneShotActors(t: Target, sentences: string[], prefix = 'client'): Actor[] {
  return sentences.map((s, i) => ({
    name: `${prefix} ${i + 1}`,
    proto: 'tcp' as const,
    ...t,
    steps: [
      ...(i > 0 ? [{ do: 'wait' as const, name: `${prefix}-${i}`, timeoutMs: 30_000 }] : []),
      { do: 'connect' as const, timeoutMs: 5000 },
      { do: 'send' as const, data: b64(`${s}\n`) },
      { do: 'read' as const, until: 'reply' as const, timeoutMs: 5000, quietMs: 500 },
      { do: 'close' as const },
      { do: 'signal' as const, name: `${prefix}-${i + 1}` },
    ],
  }));
}

/** One TCP connection, a sentence at a time, each answered by its line. */
export function streamActor(t: Target, sentences: string[], name = 'client', timeoutMs = 5000): Actor {
  const steps: Step[] = [{ do: 'connect', timeoutMs: 5000 }];
  for (const s of sentences)
    steps.push({ do: 'send', data: b64(`${s}\n`) }, { do: 'read', until: 'line', timeoutMs });
  steps.push({ do: 'close' });
  return { name, proto: 'tcp', ...t, steps };
}

/** One UDP socket, a datagram at a time, each waiting for its reply. */
export function datagramActor(
  t: Target,
  sentences: (string | Buffer)[],
  name = 'client',
  timeoutMs = 2000,
): Actor {
  const steps: Step[] = [];
  for (const s of sentences)
    steps.push({ do: 'send', data: b64(s) }, { do: 'read', until: 'datagram', timeoutMs });
  return { name, proto: 'udp', ...t, steps };
}

/** The replies an actor's reads got, in order. */
export const reads = (r: ScriptResult, actor: number): StepResult[] =>
  r.actors[actor]?.steps.filter((s) => s.do === 'read') ?? [];

/** The first sentence whose reply is wrong, or null: for echo-style actors. */
export function firstWrong(
  sentences: (string | Buffer)[],
  replies: StepResult[],
  rule: UppercaseRule = 'either',
): string | null {
  for (const [i, s] of sentences.entries()) {
    const w = wrongReply(s, replies[i]?.data ? bytesOf(replies[i]) : null, rule);
    if (w) return `sentence ${i + 1}: ${w}`;
  }
  return null;
}
