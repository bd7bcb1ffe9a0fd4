// Faults aimed at protocol events: `drop tcp syn-ack #1`, `drop udp seq 5`, `duplicate udp reply
// #3`, `delay tcp fin 2s`, `drop tcp data #4`. Random loss answers "what happens at 10%?"; a rule
// answers "what happens when the SYN-ACK is lost?", exactly and every run. A rule is part of one
// direction's model; it counts the events of its kind per flow (the relay's flow: direction,
// protocol, server-side port), so `#1` is the first SYN-ACK of each server port since the model
// was set or the link reset. The frame a rule hits meets the rule's fate and draws nothing from
// the random streams. Only the relay engine has them (netem cannot tell a SYN-ACK from data).
import type { Words } from './impairments/impairment.ts';
import { formatTime, parseTime } from './units.ts';

export const EVENT_ACTIONS = ['drop', 'duplicate', 'delay'] as const;
export type EventAction = (typeof EVENT_ACTIONS)[number];

export const TCP_EVENTS = ['syn', 'syn-ack', 'fin', 'rst', 'data'] as const;
export type TcpEvent = (typeof TCP_EVENTS)[number];

/** `request`, `reply` and `datagram` are one event (the n-th datagram of the flow), named as fits the direction. */
const UDP_WORDS = ['datagram', 'request', 'reply', 'seq'] as const;

export interface EventRule {
  action: EventAction;
  proto: 'tcp' | 'udp';
  /** tcp: the kind of segment; udp: the n-th datagram, or the socklab probe of sequence number n. */
  event: TcpEvent | 'datagram' | 'seq';
  /** Which one: the n-th of its kind in the flow (from 1), or the probe's seq. */
  n: number;
  /** For `delay`: how much longer than the model's own delay, ms. */
  delayMs?: number;
}

const EXAMPLE = 'drop tcp syn-ack #1';
export const EVENT_SYNTAX =
  'drop|duplicate|delay tcp syn|syn-ack|fin|rst|data [#N], or udp datagram|request|reply [#N], or udp seq N; delay takes a time after it';

/** Whether `drop`/`duplicate`/`delay` followed by this word starts a rule (rather than netem's `delay 10ms`). */
export const startsEventRule = (action: string, next: string | undefined): boolean =>
  (EVENT_ACTIONS as readonly string[]).includes(action) && (next === 'tcp' || next === 'udp');

function parseOrdinal(word: string | undefined, problems: string[], rule: string): number | undefined {
  const m = /^#?(\d+)$/.exec(word ?? '');
  const n = m ? Number(m[1]) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    problems.push(`${rule}: which one must be #N from #1, got '${word ?? ''}'; e.g. ${EXAMPLE}`);
    return undefined;
  }
  return n;
}

/** Reads a rule after its action word; pushes one problem and returns undefined on bad input. */
export function parseEventRule(action: EventAction, words: Words, problems: string[]): EventRule | undefined {
  const proto = words.next() as 'tcp' | 'udp';
  const what = (words.next() ?? '').toLowerCase();
  const rule = `${action} ${proto} ${what}`.trim();
  let event: EventRule['event'];
  if (proto === 'tcp') {
    if (!(TCP_EVENTS as readonly string[]).includes(what)) {
      problems.push(
        `${rule}: a TCP event is one of ${TCP_EVENTS.join(', ')}, got '${what}'; e.g. ${EXAMPLE}`,
      );
      return undefined;
    }
    event = what as TcpEvent;
  } else {
    if (!(UDP_WORDS as readonly string[]).includes(what)) {
      problems.push(
        `${rule}: a UDP event is one of ${UDP_WORDS.join(', ')}, got '${what}'; e.g. drop udp seq 5`,
      );
      return undefined;
    }
    event = what === 'seq' ? 'seq' : 'datagram';
  }
  let n = 1;
  if (event === 'seq') {
    const word = words.next();
    n = /^\d+$/.test(word ?? '') ? Number(word) : Number.NaN;
    if (!Number.isSafeInteger(n)) {
      problems.push(`${rule}: seq takes a probe's sequence number, got '${word ?? ''}'; e.g. drop udp seq 5`);
      return undefined;
    }
  } else if (words.peek()?.startsWith('#')) {
    const parsed = parseOrdinal(words.next(), problems, rule);
    if (parsed === undefined) return undefined;
    n = parsed;
  }
  const out: EventRule = { action, proto, event, n };
  if (action === 'delay') {
    const word = words.next();
    const t = word === undefined ? { error: 'nothing' } : parseTime(word);
    if ('error' in t) {
      problems.push(
        `${rule}: delay needs how long after the event, got '${word ?? ''}'; e.g. delay tcp fin 2s`,
      );
      return undefined;
    }
    out.delayMs = t.ms;
  }
  return out;
}

