// The fate of every frame the relay saw, kept in a ring buffer so that it can be read back and
// checked against what the applications saw (which sequence numbers were dropped, and why).

import type { Fate } from './direction-shaper.ts';
import type { Direction } from './impairment-model.ts';
import type { InnerProtocol } from './vxlan-frame.ts';

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
  /** FNV-1a of the transport payload: an application can compute it from its own bytes. */
  fp: string;
  /** Sequence number of a socklab probe message, or -1. */
  seq: number;
  fate: Fate;
  duplicated: boolean;
  corrupted: boolean;
  reordered: boolean;
  /** Arrival to departure of the first copy, ms (0 when dropped). */
  delayMs: number;
}

export class PacketRecordRing {
  readonly capacity: number;
  #items: PacketRecord[] = [];
  #next = 1;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  add(r: Omit<PacketRecord, 'n'>): void {
    if (this.capacity === 0) return;
    const rec = r as PacketRecord;
    rec.n = this.#next++;
    if (this.#items.length < this.capacity) this.#items.push(rec);
    else this.#items[(rec.n - 1) % this.capacity] = rec;
  }

  /** Records with n > since, oldest first, at most `limit`. */
  read(since = 0, limit = Number.POSITIVE_INFINITY): PacketRecord[] {
    const first = Math.max(since + 1, this.#next - this.#items.length);
    const out: PacketRecord[] = [];
    for (let n = first; n < this.#next && out.length < limit; n++) {
      out.push(this.#items[(n - 1) % this.capacity]!);
    }
    return out;
  }

  /** Records that were overwritten before anyone read them can no longer be had: how many so far. */
  get overwritten(): number {
    return Math.max(0, this.#next - 1 - this.#items.length);
  }

  get last(): number {
    return this.#next - 1;
  }

  clear(): void {
    this.#items = [];
    this.#next = 1;
  }
}
