// Measurement messages: `<seq>:` followed by lowercase filler, exactly `size` bytes. The echo of
// a message is its uppercase, so the digits and the colon survive and say which message a reply
// answers; anything else in a reply is checked byte for byte.
import { SocklabError } from '../common/errors.ts';

const FILLER = 'abcdefghijklmnopqrstuvwxyz';

export function minimumSize(count: number, framed: boolean): number {
  return String(Math.max(0, count - 1)).length + 1 + (framed ? 1 : 0);
}

export function checkSize(size: number, count: number, framed: boolean): void {
  const min = minimumSize(count, framed);
  if (size < min) {
    throw new SocklabError(
      'usage.invalid',
      `--size must be at least ${min} bytes to carry sequence numbers up to ${count - 1}${framed ? ' and the newline' : ''}, got ${size}; e.g. --size 64`,
    );
  }
}

/** Message `seq` of exactly `size` bytes; when `framed`, the last byte is the newline. */
export function buildMessage(seq: number, size: number, framed: boolean): Buffer {
  const head = `${seq}:`;
  const buf = Buffer.allocUnsafe(size);
  buf.write(head, 0, 'latin1');
  const bodyEnd = framed ? size - 1 : size;
  // The filler starts at a different letter for each message so that a reply carrying another
  // message's bytes does not compare equal.
  for (let i = head.length, k = seq % FILLER.length; i < bodyEnd; i++, k = (k + 1) % FILLER.length) {
    buf[i] = FILLER.charCodeAt(k);
  }
  if (framed) buf[size - 1] = 0x0a;
  return buf;
}

/** What the echo of message `seq` must be. */
export function expectedReply(seq: number, size: number, framed: boolean): Buffer {
  const msg = buildMessage(seq, size, framed);
  for (let i = 0; i < msg.length; i++) {
    const b = msg[i]!;
    if (b >= 0x61 && b <= 0x7a) msg[i] = b - 0x20;
  }
  return msg;
}

/** The sequence number a reply claims, or -1 when it carries none. */
export function replySeq(reply: Uint8Array): number {
  let seq = 0;
  let i = 0;
  for (; i < reply.length && i < 16; i++) {
    const b = reply[i]!;
    if (b === 0x3a) break;
    if (b < 0x30 || b > 0x39) return -1;
    seq = seq * 10 + (b - 0x30);
  }
  return i > 0 && i < reply.length && reply[i] === 0x3a ? seq : -1;
}
