// The fate of every frame the relay saw, kept in a ring so that it can be read back and checked
// against what the applications saw (which sequence numbers were dropped, and why). Stored as
// typed arrays, not objects: the relay writes one entry per frame at line rate, and formatting
// (addresses as text) waits until someone reads.
//
// The arrays live in one SharedArrayBuffer: the threads that forward the two directions write
// (each frame its own slot, numbered from one shared atomic counter, so that numbers follow
// arrival across both directions), and linkd's main thread reads. A slot's stamp is written last
// and checked before and after reading it, so a reader never returns a half-written or
// overwritten entry.

import { ipv4Text } from '../../common/lab-address.ts';
import { HEAD_BYTES, type PacketRecord } from '../control/packet-record.ts';
import { clientName, type Direction } from '../model/impairment-model.ts';
import type { Fate } from './direction-shaper.ts';
import { INNER_PROTOCOLS, type InnerProtocol, ipv6Text } from './vxlan-frame.ts';

/** What the relay writes: IPv4 addresses as 32-bit numbers, the fingerprint as a number. */
export type RawRecord = Omit<
  PacketRecord,
  'n' | 'client' | 'src' | 'dst' | 'fp' | 'outMs' | 'head' | 'rule'
> & {
  /** The client's index (its name is the reader's to give). */
  client: number;
  /** The event rule that decided the frame (its index in the direction's rules), or -1. */
  rule: number;
  src: number;
  dst: number;
  /** IPv6: where the frame holds the 32 bytes of source and destination address; -1 otherwise. */
  v6Addresses?: number;
  fp: number;
};

/** Names an event rule by its client, direction and index (the reader knows the model in force). */
export type RuleName = (client: string, dir: Direction, index: number) => string;

const FATES: readonly Fate[] = ['forwarded', 'lost', 'queue-drop', 'outage', 'forged'];
const FATE_INDEX: Record<Fate, number> = { forwarded: 0, lost: 1, 'queue-drop': 2, outage: 3, forged: 4 };
const PROTO_INDEX = Object.fromEntries(INNER_PROTOCOLS.map((p, i) => [p, i])) as Record<
  InnerProtocol,
  number
>;

/** Header words: the last number handed out, and the number the last clear() started after. */
const NEXT = 0;
const BASE = 1;
const V6_BYTES = 32;

/** Bytes per entry of each array, in the order they lie in the buffer (widest first, so aligned). */
const FIELDS = {
  t: 8,
  seq: 8,
  stamp: 4,
  delay: 4,
  out: 4,
  src: 4,
  dst: 4,
  ports: 4,
  len: 4,
  plen: 4,
  fp: 4,
  bits: 2,
  flags: 1,
  rule: 1,
  headLen: 1,
  head: HEAD_BYTES,
  v6: V6_BYTES,
} as const;
const HEADER_BYTES = 16;

export function recordBufferBytes(capacity: number): number {
  return HEADER_BYTES + Object.values(FIELDS).reduce((s, w) => s + w * capacity, 0);
}

export class PacketRecordRing {
  readonly capacity: number;
  /** Share it with another thread and build a ring on it there: both see the same records. */
  readonly buffer: SharedArrayBuffer;
  readonly #header: Uint32Array;
  readonly #stamp: Uint32Array;
  readonly #t: Float64Array;
  readonly #seq: Float64Array;
  readonly #delay: Float32Array;
  readonly #out: Float32Array;
  readonly #src: Uint32Array;
  readonly #dst: Uint32Array;
  readonly #ports: Uint32Array;
  readonly #len: Uint32Array;
  readonly #plen: Uint32Array;
  readonly #fp: Uint32Array;
  /** dir (1 bit), proto (3), fate (3), duplicated, corrupted, reordered, IPv6, client (4). */
  readonly #bits: Uint16Array;
  readonly #flags: Uint8Array;
  /** The event rule's index + 1; 0 when none decided the frame. */
  readonly #rule: Uint8Array;
  readonly #headLen: Uint8Array;
  readonly #head: Uint8Array;
  readonly #v6: Uint8Array;

