// The relay engine's decisions for one direction, in netem's order: duplicate, loss, corrupt,
// queue limit, rate (serialization), then delay or, for the reordered fraction, no delay. Pure
// apart from its seeded random streams and its queue clock: given the same model, seed and
// packet sequence (sizes and arrival times), it decides the same fates.
//
// Random streams are per flow (see flow-key.ts): the n-th frame of a flow meets the same fate
// for the same seed whatever other traffic crosses the link, and a socklab probe meets the fate
// of its seq whatever order the network brought it in (see frame-draw.ts). The rate limiter's
// queue is the link's, shared by every flow of the direction, as a real link's is.

import { EventCounter } from '../model/event-rules.ts';
import {
  DEFAULT_LIMIT,
  type Direction,
  type DirectionModel,
  type LossSpec,
} from '../model/impairment-model.ts';
import type { DirectionReplay, FlowReplay, ReplayFate } from '../model/replay-file.ts';
import { OPPORTUNITY_BYTES, type TraceSpec } from '../model/trace.ts';
import { flowKey, flowName } from './flow-key.ts';
import { FrameDraw, type FrameKey, NO_KEY, ProbeCopies } from './frame-draw.ts';
import { distributionValue, Random } from './random.ts';
import { type FrameInfo, probeSeq, VXLAN_HEADER } from './vxlan-frame.ts';

/** What became of a frame: the shaper decides the first four; `forged` is the relay's own check. */
export type Fate = 'forwarded' | 'lost' | 'queue-drop' | 'outage' | 'forged';

export interface Copy {
  data: Buffer;
  /** When to send it, on the same monotonic clock (ms) as the arrival time. */
  at: number;
  reordered: boolean;
}

export interface Decision {
  fate: Fate;
  copies: Copy[];
  duplicated: boolean;
  corrupted: boolean;
  reordered: boolean;
  /** Time from arrival to sending the first copy (queueing, serialization and delay). */
  delayMs: number;
  /** The event rule (index in the direction's `events`) that decided this frame, or -1. */
  rule: number;
  /** A replay gave the frame its recorded fate (the model decided nothing). */
  replayed?: true;
}

interface LossDecider {
  lost(key: FrameKey): boolean;
}

function lossDecider(spec: LossSpec, seed: number, stream: string): LossDecider {
  if (spec.model === 'random') {
    const u = new FrameDraw(seed, stream, spec.correlation);
    const p = spec.percent / 100;
    return { lost: (key) => u.next(key) < p };
  }
  // Gilbert–Elliott as netem's gemodel: the loss chance of the current state, then a transition.
  // Its state is the frames before, so it goes by arrival order only.
  const rng = new Random(seed, stream);
  let bad = false;
  const [p, r, lossBad, lossGood] = [spec.p, spec.r, spec.oneMinusH, spec.oneMinusK].map((x) => x / 100) as [
    number,
    number,
    number,
    number,
  ];
  return {
    lost: () => {
      const lost = rng.next() < (bad ? lossBad : lossGood);
      if (bad ? rng.next() < r : rng.next() < p) bad = !bad;
      return lost;
    },
  };
}

/** One flow's random streams and the state netem keeps per qdisc (correlation, reorder gap). */
class FlowStreams {
  readonly loss: LossDecider | null;
  readonly duplicate: FrameDraw | null;
  readonly corrupt: FrameDraw | null;
  readonly corruptBits: FrameDraw;
  readonly reorder: FrameDraw | null;
  readonly delay: FrameDraw | null;
  readonly dupDelay: FrameDraw | null;
  readonly copies = new ProbeCopies();
  /** The flow's events so far, for the rules aimed at them. */
  readonly events = new EventCounter();
  readonly name: string;
  /** Frames of the flow decided so far. */
  frames = 0;
  reorderCounter = 0;
  /** Under a replay: the flow's recorded fates, and how many of its frames (not probes) came so far. */
  replay: FlowReplay | undefined;
  replayOrder = 0;

