// Shards of a class: every submission in exactly one shard, and bad --shard values refused in one line.
import { describe, expect, it } from 'vitest';
import { SocklabError } from '../../../src/common/errors.ts';
import { inShard, parseShard } from '../../../src/grading/shard.ts';

describe('grade --shard I/N', () => {
  it('puts every submission in exactly one shard, round robin, so the shards differ by one at most', () => {
    for (const count of [1, 2, 3, 7]) {
      const sizes = Array.from({ length: count }, (_, k) =>
        Array.from({ length: 100 }, (_, i) => i).filter((i) => inShard(i, { index: k + 1, count })),
      );
      expect(sizes.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      const lengths = sizes.map((s) => s.length);
      expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThanOrEqual(1);
    }
    expect(inShard(5, undefined)).toBe(true);
  });

  it('refuses what is not I/N with 1 ≤ I ≤ N, in one line with an example', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', '3', 'a/b', '1/0', '-1/2']) {
      let err: unknown;
      try {
        parseShard(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SocklabError);
      expect((err as SocklabError).code).toBe('usage.invalid');
      expect((err as Error).message).toBe(
        `--shard must be I/N with 1 ≤ I ≤ N ≤ 1000 (this machine's part of N), got '${bad}'; e.g. --shard 2/3`,
      );
    }
  });
});
