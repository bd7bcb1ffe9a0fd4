// The frames of an expose tunnel: what socklab on this machine and the relay in the client host
// (apps/expose-relay.ts) say to each other over one byte stream (a process's stdin and stdout, or
// a TCP connection straight to the host where this machine can reach it), a channel per
// connection or per UDP peer. Typed both ends; the codec is the one place that
// knows the bytes: a type (1 byte), a channel (4), a length (4), the payload.

export const FRAME = {
  /** This machine → relay: a new connection (TCP) or peer (UDP) on the channel. */
  open: 1,
  data: 2,
  /** Either way: the channel ends (TCP: no more data from this side). */
  close: 3,
  /** Relay → this machine: the channel reached the server. */
  opened: 4,
  /** Relay → this machine: it could not (refused, unreachable), the reason as text. */
  error: 5,
  /**
   * Relay → this machine, on stdout, in --listen mode: the TCP port where it waits for this
   * machine to connect (as text). Once connected, the frames go over that socket instead.
   */
  listening: 6,
} as const;
export type FrameType = (typeof FRAME)[keyof typeof FRAME];

export interface TunnelFrame {
  type: FrameType;
  chan: number;
  payload: Buffer;
}

const HEADER = 9;

export function encodeFrame(type: FrameType, chan: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.allocUnsafe(HEADER + payload.length);
  b[0] = type;
  b.writeUInt32BE(chan, 1);
  b.writeUInt32BE(payload.length, 5);
  payload.copy(b, HEADER);
  return b;
}

/**
 * The direct connection's opening (both ends send the token first): what came so far, `head`, is
 * too short to tell (null), not the token (false), or the token and the bytes after it.
 */
export function afterToken(head: Buffer, token: string): Buffer | false | null {
  if (head.length < token.length) return null;
  return head.subarray(0, token.length).toString() === token && head.subarray(token.length);
}

/** Collects bytes as they come and hands out whole frames. */
export class FrameReader {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): TunnelFrame[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    const out: TunnelFrame[] = [];
    while (this.#buf.length >= HEADER) {
      const len = this.#buf.readUInt32BE(5);
      if (this.#buf.length < HEADER + len) break;
      out.push({
        type: this.#buf[0] as FrameType,
        chan: this.#buf.readUInt32BE(1),
        payload: Buffer.from(this.#buf.subarray(HEADER, HEADER + len)),
      });
      this.#buf = this.#buf.subarray(HEADER + len);
    }
    return out;
  }
}
