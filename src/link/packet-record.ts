// The fate of every frame the relay saw, kept in a ring so that it can be read back and checked
// against what the applications saw (which sequence numbers were dropped, and why). Stored as
// typed arrays, not objects: the relay writes one entry per frame at line rate, and formatting
// (addresses as text) waits until someone reads.
import type { Fate } from './direction-shaper.ts';
import type { Direction } from './impairment-model.ts';
import { INNER_PROTOCOLS, type InnerProtocol } from './vxlan-frame.ts';

/** How many bytes of each frame's transport payload are kept (what a sequence diagram shows). */
export const HEAD_BYTES = 32;

export interface PacketRecord {
  /** Running number, from 1; survives the ring wrapping, so readers can ask for what is new. */
  n: number;
  /** Arrival, ms since the relay started. */
  t: number;
  dir: Direction;
  proto: InnerProtocol;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** Inner frame length in bytes. */
  len: number;
  /** Transport payload length (UDP or TCP data; 0 for a bare TCP ACK). */
  plen: number;
  /** TCP flags (FIN 1, SYN 2, RST 4, PSH 8, ACK 16); 0 for other protocols. */
  flags: number;
  /** See vxlan-frame.ts fingerprint(): an application can compute it from its own bytes. */
  fp: string;
  /** Sequence number of a socklab probe message, or -1. */
  seq: number;
  fate: Fate;
  duplicated: boolean;
  corrupted: boolean;
  reordered: boolean;
  /** Arrival to the departure the model decided for the first copy, ms (0 when dropped). */
  delayMs: number;
  /** Arrival to the first copy's real departure, ms, by the relay's clock; -1 while not sent or when dropped. */
  outMs: number;
  /** The payload's first bytes, base64 (only when asked for: `read(..., { head: true })`). */
  head?: string;
}

/** What the relay writes: IPv4 addresses as 32-bit numbers (IPv6 as text), the fingerprint as a number. */
export type RawRecord = Omit<PacketRecord, 'n' | 'src' | 'dst' | 'fp' | 'outMs' | 'head'> & {
  src: number | string;
  dst: number | string;
  fp: number;
};