export function formatEventRule(r: EventRule): string {
  const which = r.event === 'seq' ? `seq ${r.n}` : `${r.event} #${r.n}`;
  return `${r.action} ${r.proto} ${which}${r.action === 'delay' ? ` ${formatTime(r.delayMs ?? 0)}` : ''}`;
}

/** Problems with rules built in code (text is checked while it is parsed). */
export function validateEventRules(rules: readonly EventRule[]): string[] {
  const problems: string[] = [];
  for (const r of rules) {
    const name = JSON.stringify(r);
    if (!(EVENT_ACTIONS as readonly string[]).includes(r.action))
      problems.push(`event rule ${name}: action must be ${EVENT_ACTIONS.join(', ')}; e.g. ${EXAMPLE}`);
    const events: readonly string[] =
      r.proto === 'tcp' ? TCP_EVENTS : r.proto === 'udp' ? ['datagram', 'seq'] : [];
    if (!events.includes(r.event))
      problems.push(`event rule ${name}: no such ${r.proto} event; the rules are ${EVENT_SYNTAX}`);
    if (!Number.isSafeInteger(r.n) || r.n < (r.event === 'seq' ? 0 : 1))
      problems.push(
        `event rule ${name}: n must be a whole number from ${r.event === 'seq' ? 0 : 1}; e.g. ${EXAMPLE}`,
      );
    if (r.action === 'delay' && !(typeof r.delayMs === 'number' && r.delayMs >= 0 && r.delayMs <= 600_000))
      problems.push(`event rule ${name}: delay needs delayMs from 0 to 600000; e.g. delay tcp fin 2s`);
  }
  return problems;
}

const FIN = 1;
const SYN = 2;
const RST = 4;
const ACK = 16;

/** The TCP events a segment is: a bit per TCP_EVENTS entry (a FIN may carry data, too). */
export function tcpEventBits(flags: number, payloadLength: number): number {
  let bits = 0;
  if (flags & SYN) bits |= flags & ACK ? 2 : 1;
  if (flags & FIN) bits |= 4;
  if (flags & RST) bits |= 8;
  if (payloadLength > 0) bits |= 16;
  return bits;
}

export const tcpEventBit = (e: TcpEvent): number => 1 << TCP_EVENTS.indexOf(e);

/**
 * One flow's counts of each event, and which rule (if any) the next frame meets. The first rule
 * that matches wins; a frame counts as every event it is, whether or not a rule hits it.
 */
export class EventCounter {
  readonly #tcp = new Uint32Array(TCP_EVENTS.length);
  #datagrams = 0;

  /**
   * The index of the rule this frame meets, or -1. `firstSeq` is its probe sequence number when
   * this is the first frame carrying it, else -1: a seq is hit once, not each time it is resent.
   */
  hit(
    rules: readonly EventRule[],
    proto: string,
    flags: number,
    payloadLength: number,
    firstSeq: number,
  ): number {
    if (proto === 'udp') {
      const nth = ++this.#datagrams;
      return rules.findIndex(
        (r) => r.proto === 'udp' && (r.event === 'seq' ? firstSeq >= 0 && r.n === firstSeq : r.n === nth),
      );
    }
    if (proto !== 'tcp') return -1;
    const bits = tcpEventBits(flags, payloadLength);
    for (let i = 0; i < TCP_EVENTS.length; i++) if (bits & (1 << i)) this.#tcp[i]!++;
    return rules.findIndex((r) => {
      if (r.proto !== 'tcp') return false;
      const i = TCP_EVENTS.indexOf(r.event as TcpEvent);
      return (bits & (1 << i)) !== 0 && this.#tcp[i] === r.n;
    });
  }
}
