// One timer queue for every delayed packet, on the monotonic clock (performance.now(), in ms).
// A setTimeout per packet would cost a timer each and fire up to a millisecond late (libuv counts
// whole milliseconds). Without an alarm (Node's plane), one timer sleeps until just before the
// earliest deadline and the last stretch is polled through setImmediate, which keeps serving I/O
// while it waits, so packets leave within tens of µs of their time, at the price of a thread that
// spins whenever a packet is that close to its time (under a bulk transfer through a delay,
// always: a core per direction).
//
// With an alarm (the native plane's timerfd, native/alarm.c) the thread can sleep to the deadline
// itself. But a thread woken from sleep runs 0.1-0.2 ms after its time here, over a millisecond
// now and then (a virtual CPU that idled must be scheduled again), so the queue still polls the
// last stretch, only while polling has taken under POLL_BUDGET of the thread's recent time: a
// ping through the link polls a little per frame and leaves on time; a bulk transfer spends the
// budget at once and then sleeps on the alarm to each deadline.

/** How long before a deadline to stop sleeping and start polling. */
const SPIN_MS = 1.5;
/** The share of its recent time (about POLL_WINDOW_MS) a thread with an alarm may spend polling. */
const POLL_BUDGET = 0.1;
const POLL_WINDOW_MS = 100;

/** A one-shot alarm on this thread's loop: `arm` (re)sets it, `fire` runs when it goes off. */
export interface Alarm {
  arm(delayMs: number): void;
  stop(): void;
  close(): void;
}
export type AlarmFactory = (fire: () => void) => Alarm;

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
  readonly #alarm: Alarm | null;
  /** The time the alarm is set for (NaN: not set), so an unchanged head costs no system call. */
  #alarmAt = Number.NaN;
  /** Polling time spent lately (ms, decaying over POLL_WINDOW_MS), as of #spentAt. */
  #spent = 0;
  #spentAt = 0;
  /** When the current stretch of polling began its turn. */
  #pollFrom = 0;

  constructor(fire: (item: T, at: number) => void, alarm?: AlarmFactory) {
    this.#fire = fire;
    this.#alarm = alarm
      ? alarm(() => {
          this.#alarmAt = Number.NaN;
          // Whatever else was waiting (a poll begun since) is replaced: one waiter at a time.
          this.#stopPolling();
          this.#run();
        })
      : null;
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
    this.#alarm?.close();
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
    if (this.#alarm && !Number.isNaN(this.#alarmAt)) this.#alarm.stop();
    this.#alarmAt = Number.NaN;
    this.#stopPolling();
  }

  #stopPolling(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
  }

  #poll(now: number): void {
    this.#pollFrom = now;
    this.#immediate = setImmediate(() => {
      this.#immediate = null;
      const t = performance.now();
      this.#mayPoll(t);
      this.#spent += t - this.#pollFrom;
      this.#run();
    });
  }

  /** Whether polling is within its budget (and the decay of what it spent, up to `now`). */
  #mayPoll(now: number): boolean {
    this.#spent *= Math.exp(-(now - this.#spentAt) / POLL_WINDOW_MS);
    this.#spentAt = now;
    return this.#spent < POLL_BUDGET * POLL_WINDOW_MS;
  }

  #arm(): void {
    this.#stopPolling();
    if (this.#closed || this.#heap.length === 0) return;
    const at = this.#heap[0]!.at;
    const now = performance.now();
    const wait = at - now;
    if (!this.#alarm) {
      if (wait > SPIN_MS)
        this.#timer = setTimeout(
          () => {
            this.#timer = null;
            this.#run();
          },
          Math.floor(wait - SPIN_MS),
        );
      else this.#poll(now);
      return;
    }
    const mayPoll = this.#mayPoll(now);
    if (mayPoll && wait <= SPIN_MS) {
      this.#poll(now);
      return;
    }
    // Woken early enough to poll the rest, or at the deadline itself once the budget is spent.
    const target = mayPoll ? at - SPIN_MS : at;
    if (target !== this.#alarmAt) {
      this.#alarmAt = target;
      this.#alarm.arm(target - now);
    }
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

  /** A waiter's turn (the timer, a poll, the alarm), each having cleared its own handle. */
  #run(): void {
    this.runDue(performance.now());
    // Nothing was due (a timer that fired early): wait again.
    if (!this.#timer && !this.#immediate) this.#arm();
  }
}
