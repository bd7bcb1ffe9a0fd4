// Measurement mode of the TCP echo client. TCP hides loss behind retransmission: every byte comes
// back in order, or the connection fails; the cost shows as time.
import type { Socket } from 'node:net';
import { SocklabError } from '../common/errors.ts';
import { buildMessage, expectedReply } from './probe-message.ts';
import { type RttSummary, summarizeRtt } from './rtt-stats.ts';
import { type LineResult, SocketLines } from './socket-lines.ts';
import { connectTcp } from './tcp-connect.ts';

export interface TcpMeasureOptions {
  address: string;
  port: number;
  count: number;
  size: number;
  intervalMs: number;
  timeoutMs: number;
  oneshot: boolean;
}

export interface TcpResult {
  protocol: 'tcp';
  mode: 'persistent' | 'oneshot';
  sent: number;
  received: number;
  lost: number;
  lostSeqs: number[];
  duplicated: number;
  reordered: number;
  corrupted: number;
  rttMs: RttSummary | null;
  /** Every message came back, uppercased, byte for byte, in order. */
  intact: boolean;
  /** Bytes that came back. */
  bytes: number;
  /** Mean time to connect, over every connection made. */
  connectMs: number | null;
  totalMs: number;
  /** Why the run stopped early, if it did. */
  error?: string;
}

export type TcpEvent = { kind: 'reply'; seq: number; bytes: number; rttMs: number; intact: boolean };

const ms = (x: number): number => Math.round(x * 1000) / 1000;
const sleep = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));

function describe(r: LineResult, timeoutMs: number): string {
  if (r.kind === 'timeout') return `no reply within ${timeoutMs} ms`;
  if (r.kind === 'error') return `connection failed: ${r.code}`;
  return 'the server closed the connection';
}

export async function measureTcp(
  opts: TcpMeasureOptions,
  onEvent: (e: TcpEvent) => void = () => {},
): Promise<TcpResult> {
  const { count, size, timeoutMs } = opts;
  const start = performance.now();
  const rtts: number[] = [];
  const lostSeqs: number[] = [];
  const connects: number[] = [];
  let corrupted = 0;
  let received = 0;
  let sent = 0;
  let bytes = 0;
  let error: string | undefined;

  const open = async (): Promise<Socket> => {
    const t = performance.now();
    const socket = await connectTcp(opts.address, opts.port, timeoutMs);
    connects.push(performance.now() - t);
    return socket;
  };
  const check = (seq: number, reply: Buffer, rtt: number): void => {
    const ok = reply.equals(expectedReply(seq, size, true));
    if (ok) received++;
    else corrupted++;
    rtts.push(rtt);
    onEvent({ kind: 'reply', seq, bytes: reply.length, rttMs: rtt, intact: ok });
  };

  let persistent: { socket: Socket; lines: SocketLines } | null = null;
  try {
    for (let seq = 0; seq < count; seq++) {
      if (seq > 0 && opts.intervalMs > 0) await sleep(opts.intervalMs);
      let conn: { socket: Socket; lines: SocketLines } | null = persistent;
      if (!conn) {
        const socket = await open();
        conn = { socket, lines: new SocketLines(socket) };
        if (!opts.oneshot) persistent = conn;
      }
      const t = performance.now();
      conn.socket.write(buildMessage(seq, size, true));
      sent++;
      const r = await conn.lines.next(timeoutMs);
      const rtt = performance.now() - t;
      if (opts.oneshot) {
        bytes += conn.lines.bytes;
        conn.socket.end();
        conn.socket.destroySoon();
      }
      // A textbook server answers and closes without a newline: the rest is its reply.
      const reply =
        r.kind === 'line' ? r.data : r.kind === 'end' && opts.oneshot && r.rest.length > 0 ? r.rest : null;
      if (reply) check(seq, reply, rtt);
      else {
        error = `seq ${seq}: ${describe(r, timeoutMs)}`;
        for (let s = seq; s < count; s++) lostSeqs.push(s);
        break;
      }
    }
  } catch (err) {
    if (!(err instanceof SocklabError)) throw err;
    error = err.message;
    for (let s = sent; s < count; s++) lostSeqs.push(s);
  } finally {
    if (persistent) {
      bytes += persistent.lines.bytes;
      persistent.socket.end();
      persistent.socket.destroySoon();
    }
  }
  const result: TcpResult = {
    protocol: 'tcp',
    mode: opts.oneshot ? 'oneshot' : 'persistent',
    sent,
    received,
    lost: count - received - corrupted,
    lostSeqs,
    duplicated: 0,
    reordered: 0,
    corrupted,
    rttMs: summarizeRtt(rtts),
    intact: received === count,
    bytes,
    connectMs: connects.length > 0 ? ms(connects.reduce((a, b) => a + b, 0) / connects.length) : null,
    totalMs: ms(performance.now() - start),
  };
  if (error) result.error = error;
  return result;
}
