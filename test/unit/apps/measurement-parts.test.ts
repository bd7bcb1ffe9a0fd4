import { describe, expect, it } from 'vitest';
import {
  buildMessage,
  checkSize,
  expectedReply,
  minimumSize,
  replySeq,
} from '../../../src/apps/probe-message.ts';
import { percentile, summarizeRtt } from '../../../src/apps/rtt-stats.ts';
import { uppercaseBytes } from '../../../src/apps/uppercase.ts';
import { LineFramer } from '../../../src/common/line-framer.ts';

describe('probe messages', () => {
  it('are exactly the requested size, carry their sequence number, and echo to their uppercase', () => {
    for (const [seq, size, framed] of [
      [0, 2, false],
      [42, 64, false],
      [7, 64, true],
      [123456, 1400, true],
    ] as const) {
      const m = buildMessage(seq, size, framed);
      expect(m.length).toBe(size);
      expect(replySeq(expectedReply(seq, size, framed))).toBe(seq);
      expect(uppercaseBytes(m)).toEqual(expectedReply(seq, size, framed));
      expect(m.indexOf(0x0a)).toBe(framed ? size - 1 : -1);
    }
  });

  it('differ between sequence numbers beyond the number itself', () => {
    expect(buildMessage(1, 40, false).subarray(2)).not.toEqual(buildMessage(2, 40, false).subarray(2));
  });

  it('reject a size too small for the sequence numbers, naming the minimum', () => {
    expect(minimumSize(1000, false)).toBe(4);
    expect(minimumSize(1000, true)).toBe(5);
    expect(() => checkSize(3, 1000, false)).toThrow(/--size must be at least 4 bytes.*got 3/);
    expect(() => checkSize(4, 1000, false)).not.toThrow();
  });

  it('reply sequence numbers: -1 for anything that carries none', () => {
    expect(replySeq(Buffer.from('17:ABC'))).toBe(17);
    expect(replySeq(Buffer.from('ABC'))).toBe(-1);
    expect(replySeq(Buffer.from(':ABC'))).toBe(-1);
    expect(replySeq(Buffer.from('17'))).toBe(-1);
    expect(replySeq(Buffer.alloc(0))).toBe(-1);
  });
});

describe('RTT summary', () => {
  it('computes nearest-rank percentiles and ping-style mdev', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    const s = summarizeRtt([1, 2, 3, 4])!;
    expect(s).toMatchObject({ min: 1, max: 4, avg: 2.5, p50: 2 });
    expect(s.mdev).toBeCloseTo(Math.sqrt(1.25), 3);
    expect(summarizeRtt([])).toBeNull();
  });
});

describe('LineFramer', () => {
  it('finds lines across chunks, several per chunk, and keeps the rest', () => {
    const f = new LineFramer();
    expect(f.push(Buffer.from('ab'))).toEqual([]);
    expect(f.push(Buffer.from('c\nde\nf')).map(String)).toEqual(['abc\n', 'de\n']);
    expect(f.pendingBytes).toBe(1);
    expect(f.push(Buffer.from('g\n')).map(String)).toEqual(['fg\n']);
    expect(f.rest().length).toBe(0);
  });
});
