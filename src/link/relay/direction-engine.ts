// One direction of the relay: decides each frame's fate with the direction's shaper, sends it now
// or at its time from the direction's own delay queue, counts, and records. It runs in the thread
// that forwards the direction and writes only to shared memory, so the main thread reads counters
// and the record without a message per frame.
//
// The path of a frame on a clean link (no impairment, nothing waiting) allocates nothing here: no
// decision object, no queue entry, no closure; the record is filled from one scratch object.

import { formatEventRule } from '../model/event-rules.ts';
import { type Direction, type DirectionModel, isClean } from '../model/impairment-model.ts';
import type { DirectionReplay } from '../model/replay-file.ts';
import type { DirectionMemory } from './direction-memory.ts';
import { type Decision, DirectionShaper } from './direction-shaper.ts';
import type { PacketRecordRing, RawRecord } from './record-ring.ts';
import { type AlarmFactory, TimerQueue } from './timer-queue.ts';
import { type FrameInfo, fingerprint, type InnerProtocol, probeSeq, VXLAN_HEADER } from './vxlan-frame.ts';

/** Where a direction's frames go. */
export interface FrameSender {
  /** False while the destination's address is not known. */
  ready(): boolean;
  send(data: Buffer): void;
}

/** Sees every frame sent, and every one dropped, while a capture runs. */
export type CaptureSink = (data: Buffer, comment: string, up: boolean) => void;

interface Pending {
  data: Buffer;
  proto: InnerProtocol;
  label: Label;
  /** The record ticket of the frame this is the first copy of (its real departure is noted), or 0. */
  ticket: number;
  arrived: number;
}

/**
 * A capture comment's words for a copy: what became of it, the rule that decided it if one did,
 * and (while a capture runs) its flow and its number in the flow.
 */
type Label = string;

const FORGED: Decision = {
  fate: 'forged',
  copies: [],
  duplicated: false,
  corrupted: false,
  reordered: false,
  delayMs: 0,
  rule: -1,
};

export interface EngineOptions {
  dir: Direction;
  /** Whose path this is: the client's index, from 0 (the record names it). */
  client?: number;
  /** Put before every capture comment: the client's name in a lab of several (`client2 `), else ''. */
  captureLabel?: string;
  model: DirectionModel;
  seed: number;
  memory: DirectionMemory;
  record: PacketRecordRing;
  sender: FrameSender;
  impairDiscovery: boolean;
  /** Added to performance.now() to give the record's time (ms since the relay started). */
  timeShiftMs: number;
  /** A recorded run's fates for this path and direction (replay-file.ts). */
  replay?: DirectionReplay;
  /** The data plane's alarm for held frames, where it has one (open-relay-socket.ts). */
  alarms?: AlarmFactory | undefined;
}

/**
 * The seed of a client's streams: the lab's own for the first client (a lab of one client draws
 * as it always did), another per client after it, so that each path has streams of its own.
 */