const FATES: readonly Fate[] = ['forwarded', 'lost', 'queue-drop', 'outage'];
const ipv4Text = (x: number): string => `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;

export class PacketRecordRing {
  readonly capacity: number;
  #next = 1;
  readonly #t: Float64Array;
  readonly #delay: Float32Array;
  readonly #out: Float32Array;
  readonly #src: Uint32Array;
  readonly #dst: Uint32Array;
  readonly #ports: Uint32Array;
  readonly #len: Uint32Array;
  readonly #plen: Uint32Array;
  readonly #fp: Uint32Array;
  readonly #seq: Float64Array;
  /** dir (1 bit), proto (3), fate (2), duplicated, corrupted, reordered. */
  readonly #bits: Uint16Array;
  readonly #flags: Uint8Array;
  readonly #head: Uint8Array;
  readonly #headLen: Uint8Array;
  /** IPv6 addresses by slot, rare enough to keep as text. */
  readonly #v6 = new Map<number, [string, string]>();

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#t = new Float64Array(capacity);
    this.#delay = new Float32Array(capacity);
    this.#out = new Float32Array(capacity);
    this.#src = new Uint32Array(capacity);
    this.#dst = new Uint32Array(capacity);
    this.#ports = new Uint32Array(capacity);
    this.#len = new Uint32Array(capacity);
    this.#plen = new Uint32Array(capacity);
    this.#fp = new Uint32Array(capacity);
    this.#seq = new Float64Array(capacity);
    this.#bits = new Uint16Array(capacity);
    this.#flags = new Uint8Array(capacity);
    this.#head = new Uint8Array(capacity * HEAD_BYTES);
    this.#headLen = new Uint8Array(capacity);
  }

  /**
   * Adds a record and returns its number. `payload` (the frame) and `payloadOffset` give the
   * first bytes to keep; nothing is allocated.
   */
  add(r: RawRecord, frame?: Uint8Array, payloadOffset = -1): number {
    const n = this.#next++;
    if (this.capacity === 0) return n;
    const i = (n - 1) % this.capacity;
    this.#t[i] = r.t;
    this.#delay[i] = r.delayMs;
    this.#out[i] = -1;
    if (typeof r.src === 'string' || typeof r.dst === 'string')
      this.#v6.set(i, [String(r.src), String(r.dst)]);
    else {
      this.#v6.delete(i);
      this.#src[i] = r.src;
      this.#dst[i] = r.dst;
    }
    this.#ports[i] = ((r.sport << 16) | r.dport) >>> 0;
    this.#len[i] = r.len;
    this.#plen[i] = r.plen;
    this.#fp[i] = r.fp;
    this.#seq[i] = r.seq;
    this.#flags[i] = r.flags;
    this.#bits[i] =
      (r.dir === 'down' ? 1 : 0) |
      (INNER_PROTOCOLS.indexOf(r.proto) << 1) |
      (FATES.indexOf(r.fate) << 4) |
      (r.duplicated ? 64 : 0) |
      (r.corrupted ? 128 : 0) |
      (r.reordered ? 256 : 0);
    let headLen = 0;
    if (frame && payloadOffset >= 0) {
      headLen = Math.min(HEAD_BYTES, r.plen, frame.length - payloadOffset);
      if (headLen > 0) this.#head.set(frame.subarray(payloadOffset, payloadOffset + headLen), i * HEAD_BYTES);
    }
    this.#headLen[i] = Math.max(0, headLen);
    return n;
  }

  /** Notes when record `n`'s first copy really left (ms after its arrival), if it is still kept. */
  departed(n: number, outMs: number): void {
    if (n <= this.overwritten || n >= this.#next || this.capacity === 0) return;
    const i = (n - 1) % this.capacity;
    if (this.#out[i]! < 0) this.#out[i] = outMs;
  }

  /** Records with n > since, oldest first, at most `limit`. */
  read(since = 0, limit = Number.POSITIVE_INFINITY, opts: { head?: boolean } = {}): PacketRecord[] {
    const first = Math.max(since + 1, this.#next - Math.min(this.#next - 1, this.capacity));
    const out: PacketRecord[] = [];
    for (let n = first; n < this.#next && out.length < limit; n++) out.push(this.#at(n, opts.head === true));
    return out;
  }

  #at(n: number, head: boolean): PacketRecord {
    const i = (n - 1) % this.capacity;
    const bits = this.#bits[i]!;
    const v6 = this.#v6.get(i);
    const ports = this.#ports[i]!;
    const rec: PacketRecord = {
      n,
      t: Math.round(this.#t[i]! * 1000) / 1000,
      dir: bits & 1 ? 'down' : 'up',
      proto: INNER_PROTOCOLS[(bits >> 1) & 7]!,
      src: v6 ? v6[0] : ipv4Text(this.#src[i]!),
      dst: v6 ? v6[1] : ipv4Text(this.#dst[i]!),
      sport: ports >>> 16,
      dport: ports & 0xffff,
      len: this.#len[i]!,
      plen: this.#plen[i]!,
      flags: this.#flags[i]!,
      fp: this.#fp[i]!.toString(16).padStart(8, '0'),
      seq: this.#seq[i]!,
      fate: FATES[(bits >> 4) & 3]!,
      duplicated: (bits & 64) !== 0,
      corrupted: (bits & 128) !== 0,
      reordered: (bits & 256) !== 0,
      delayMs: Math.round(this.#delay[i]! * 1000) / 1000,
      outMs: this.#out[i]! < 0 ? -1 : Math.round(this.#out[i]! * 1000) / 1000,
    };
    if (head) {
      const at = i * HEAD_BYTES;
      rec.head = Buffer.from(this.#head.subarray(at, at + this.#headLen[i]!)).toString('base64');
    }
    return rec;
  }

  /** Records overwritten so far (they can no longer be read). */
  get overwritten(): number {
    return Math.max(0, this.#next - 1 - this.capacity);
  }

  get last(): number {
    return this.#next - 1;
  }

  clear(): void {
    this.#next = 1;
    this.#v6.clear();
  }
}
