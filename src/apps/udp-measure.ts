// Measurement mode of the UDP echo client: sequence-numbered datagrams, each answered or not.
// UDP neither retransmits nor orders, so every loss, duplicate and reordering shows here.
import { createSocket } from 'node:dgram';
import { type Deadline, deadline } from '../common/deadline.ts';
import { buildMessage, expectedReply, replySeq } from './probe-message.ts';
import { type RttSummary, summarizeRtt } from './rtt-stats.ts';

export interface UdpMeasureOptions {
  address: string;
  family: 4 | 6;
  port: number;
  count: number;
  intervalMs: number;
  size: number;
  timeoutMs: number;
  /** At most this many datagrams awaiting a reply (1 = stop-and-wait); unlimited when absent. */
  window?: number;
}

export interface UdpResult {
  protocol: 'udp';
  sent: number;
  received: number;
  lost: number;
  lostSeqs: number[];
  duplicated: number;
  reordered: number;
  corrupted: number;
  /** Replies that came after their timeout: counted as lost, as ping does. */
  late: number;
  rttMs: RttSummary | null;
  /** Per sequence number: the round-trip time in ms, or null when no reply came in time. */
  rtts: (number | null)[];
  /**
   * Per sequence number: when its reply arrived, ms from the start, or null. The spacing of
   * arrivals is a bottleneck's rate whatever delay the first frames met on the way (a train's
   * dispersion); an RTT alone carries every stall at either end.
   */
  arrivedMs: (number | null)[];
  totalMs: number;
  /** From the start until the last datagram had left the socket, ms: how long sending took. */
  sendMs: number;
}

export type UdpEvent =
  | { kind: 'reply'; seq: number; bytes: number; rttMs: number; duplicate: boolean; reordered: boolean }
  | { kind: 'timeout'; seq: number }
  | { kind: 'corrupt'; bytes: number }
  | { kind: 'send-error'; seq: number; message: string };

export function measureUdp(
  opts: UdpMeasureOptions,
  onEvent: (e: UdpEvent) => void = () => {},
): Promise<UdpResult> {
  const { count, size, timeoutMs, intervalMs } = opts;
  const socket = createSocket({
    type: opts.family === 6 ? 'udp6' : 'udp4',
    recvBufferSize: 4 << 20,
    sendBufferSize: 4 << 20,
  });
  const sentAt = new Float64Array(count).fill(-1);
  const rtts: (number | null)[] = new Array(count).fill(null);
  const arrivedMs: (number | null)[] = new Array(count).fill(null);
  // Per sequence number: 0 waiting, 1 answered, 2 timed out.
  const state = new Uint8Array(count);
  const expected: Buffer[] = [];
  let duplicated = 0;
  let reordered = 0;
  let corrupted = 0;
  let late = 0;
  let highestSeen = -1;
  let resolved = 0;
  const start = performance.now();
  let lastSent = start;

  return new Promise<UdpResult>((resolve) => {
    const timers = new Set<Deadline>();
    const finishIfDone = (): void => {
      if (resolved < count) return;
      for (const t of timers) t.cancel();
      socket.close();
      const lostSeqs: number[] = [];
      const samples: number[] = [];
      rtts.forEach((r, seq) => {
        if (r === null) lostSeqs.push(seq);
        else samples.push(r);
      });
      resolve({
        protocol: 'udp',
        sent: count,
        received: samples.length,
        lost: lostSeqs.length,
        lostSeqs,
        duplicated,
        reordered,
        corrupted,
        late,
        rttMs: summarizeRtt(samples),
        rtts,
        arrivedMs,
        totalMs: Math.round((performance.now() - start) * 1000) / 1000,
        sendMs: Math.round((lastSent - start) * 1000) / 1000,
      });
    };

    socket.on('message', (msg) => {
      const now = performance.now();
      const seq = replySeq(msg);
      if (seq < 0 || seq >= count || sentAt[seq]! < 0 || !msg.equals(expected[seq]!)) {
        corrupted++;
        onEvent({ kind: 'corrupt', bytes: msg.length });
        return;
      }
      if (rtts[seq] !== null) {
        duplicated++;
        onEvent({
          kind: 'reply',
          seq,
          bytes: msg.length,
          rttMs: now - sentAt[seq]!,
          duplicate: true,
          reordered: false,
        });
        return;
      }
      const rtt = now - sentAt[seq]!;
      if (state[seq] === 2) {
        late++;
        return;
      }
      state[seq] = 1;
      const isReordered = seq < highestSeen;
      if (isReordered) reordered++;
      highestSeen = Math.max(highestSeen, seq);
      rtts[seq] = rtt;
      arrivedMs[seq] = Math.round((now - start) * 1000) / 1000;
      resolved++;
      onEvent({
        kind: 'reply',
        seq,
        bytes: msg.length,
        rttMs: rtt,
        duplicate: false,
        reordered: isReordered,
      });
      finishIfDone();
      settle();
    });
    socket.on('error', () => {
      // ICMP errors on an unconnected socket are not reported on Linux; anything else shows up
      // as lost datagrams, which is what the measurement is about.
    });

    let next = 0;
    let outstanding = 0;
    let pumpScheduled = false;
    const settle = (): void => {
      outstanding--;
      pump();
    };
    // Sends what is due, as far as the window allows. Paced from the start time, so the rate
    // does not drift with the event loop; with no interval, one datagram per turn of the loop.
    const pump = (): void => {
      if (pumpScheduled) return;
      while (next < count && (opts.window === undefined || outstanding < opts.window)) {
        const due = start + next * intervalMs - performance.now();
        if (due > 0) {
          pumpScheduled = true;
          setTimeout(() => {
            pumpScheduled = false;
            pump();
          }, due);
          return;
        }
        send(next++);
        if (intervalMs === 0 && opts.window === undefined) {
          pumpScheduled = true;
          setImmediate(() => {
            pumpScheduled = false;
            pump();
          });
          return;
        }
      }
    };
    const send = (seq: number): void => {
      outstanding++;
      const msg = buildMessage(seq, size, false);
      expected[seq] = expectedReply(seq, size, false);
      sentAt[seq] = performance.now();
      socket.send(msg, opts.port, opts.address, (err) => {
        lastSent = performance.now();
        if (err) onEvent({ kind: 'send-error', seq, message: err.message });
      });
      // Judged after the socket is read (deadline.ts): a pause of this process is not a loss.
      const t = deadline(timeoutMs, () => {
        timers.delete(t);
        if (state[seq] !== 0) return;
        state[seq] = 2;
        resolved++;
        onEvent({ kind: 'timeout', seq });
        finishIfDone();
        settle();
      });
      timers.add(t);
    };
    socket.bind(0, () => pump());
  });
}