  constructor(model: DirectionModel, seed: number, flow: string) {
    this.name = flow;
    const stream = (name: string): string => `${flow}/${name}`;
    this.loss = model.loss ? lossDecider(model.loss, seed, stream('loss')) : null;
    this.duplicate = model.duplicate
      ? new FrameDraw(seed, stream('duplicate'), model.duplicate.correlation)
      : null;
    this.corrupt = model.corrupt ? new FrameDraw(seed, stream('corrupt'), model.corrupt.correlation) : null;
    this.corruptBits = new FrameDraw(seed, stream('corrupt-bit'));
    // With a gap, whether a frame may go at once depends on the frames before it.
    this.reorder = model.reorder
      ? new FrameDraw(
          seed,
          stream('reorder'),
          model.reorder.correlation,
          model.reorder.correlation === 0 && model.reorder.gap <= 1,
        )
      : null;
    this.delay = model.delay ? new FrameDraw(seed, stream('delay'), model.delay.correlation) : null;
    this.dupDelay = model.delay ? new FrameDraw(seed, stream('delay-dup'), model.delay.correlation) : null;
  }

  /** The frame's key for the keyed draws: a probe's seq and which copy of it; none for the rest. */
  key(data: Buffer, info: FrameInfo | null): FrameKey {
    const seq = info ? probeSeq(data, info) : -1;
    return seq < 0 ? NO_KEY : { seq, copy: this.copies.take(seq) };
  }
}

export class DirectionShaper {
  readonly model: DirectionModel;
  readonly #seed: number;
  readonly #direction: Direction;
  readonly #flows = new Map<number, FlowStreams>();
  /** When the rate limiter finishes the last frame it accepted. */
  #linkFree = 0;
  /** Departure times of frames waiting for the rate limiter, oldest first. */
  #waiting: number[] = [];
  #waitingHead = 0;
  /** A trace's clock: its start (the first frame that met it), the opportunity in use, its bytes left. */
  #traceStart = -1;
  #last: FlowStreams | null = null;
  #opportunity = 0;
  #credit = 0;
  /** A recorded run's fates, given to the frames in their places (replay-file.ts); the model decides the rest. */
  readonly #replay: DirectionReplay | undefined;

  constructor(model: DirectionModel, seed: number, direction: Direction, replay?: DirectionReplay) {
    this.model = model;
    this.#seed = seed;
    this.#direction = direction;
    this.#replay = replay;
  }

  /** The last decided frame's flow and its number in it (`flow up/udp/12000 #17`), for a capture's comment. */
  lastNote(): string {
    return this.#last ? `flow ${this.#last.name} #${this.#last.frames}` : 'flow -';
  }

