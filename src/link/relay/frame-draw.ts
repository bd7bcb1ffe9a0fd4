// One impairment's random numbers for one flow. They come in the flow's arrival order (the n-th
// frame draws the n-th number), except for a socklab probe (`<seq>:...`: what the lab's clients
// send and an echo server sends back) when the impairment has no memory (no correlation, no gap):
// a probe then draws by its seq and by which copy of that seq it is. The network's timing decides
// the order in which frames reach the link (jitter, a duplicate's own delay, a busy machine
// bunching a client's datagrams), so by order the same probe could meet another fate in the next
// run; by its seq it meets the same one. A correlated impairment leans on the frame before by
// definition, and keeps the order. A probe draws nothing from the ordered stream, so the other
// frames of its flow keep their fates whatever probes cross it.
import { CorrelatedRandom, hashString, keyedUniform, Random } from './random.ts';

/** A probe's key, or none (seq −1). */
export interface FrameKey {
  seq: number;
  /** Which arrival of that seq (0 for the first); −1 − k for the link's duplicate of arrival k. */
  copy: number;
}

export const NO_KEY: FrameKey = { seq: -1, copy: 0 };

export class FrameDraw {
  readonly #ordered: CorrelatedRandom;
  /** The keyed stream's seed, or null when the impairment remembers the frame before. */
  readonly #keyed: number | null;

  /** `memoryless`: no correlation (and, for reorder, no gap), so a frame's number may stand alone. */
  constructor(seed: number, stream: string, correlationPercent = 0, memoryless = correlationPercent === 0) {
    this.#ordered = new CorrelatedRandom(new Random(seed, stream), correlationPercent);
    this.#keyed = memoryless
      ? keyedUniform(seed >>> 0, hashString(`${stream}/by-seq`), 0) * 4294967296
      : null;
  }

  next(key: FrameKey): number {
    return key.seq >= 0 && this.#keyed !== null
      ? keyedUniform(this.#keyed, key.seq, key.copy)
      : this.#ordered.next();
  }
}

/** How many copies of each probe seq a flow has seen: bounded, two generations of `size` seqs. */
export class ProbeCopies {
  #current = new Map<number, number>();
  #previous = new Map<number, number>();
  readonly #size: number;

  constructor(size = 4096) {
    this.#size = size;
  }

  /** Which copy of `seq` this is (0 for the first), counting it. */
  take(seq: number): number {
    const seen = this.#current.get(seq) ?? this.#previous.get(seq) ?? 0;
    if (this.#current.size >= this.#size && !this.#current.has(seq)) {
      this.#previous = this.#current;
      this.#current = new Map();
    }
    this.#current.set(seq, seen + 1);
    return seen;
  }
}