  constructor(capacity: number, buffer?: SharedArrayBuffer) {
    this.capacity = capacity;
    this.buffer = buffer ?? new SharedArrayBuffer(recordBufferBytes(capacity));
    const b = this.buffer;
    let at = HEADER_BYTES;
    const take = (name: keyof typeof FIELDS): number => {
      const start = at;
      at += FIELDS[name] * capacity;
      return start;
    };
    this.#header = new Uint32Array(b, 0, 4);
    this.#t = new Float64Array(b, take('t'), capacity);
    this.#seq = new Float64Array(b, take('seq'), capacity);
    this.#stamp = new Uint32Array(b, take('stamp'), capacity);
    this.#delay = new Float32Array(b, take('delay'), capacity);
    this.#out = new Float32Array(b, take('out'), capacity);
    this.#src = new Uint32Array(b, take('src'), capacity);
    this.#dst = new Uint32Array(b, take('dst'), capacity);
    this.#ports = new Uint32Array(b, take('ports'), capacity);
    this.#len = new Uint32Array(b, take('len'), capacity);
    this.#plen = new Uint32Array(b, take('plen'), capacity);
    this.#fp = new Uint32Array(b, take('fp'), capacity);
    this.#bits = new Uint16Array(b, take('bits'), capacity);
    this.#flags = new Uint8Array(b, take('flags'), capacity);
    this.#rule = new Uint8Array(b, take('rule'), capacity);
    this.#headLen = new Uint8Array(b, take('headLen'), capacity);
    this.#head = new Uint8Array(b, take('head'), capacity * HEAD_BYTES);
    this.#v6 = new Uint8Array(b, take('v6'), capacity * V6_BYTES);
  }