export function clientSeed(seed: number, client: number): number {
  if (client === 0) return seed;
  let h = (seed ^ Math.imul(client, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class DirectionEngine {
  readonly dir: Direction;
  readonly client: number;
  readonly #memory: DirectionMemory;
  readonly #record: PacketRecordRing;
  readonly #sender: FrameSender;
  readonly #impairDiscovery: boolean;
  readonly #timeShift: number;
  readonly #label: string;
  readonly #queue: TimerQueue<Pending>;
  readonly #scratch: RawRecord;
  #shaper: DirectionShaper;
  #clean: boolean;
  #seed: number;
  #replay: DirectionReplay | undefined;
  /** The scenario step whose model is in force (`scenario flap step 2/3`), or '' for a model set by hand. */
  #step = '';
  #pending = 0;
  capture: CaptureSink | null = null;

  constructor(o: EngineOptions) {
    this.dir = o.dir;
    this.client = o.client ?? 0;
    this.#memory = o.memory;
    this.#record = o.record;
    this.#sender = o.sender;
    this.#impairDiscovery = o.impairDiscovery;
    this.#timeShift = o.timeShiftMs;
    this.#label = `${o.captureLabel ?? ''}${o.dir}`;
    this.#seed = clientSeed(o.seed, this.client);
    this.#replay = o.replay;
    this.#shaper = new DirectionShaper(o.model, this.#seed, o.dir, o.replay);
    this.#clean = isClean(o.model) && !o.replay;
    this.#queue = new TimerQueue((p, at) => {
      this.#pending--;
      this.#memory.late(performance.now() - at);
      this.#send(p.data, p.proto, p.ticket, p.arrived, p.label);
      // Out of flight only once counted as forwarded: a thread that reads none in flight then
      // finds every held frame where it went (it read 0 in flight and one frame short otherwise).
      this.#memory.inFlight(-1);
    }, o.alarms);
    this.#scratch = {
      t: 0,
      dir: o.dir,
      client: this.client,
      proto: 'other',
      src: 0,
      dst: 0,
      v6Addresses: -1,
      sport: 0,
      dport: 0,
      len: 0,
      plen: 0,
      flags: 0,
      fp: 0,
      seq: -1,
      fate: 'forwarded',
      duplicated: false,
      corrupted: false,
      reordered: false,
      delayMs: 0,
      rule: -1,
    };
  }

  /**
   * A new model (`step`: the scenario step it comes from): the random streams start again from the
   * seed; frames already queued keep their times.
   */
  setModel(model: DirectionModel, seed: number, step = ''): void {
    this.#step = step;
    this.#seed = clientSeed(seed, this.client);
    this.#shaper = new DirectionShaper(model, this.#seed, this.dir, this.#replay);
    this.#clean = isClean(model) && !this.#replay;
  }

  /** A replay from now (undefined: none): every flow starts again from its first recorded place. */
  setReplay(replay: DirectionReplay | undefined): void {
    this.#replay = replay;
    this.#shaper = new DirectionShaper(this.#shaper.model, this.#seed, this.dir, replay);
    this.#clean = isClean(this.#shaper.model) && !replay;
  }

  /** Zeroes the counters and restarts the random streams (the record is the main thread's to clear). */
  reset(): void {
    this.#memory.reset();
    this.#shaper = new DirectionShaper(this.#shaper.model, this.#seed, this.dir, this.#replay);
  }

  close(): void {
    this.#queue.close();
  }

  /**
   * A frame from this direction's source whose inner source is not that host's own lab0 (a
   * program sending VXLAN to the link by hand): recorded and counted as forged, never forwarded.
   */
  onForged(msg: Buffer, info: FrameInfo): void {
    this.#account(info, msg, performance.now(), FORGED);
    this.#memory.count(info.proto, 'received');
  }

  /** A frame from this direction's source, parsed into `info` (valid during this call only). */
  onFrame(msg: Buffer, info: FrameInfo): void {
    this.#handle(msg, info);
    // Counted once its fate is (forwarded, queued, dropped): another thread that reads the
    // counters and sees it received also sees where it went, never a frame between the two.
    this.#memory.count(info.proto, 'received');
  }

  #handle(msg: Buffer, info: FrameInfo): void {
    const now = performance.now();
    // Held frames that are due leave before this one is looked at (see TimerQueue.runDue).
    if (this.#pending > 0) this.#queue.runDue(now);
    const proto = info.proto;
    const shaper = this.#shaper;
    // An outage stops discovery too: the link is down, not impaired.
    const bypass = (proto === 'arp' || proto === 'nd') && !this.#impairDiscovery && !shaper.model.outage;
    if ((bypass || this.#clean) && this.#pending === 0) {
      const ticket = this.#account(info, msg, now, null);
      this.#send(msg, proto, ticket, now, 'forwarded');
      return;
    }
    const decision: Decision = bypass
      ? {
          fate: 'forwarded',
          copies: [{ data: msg, at: now, reordered: false }],
          duplicated: false,
          corrupted: false,
          reordered: false,
          delayMs: 0,
          rule: -1,
        }
      : shaper.decide(msg, info, now);
    const rule = decision.rule >= 0 ? this.#ruleText(decision.rule) : '';
    // Which frame of which flow the decision was for, and who decided it (the scenario's step, a
    // replay): what Wireshark's reader needs to find the frame again.
    const note =
      this.capture && !bypass
        ? ` ${this.#decidedBy(decision)}${shaper.lastNote()}${decision.delayMs > 0 ? `, decided delay ${decision.delayMs.toFixed(3)} ms` : ''}`
        : '';
    const ticket = this.#account(info, msg, now, decision);
    const copies = decision.copies;
    for (let i = 0; i < copies.length; i++) {
      const copy = copies[i]!;
      const base =
        i > 0 ? 'duplicate' : decision.corrupted ? 'corrupted' : copy.reordered ? 'reordered' : 'forwarded';
      const label: Label = `${rule ? `${base} (rule ${rule})` : base}${note}`;
      const first = i === 0 ? ticket : 0;
      if (copy.at <= now && this.#pending === 0) this.#send(copy.data, proto, first, now, label);
      else {
        this.#pending++;
        this.#memory.inFlight(1);
        this.#queue.add(copy.at, { data: copy.data, proto, label, ticket: first, arrived: now });
      }
    }
  }

  /** Counts the decision (null: forwarded as it is) and records it; returns the record's ticket. */
  #account(info: FrameInfo, msg: Buffer, now: number, d: Decision | null): number {
    const proto = info.proto;
    const m = this.#memory;
    const r = this.#scratch;
    if (d) {
      if (d.fate === 'lost') m.count(proto, 'droppedLoss');
      else if (d.fate === 'queue-drop') m.count(proto, 'droppedQueue');
      else if (d.fate === 'outage') m.count(proto, 'droppedOutage');
      else if (d.fate === 'forged') m.count(proto, 'droppedForged');
      if (d.duplicated) m.count(proto, 'duplicated');
      if (d.reordered) m.count(proto, 'reordered');
      if (d.corrupted) m.count(proto, 'corrupted');
    }
    r.t = now + this.#timeShift;
    r.proto = proto;
    r.src = info.src;
    r.dst = info.dst;
    r.v6Addresses = info.v6Addresses;
    r.sport = info.sport;
    r.dport = info.dport;
    r.len = msg.length - VXLAN_HEADER;
    r.plen = info.payloadLength;
    r.flags = info.tcpFlags;
    r.fp = fingerprint(msg, info);
    r.seq = probeSeq(msg, info);
    r.fate = d ? d.fate : 'forwarded';
    r.duplicated = d ? d.duplicated : false;
    r.corrupted = d ? d.corrupted : false;
    r.reordered = d ? d.reordered : false;
    r.delayMs = d ? d.delayMs : 0;
    r.rule = d ? d.rule : -1;
    const ticket = this.#record.add(r, msg, proto === 'udp' || proto === 'tcp' ? info.payloadOffset : -1);
    if (this.capture && d && d.fate !== 'forwarded') {
      const why =
        d.rule >= 0
          ? `rule ${this.#ruleText(d.rule)}`
          : d.fate === 'lost'
            ? 'loss'
            : d.fate === 'queue-drop'
              ? 'queue full'
              : d.fate;
      this.capture(
        msg,
        `${this.#label} DROPPED (${why}) ${this.#decidedBy(d)}${this.#shaper.lastNote()}`,
        this.dir === 'up',
      );
    }
    return ticket;
  }

  /** `replayed, ` or `scenario flap step 2/3, ` before a capture's flow note; '' when the model in force decided. */
  #decidedBy(d: Decision): string {
    return d.replayed ? 'replayed, ' : this.#step ? `${this.#step}, ` : '';
  }

  #ruleText(index: number): string {
    const rule = this.#shaper.model.events?.[index];
    return rule ? formatEventRule(rule) : `#${index + 1}`;
  }

  // Everything is counted and recorded before the frame leaves: whoever receives it and then asks
  // for the counters finds it counted.
  #send(data: Buffer, proto: InnerProtocol, ticket: number, arrived: number, label: Label): void {
    if (!this.#sender.ready()) {
      this.#memory.sendError();
      return;
    }
    this.#memory.count(proto, 'forwarded');
    if (ticket > 0) this.#record.departed(ticket, performance.now() - arrived);
    this.capture?.(data, `${this.#label} ${label}`, this.dir === 'up');
    this.#sender.send(data);
  }
}
