// One timer queue for every delayed packet, on the monotonic clock (performance.now(), in ms).
// A setTimeout per packet would cost a timer each and fire up to a millisecond late; here one
// timer sleeps until just before the earliest deadline and the last stretch is polled through
// setImmediate, which keeps serving I/O while it waits, so packets leave within tens of µs of
// their time.

/** How long before a deadline to stop sleeping and start polling. */
const SPIN_MS = 1.5;

interface Entry<T> {
  at: number;
  order: number;
  item: T;
}

export class TimerQueue<T> {
  readonly #heap: Entry<T>[] = [];
  readonly #fire: (item: T, at: number) => void;
  #order = 0;
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #closed = false;

  constructor(fire: (item: T, at: number) => void) {
    this.#fire = fire;
  }

  get size(): number {
    return this.#heap.length;
  }

  /** Items with the same deadline leave in the order they were added. */
  add(at: number, item: T): void {
    const heap = this.#heap;
    heap.push({ at, order: this.#order++, item });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
    if (i === 0) this.#arm();
  }

  close(): void {
    this.#closed = true;
    this.#disarm();
    this.#heap.length = 0;
  }

  #less(a: Entry<T>, b: Entry<T>): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  #pop(): Entry<T> {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.#less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && this.#less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
  }

  #arm(): void {
    this.#disarm();
    if (this.#closed || this.#heap.length === 0) return;
    const wait = this.#heap[0]!.at - performance.now();
    if (wait > SPIN_MS) this.#timer = setTimeout(() => this.#run(), Math.floor(wait - SPIN_MS));
    else this.#immediate = setImmediate(() => this.#run());
  }

  /**
   * Fires what is due by `now`. Called on each arrival too: under a bulk transfer the event loop
   * can spend a while in receive callbacks before it gets to its timers, and due frames must not
   * wait for that.
   */
  runDue(now: number): void {
    if (this.#heap.length === 0 || this.#heap[0]!.at > now) return;
    while (this.#heap.length > 0 && this.#heap[0]!.at <= now) {
      const e = this.#pop();
      this.#fire(e.item, e.at);
    }
    this.#arm();
  }

  #run(): void {
    this.#timer = null;
    this.#immediate = null;
    this.runDue(performance.now());
    // Nothing was due (a timer that fired early): wait again.
    if (!this.#timer && !this.#immediate) this.#arm();
  }
}