  /** Frames accepted by the rate limiter that have not left yet. */
  queued(now: number): number {
    while (this.#waitingHead < this.#waiting.length && this.#waiting[this.#waitingHead]! <= now)
      this.#waitingHead++;
    if (this.#waitingHead > 4096 && this.#waitingHead * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#waitingHead);
      this.#waitingHead = 0;
    }
    return this.#waiting.length - this.#waitingHead;
  }

  #flow(info: FrameInfo | null): FlowStreams {
    const key = flowKey(this.#direction, info);
    let flow = this.#flows.get(key);
    if (!flow) {
      flow = new FlowStreams(this.model, this.#seed, flowName(this.#direction, key));
      flow.replay = this.#replay?.[flow.name];
      this.#flows.set(key, flow);
    }
    return flow;
  }

  decide(data: Buffer, info: FrameInfo | null, now: number): Decision {
    const m = this.model;
    const decision: Decision = {
      fate: 'forwarded',
      copies: [],
      duplicated: false,
      corrupted: false,
      reordered: false,
      delayMs: 0,
      rule: -1,
    };
    if (this.#replay) {
      // Every frame takes its place in its flow, an outage's too: the recording's places count them.
      const flow = this.#flow(info);
      flow.frames++;
      this.#last = flow;
      const key = flow.key(data, info);
      const recorded = replayed(flow, key);
      if (recorded) return this.#replayed(decision, recorded, data, info, now, flow, key);
      if (m.outage) {
        decision.fate = 'outage';
        return decision;
      }
      return this.#modelled(decision, data, info, now, flow, key);
    }
    // A link that is down decides nothing else, and draws no random number.
    if (m.outage) {
      this.#last = null;
      decision.fate = 'outage';
      return decision;
    }
    const flow = this.#flow(info);
    flow.frames++;
    this.#last = flow;
    return this.#modelled(decision, data, info, now, flow, flow.key(data, info));
  }

  /** A frame the model decides: event rules first, then netem's order. */
  #modelled(
    decision: Decision,
    data: Buffer,
    info: FrameInfo | null,
    now: number,
    flow: FlowStreams,
    key: FrameKey,
  ): Decision {
    const m = this.model;
    if (m.events && info) {
      const firstSeq = key.copy === 0 ? key.seq : -1;
      const hit = flow.events.hit(m.events, info.proto, info.tcpFlags, info.payloadLength, firstSeq);
      if (hit >= 0) return this.#aimed(decision, hit, data, now, flow, key);
    }
    let count = 1;
    if (flow.duplicate && flow.duplicate.next(key) < m.duplicate!.percent / 100) count++;
    if (flow.loss?.lost(key)) count--;
    if (count === 0) {
      decision.fate = 'lost';
      return decision;
    }
    // The duplicate is taken before corruption, as netem does.
    const original = data;
    if (flow.corrupt && flow.corrupt.next(key) < m.corrupt!.percent / 100) {
      data = Buffer.from(data);
      flipBit(data, info, () => flow.corruptBits.next(key));
      decision.corrupted = true;
    }
    const first = this.#schedule(data, now, flow, flow.delay, key);
    if (!first) {
      decision.fate = 'queue-drop';
      return decision;
    }
    decision.copies.push(first);
    decision.reordered = first.reordered;
    decision.delayMs = first.at - now;
    if (count > 1) {
      const dup = this.#schedule(original, now, flow, flow.dupDelay, duplicateKey(key));
      if (dup) {
        decision.copies.push(dup);
        decision.duplicated = true;
      }
    }
    return decision;
  }

  /**
   * A frame the recording holds: its recorded fate, as it was (the delay is the recorded one,
   * queueing included, so none leaves earlier than it did). Only a corrupted frame's bit is drawn.
   */
  #replayed(
    decision: Decision,
    recorded: ReplayFate,
    data: Buffer,
    info: FrameInfo | null,
    now: number,
    flow: FlowStreams,
    key: FrameKey,
  ): Decision {
    decision.fate = recorded.fate;
    decision.replayed = true;
    if (recorded.fate !== 'forwarded') return decision;
    const original = data;
    if (recorded.corrupted) {
      data = Buffer.from(data);
      flipBit(data, info, () => flow.corruptBits.next(key));
      decision.corrupted = true;
    }
    const at = now + recorded.delayMs;
    decision.copies.push({ data, at, reordered: recorded.reordered });
    decision.reordered = recorded.reordered;
    decision.delayMs = recorded.delayMs;
    if (recorded.duplicated) {
      decision.copies.push({ data: original, at, reordered: false });
      decision.duplicated = true;
    }
    return decision;
  }

