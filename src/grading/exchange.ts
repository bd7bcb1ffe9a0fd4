// A scripted conversation (what socket-script did) as lines a person reads: who sent what, what
// came back, what happened (connected, refused, reset, timed out). Pure.
import type { Actor, ScriptResult } from '../apps/socket-script.ts';
import { utf8SequenceLength } from '../apps/uppercase.ts';
import type { ExchangeLine } from './check-result.ts';

/** Bytes as text a person can read: valid UTF-8 kept, other bytes and controls escaped, long ones cut. */
export function preview(data: Buffer, max = 80): string {
  let text = '';
  for (let i = 0; i < data.length && text.length < max + 1; ) {
    const n = utf8SequenceLength(data, i, data.length);
    if (n <= 0) {
      text += `\\x${data[i]!.toString(16).padStart(2, '0')}`;
      i++;
      continue;
    }
    const ch = data.subarray(i, i + n).toString('utf8');
    text +=
      ch === '\n'
        ? '\\n'
        : ch === '\r'
          ? '\\r'
          : ch === '\t'
            ? '\\t'
            : ch < ' ' || ch === '\x7f'
              ? `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`
              : ch;
    i += n;
  }
  const cut = text.length > max ? `${text.slice(0, max)}… (${data.length} bytes)` : text;
  return data.length === 0 ? '(nothing)' : `'${cut}'`;
}

/** Lines of a later script after those of an earlier one: its times moved past the earlier's end. */
export function appendExchange(first: ExchangeLine[], next: ExchangeLine[], gapMs = 0): ExchangeLine[] {
  const end = first.reduce((m, l) => Math.max(m, l.at), 0) + gapMs;
  return [...first, ...next.map((l) => ({ ...l, at: Math.round((l.at + end) * 10) / 10 }))];
}

export function exchangeOf(actors: Actor[], result: ScriptResult): ExchangeLine[] {
  const lines: ExchangeLine[] = [];
  result.actors.forEach((a, i) => {
    const steps = actors[i]?.steps ?? [];
    a.steps.forEach((r, k) => {
      const step = steps[k];
      const line = (what: ExchangeLine['what'], text: string): void =>
        void lines.push({ actor: a.name, at: r.at, what, text });
      switch (r.do) {
        case 'connect':
          line('event', r.ok ? 'connected' : `could not connect (${r.error})`);
          break;
        case 'send':
        case 'burst':
          if (step && (step.do === 'send' || step.do === 'burst'))
            line(
              'sent',
              `${step.do === 'burst' ? `${step.count} × ` : ''}${preview(Buffer.from(step.data, 'base64'))}${r.ok ? '' : ` (failed: ${r.error})`}`,
            );
          break;
        case 'read': {
          const got =
            r.datagrams && r.datagrams.length > 1
              ? `${r.datagrams.length} datagrams, the first ${preview(Buffer.from(r.datagrams[0]!, 'base64'))}`
              : r.data
                ? preview(Buffer.from(r.data, 'base64'))
                : 'nothing';
          line(
            'got',
            `${got}${r.ok ? '' : ` (${r.error === 'timeout' ? `no more within ${step && step.do === 'read' ? step.timeoutMs : '?'} ms` : r.error})`}`,
          );
          break;
        }
        case 'close':
          line('event', 'closed its connection');
          break;
        case 'reset':
          line('event', 'reset its connection (RST)');
          break;
        case 'wait':
          if (!r.ok)
            line('event', `gave up waiting for ${step && step.do === 'wait' ? step.name : 'a signal'}`);
          break;
        default:
          break;
      }
    });
  });
  return lines.sort((x, y) => x.at - y.at);
}
