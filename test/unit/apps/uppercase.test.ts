import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { StreamUppercaser, uppercaseBytes, utf8SequenceLength } from '../../../src/apps/uppercase.ts';
import { prng } from '../../support/sockets.ts';

const up = (s: string | Buffer): string => uppercaseBytes(Buffer.from(s)).toString('utf8');

describe('uppercaseBytes', () => {
  it('uppercases ASCII and leaves everything else', () => {
    expect(up('hello, world 123!')).toBe('HELLO, WORLD 123!');
    expect(up('')).toBe('');
  });

  it("follows Python's str.upper() full case mapping", () => {
    expect(up('straße')).toBe('STRASSE');
    expect(up('ﬁx ǆ ŉ')).toBe('FIX Ǆ ʼN');
    expect(up('привет όλα')).toBe('ПРИВЕТ ΌΛΑ');
    expect(up('emoji 😀 stays')).toBe('EMOJI 😀 STAYS');
  });

  it('returns bytes that are not valid UTF-8 unchanged, and uppercases around them', () => {
    const input = Buffer.from([0x61, 0xff, 0x62, 0xc3, 0x28, 0xe2, 0x82, 0x63, 0xed, 0xa0, 0x80, 0xf0, 0x90]);
    const expected = Buffer.from([
      0x41, 0xff, 0x42, 0xc3, 0x28, 0xe2, 0x82, 0x43, 0xed, 0xa0, 0x80, 0xf0, 0x90,
    ]);
    expect(uppercaseBytes(input)).toEqual(expected);
  });

  it('classifies overlong, surrogate and out-of-range sequences as invalid', () => {
    expect(utf8SequenceLength(Buffer.from([0xc0, 0x80]), 0, 2)).toBe(0);
    expect(utf8SequenceLength(Buffer.from([0xe0, 0x80, 0x80]), 0, 3)).toBe(0);
    expect(utf8SequenceLength(Buffer.from([0xed, 0xa0, 0x80]), 0, 3)).toBe(0);
    expect(utf8SequenceLength(Buffer.from([0xf4, 0x90, 0x80, 0x80]), 0, 4)).toBe(0);
    expect(utf8SequenceLength(Buffer.from([0xf0, 0x9f, 0x98]), 0, 3)).toBe(-1);
    expect(utf8SequenceLength(Buffer.from('😀'), 0, 4)).toBe(4);
  });

  it('agrees with python3 (surrogateescape) on seeded mixtures of text and invalid bytes', () => {
    const pieces = ['a', 'z', 'Q', ' ', '\n', 'ß', 'é', 'ﬁ', 'ς', 'я', '😀', '中', '\u00ff', '\xb5'].map(
      (s) => Buffer.from(s),
    );
    const invalid = [[0xff], [0x80], [0xc0], [0xe2, 0x82], [0xf0, 0x9f], [0xed, 0xa0, 0x80]].map((b) =>
      Buffer.from(b),
    );
    const rand = prng(20261121);
    const cases: Buffer[] = [];
    for (let c = 0; c < 200; c++) {
      const parts: Buffer[] = [];
      const n = 1 + Math.floor(rand() * 30);
      for (let i = 0; i < n; i++) {
        const pool = rand() < 0.2 ? invalid : pieces;
        parts.push(pool[Math.floor(rand() * pool.length)]!);
      }
      cases.push(Buffer.concat(parts));
    }
    const script =
      "import sys\nfor h in sys.stdin.read().split():\n b=bytes.fromhex(h)\n print(b.decode('utf-8','surrogateescape').upper().encode('utf-8','surrogateescape').hex())";
    const out = execFileSync('python3', ['-c', script], {
      input: cases.map((b) => b.toString('hex')).join('\n'),
    })
      .toString()
      .trim()
      .split('\n');
    expect(out).toHaveLength(cases.length);
    cases.forEach((b, i) => {
      expect(uppercaseBytes(b).toString('hex'), `case ${b.toString('hex')}`).toBe(out[i]);
    });
  });
});

describe('StreamUppercaser', () => {
  it('handles a character split at every possible point between reads', () => {
    const text = Buffer.from('aß😀中é z');
    for (let cut1 = 0; cut1 <= text.length; cut1++) {
      for (let cut2 = cut1; cut2 <= text.length; cut2++) {
        const s = new StreamUppercaser();
        const out = Buffer.concat([
          s.push(text.subarray(0, cut1)),
          s.push(text.subarray(cut1, cut2)),
          s.push(text.subarray(cut2)),
          s.end(),
        ]);
        expect(out.toString('utf8')).toBe('ASS😀中É Z');
      }
    }
  });

  it('gives back an unfinished sequence unchanged at end of stream', () => {
    const s = new StreamUppercaser();
    const out = Buffer.concat([s.push(Buffer.from([0x61, 0xe2, 0x82])), s.end()]);
    expect(out).toEqual(Buffer.from([0x41, 0xe2, 0x82]));
  });

  it('streams 1 MB of mixed text in random chunks to the same bytes as one call', () => {
    const rand = prng(7);
    const text = Buffer.from('hello straße 😀 мир '.repeat(40_000));
    const s = new StreamUppercaser();
    const parts: Buffer[] = [];
    for (let i = 0; i < text.length; ) {
      const n = 1 + Math.floor(rand() * 3000);
      parts.push(s.push(text.subarray(i, i + n)));
      i += n;
    }
    parts.push(s.end());
    expect(Buffer.concat(parts).equals(uppercaseBytes(text))).toBe(true);
  });
});