  /**
   * A frame an event rule hits: the rule's fate, none of the random ones (no loss, corruption or
   * random duplicate is drawn for it). What it does not drop is queued and delayed as the model says.
   */
  #aimed(
    decision: Decision,
    index: number,
    data: Buffer,
    now: number,
    flow: FlowStreams,
    key: FrameKey,
  ): Decision {
    const rule = this.model.events![index]!;
    decision.rule = index;
    if (rule.action === 'drop') {
      decision.fate = 'lost';
      return decision;
    }
    const first = this.#schedule(data, now, flow, flow.delay, key);
    if (!first) {
      decision.fate = 'queue-drop';
      return decision;
    }
    if (rule.action === 'delay') first.at += rule.delayMs ?? 0;
    decision.copies.push(first);
    decision.reordered = first.reordered;
    decision.delayMs = first.at - now;
    if (rule.action === 'duplicate') {
      const dup = this.#schedule(data, now, flow, flow.dupDelay, duplicateKey(key));
      if (dup) {
        decision.copies.push(dup);
        decision.duplicated = true;
      }
    }
    return decision;
  }

  /** When opportunity k comes: the trace loops, its period being its last time. */
  #opportunityAt(t: TraceSpec, k: number): number {
    const n = t.times.length;
    return this.#traceStart + Math.floor(k / n) * t.periodMs + t.times[k % n]!;
  }

  /**
   * The departure of a frame of `bytes` that may leave from `now`: the opportunity in use if its
   * time has not passed and it has bytes left, else the first one after; a frame larger than what
   * is left spans opportunities. An opportunity that passes with nothing waiting is lost, as on a
   * real link.
   */
  #traceSlot(t: TraceSpec, bytes: number, now: number): number {
    if (this.#traceStart < 0) {
      this.#traceStart = now;
      this.#opportunity = 0;
      this.#credit = OPPORTUNITY_BYTES;
    }
    const earliest = Math.max(now, this.#linkFree);
    if (this.#opportunityAt(t, this.#opportunity) < earliest) {
      // Whole periods first, then opportunity by opportunity.
      const n = t.times.length;
      const behind = Math.floor((earliest - this.#opportunityAt(t, this.#opportunity)) / t.periodMs);
      if (behind > 1) this.#opportunity += (behind - 1) * n;
      while (this.#opportunityAt(t, this.#opportunity) < earliest) this.#opportunity++;
      this.#credit = OPPORTUNITY_BYTES;
    }
    while (bytes > this.#credit) {
      bytes -= this.#credit;
      this.#opportunity++;
      this.#credit = OPPORTUNITY_BYTES;
    }
    this.#credit -= bytes;
    const at = this.#opportunityAt(t, this.#opportunity);
    if (this.#credit === 0) {
      this.#opportunity++;
      this.#credit = OPPORTUNITY_BYTES;
    }
    return at;
  }

  #schedule(
    data: Buffer,
    now: number,
    flow: FlowStreams,
    delayRandom: FrameDraw | null,
    key: FrameKey,
  ): Copy | null {
    const m = this.model;
    if ((m.rate || m.trace) && this.queued(now) >= (m.limit ?? DEFAULT_LIMIT)) return null;
    // netem: with reorder set, a packet goes out at once (skipping delay and rate) with that
    // chance, unless fewer than `gap − 1` packets went by since the last one that did.
    if (flow.reorder && m.reorder) {
      const gap = m.reorder.gap;
      const atOnce = flow.reorderCounter >= gap - 1 && flow.reorder.next(key) < m.reorder.percent / 100;
      if (atOnce) {
        flow.reorderCounter = 0;
        return { data, at: now, reordered: true };
      }
      flow.reorderCounter++;
    }
    let at = now;
    if (m.rate) {
      const frameBytes = data.length - VXLAN_HEADER;
      at = Math.max(now, this.#linkFree) + (frameBytes * 8 * 1000) / m.rate.bps;
      this.#linkFree = at;
      this.#waiting.push(at);
    } else if (m.trace) {
      // The IP packet's bytes, as Mahimahi counts them (the inner Ethernet header is not the link's).
      at = this.#traceSlot(m.trace, Math.max(1, data.length - VXLAN_HEADER - 14), now);
      this.#linkFree = at;
      this.#waiting.push(at);
    }
    if (m.delay && delayRandom) {
      const d = m.delay;
      const jitter =
        d.jitterMs > 0 ? d.jitterMs * distributionValue(d.distribution, delayRandom.next(key)) : 0;
      at += Math.max(0, d.ms + jitter);
    }
    return { data, at, reordered: false };
  }
}

/** The recorded fate of the frame in this place of its flow, if the recording holds that place. */
function replayed(flow: FlowStreams, key: FrameKey): ReplayFate | undefined {
  const r = flow.replay;
  if (!r) return undefined;
  return key.seq >= 0 ? r.probes[`${key.seq}/${key.copy}`] : r.order[flow.replayOrder++];
}

/** The link's own duplicate of a probe draws apart from the probe it copies (reorder is drawn for both). */
function duplicateKey(key: FrameKey): FrameKey {
  return key.seq < 0 ? key : { seq: key.seq, copy: -1 - key.copy };
}

/** One random bit of the inner IP packet (or of the inner frame's payload when not IP). */
function flipBit(data: Buffer, info: FrameInfo | null, uniform: () => number): void {
  const start = info && info.ipOffset >= 0 ? info.ipOffset : Math.min(data.length - 1, VXLAN_HEADER + 14);
  const length = info && info.ipOffset >= 0 ? info.ipLength : data.length - start;
  if (length <= 0) return;
  const bit = Math.floor(uniform() * length * 8);
  data[start + (bit >> 3)]! ^= 1 << (bit & 7);
}