  /**
   * Adds a record and returns its ticket (for departed()). `frame` and `payloadOffset` give the
   * payload's first bytes to keep (and an IPv6 frame's addresses); nothing is allocated.
   */
  add(r: RawRecord, frame?: Uint8Array, payloadOffset = -1): number {
    const raw = Atomics.add(this.#header, NEXT, 1) + 1;
    if (this.capacity === 0) return raw;
    const i = (raw - 1) % this.capacity;
    Atomics.store(this.#stamp, i, 0);
    this.#t[i] = r.t;
    this.#delay[i] = r.delayMs;
    this.#out[i] = -1;
    const v6At = r.v6Addresses ?? -1;
    if (frame && v6At >= 0) this.#v6.set(frame.subarray(v6At, v6At + V6_BYTES), i * V6_BYTES);
    this.#src[i] = r.src;
    this.#dst[i] = r.dst;
    this.#ports[i] = ((r.sport << 16) | r.dport) >>> 0;
    this.#len[i] = r.len;
    this.#plen[i] = r.plen;
    this.#fp[i] = r.fp;
    this.#seq[i] = r.seq;
    this.#flags[i] = r.flags;
    this.#rule[i] = r.rule + 1;
    this.#bits[i] =
      (r.dir === 'down' ? 1 : 0) |
      (PROTO_INDEX[r.proto] << 1) |
      (FATE_INDEX[r.fate] << 4) |
      (r.duplicated ? 128 : 0) |
      (r.corrupted ? 256 : 0) |
      (r.reordered ? 512 : 0) |
      (frame && v6At >= 0 ? 1024 : 0) |
      ((r.client & 15) << 11);
    let headLen = 0;
    if (frame && payloadOffset >= 0) {
      headLen = Math.min(HEAD_BYTES, r.plen, frame.length - payloadOffset);
      if (headLen > 0) this.#head.set(frame.subarray(payloadOffset, payloadOffset + headLen), i * HEAD_BYTES);
    }
    this.#headLen[i] = Math.max(0, headLen);
    Atomics.store(this.#stamp, i, raw);
    return raw;
  }

  /** Notes when the record with this ticket really left (ms after its arrival), if it is still kept. */
  departed(ticket: number, outMs: number): void {
    if (this.capacity === 0) return;
    const i = (ticket - 1) % this.capacity;
    if (Atomics.load(this.#stamp, i) === ticket && this.#out[i]! < 0) this.#out[i] = outMs;
  }

  /**
   * Records with n > since, oldest first, at most `limit`; stops before a record still being
   * written (the next read returns it).
   */
  read(
    since = 0,
    limit = Number.POSITIVE_INFINITY,
    opts: { head?: boolean; ruleName?: RuleName } = {},
  ): PacketRecord[] {
    const base = Atomics.load(this.#header, BASE);
    const next = Atomics.load(this.#header, NEXT);
    const first = Math.max(since + base + 1, next - Math.min(next - base, this.capacity) + 1);
    const out: PacketRecord[] = [];
    for (let raw = first; raw <= next && out.length < limit; raw++) {
      const rec = this.#at(raw, base, opts.head === true, opts.ruleName);
      if (rec === 'pending') break;
      if (rec) out.push(rec);
    }
    return out;
  }

  #at(raw: number, base: number, head: boolean, ruleName?: RuleName): PacketRecord | null | 'pending' {
    const i = (raw - 1) % this.capacity;
    const before = Atomics.load(this.#stamp, i);
    if (before !== raw) return before < raw ? 'pending' : null;
    const bits = this.#bits[i]!;
    const ports = this.#ports[i]!;
    const v6 = (bits & 1024) !== 0;
    const rec: PacketRecord = {
      n: raw - base,
      t: Math.round(this.#t[i]! * 1000) / 1000,
      dir: bits & 1 ? 'down' : 'up',
      client: clientName((bits >> 11) & 15),
      proto: INNER_PROTOCOLS[(bits >> 1) & 7]!,
      src: v6 ? ipv6Text(this.#v6, i * V6_BYTES) : ipv4Text(this.#src[i]!),
      dst: v6 ? ipv6Text(this.#v6, i * V6_BYTES + 16) : ipv4Text(this.#dst[i]!),
      sport: ports >>> 16,
      dport: ports & 0xffff,
      len: this.#len[i]!,
      plen: this.#plen[i]!,
      flags: this.#flags[i]!,
      fp: this.#fp[i]!.toString(16).padStart(8, '0'),
      seq: this.#seq[i]!,
      fate: FATES[(bits >> 4) & 7]!,
      duplicated: (bits & 128) !== 0,
      corrupted: (bits & 256) !== 0,
      reordered: (bits & 512) !== 0,
      delayMs: Math.round(this.#delay[i]! * 1000) / 1000,
      outMs: this.#out[i]! < 0 ? -1 : Math.round(this.#out[i]! * 1000) / 1000,
    };
    const rule = this.#rule[i]!;
    if (rule > 0) rec.rule = ruleName?.(rec.client, rec.dir, rule - 1) ?? `#${rule}`;
    if (head) {
      const at = i * HEAD_BYTES;
      rec.head = Buffer.from(this.#head.subarray(at, at + this.#headLen[i]!)).toString('base64');
    }
    // Overwritten while it was read (the ring wrapped meanwhile): it is gone.
    return Atomics.load(this.#stamp, i) === raw ? rec : null;
  }

  /** Records overwritten so far (they can no longer be read). */
  get overwritten(): number {
    const base = Atomics.load(this.#header, BASE);
    return Math.max(0, Atomics.load(this.#header, NEXT) - base - this.capacity);
  }

  /** The newest record's number. */
  get last(): number {
    return Atomics.load(this.#header, NEXT) - Atomics.load(this.#header, BASE);
  }

  /** Numbers start again from 1; what was recorded before can no longer be read. */
  clear(): void {
    Atomics.store(this.#header, BASE, Atomics.load(this.#header, NEXT));
  }
}
