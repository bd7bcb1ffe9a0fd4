import { describe, expect, it } from 'vitest';
import { expectedLoss } from '../../../src/link/model/impairment-model.ts';
import {
  buildLinkModel,
  formatDirection,
  parseDirection,
  validateDirection,
} from '../../../src/link/model/impairment-text.ts';
import { IMPAIRMENTS, KEYWORDS } from '../../../src/link/model/impairments/registry.ts';
import { formatRate, formatTime, parseRate, parseTime } from '../../../src/link/model/units.ts';

const problems = (text: string): string[] => {
  try {
    parseDirection(text);
    return [];
  } catch (err) {
    return (err as { problems: string[] }).problems;
  }
};

describe('impairment text, in netem’s words', () => {
  it('parses the full example of the design', () => {
    expect(
      parseDirection(
        'delay 40ms 10ms distribution normal loss 10% duplicate 1% reorder 25% corrupt 0.1% rate 1mbit limit 1000',
      ),
    ).toEqual({
      delay: { ms: 40, jitterMs: 10, correlation: 0, distribution: 'normal' },
      loss: { model: 'random', percent: 10, correlation: 0 },
      duplicate: { percent: 1, correlation: 0 },
      reorder: { percent: 25, correlation: 0, gap: 1 },
      corrupt: { percent: 0.1, correlation: 0 },
      rate: { bps: 1e6 },
      limit: 1000,
    });
  });

  it('reads correlations, gemodel defaults, units and the random keyword', () => {
    expect(parseDirection('delay 100ms 20ms 25% distribution pareto')).toMatchObject({
      delay: { ms: 100, jitterMs: 20, correlation: 25, distribution: 'pareto' },
    });
    expect(parseDirection('loss random 5% 50%').loss).toEqual({
      model: 'random',
      percent: 5,
      correlation: 50,
    });
    expect(parseDirection('loss gemodel 1%').loss).toEqual({
      model: 'gemodel',
      p: 1,
      r: 99,
      oneMinusH: 100,
      oneMinusK: 0,
    });
    expect(parseDirection('loss gemodel 1% 30% 70% 0.1%').loss).toEqual({
      model: 'gemodel',
      p: 1,
      r: 30,
      oneMinusH: 70,
      oneMinusK: 0.1,
    });
    expect(parseDirection('delay 1.5s').delay?.ms).toBe(1500);
    expect(parseDirection('delay 250us').delay?.ms).toBe(0.25);
    expect(parseDirection('rate 100kbps').rate?.bps).toBe(800_000);
    expect(parseDirection('delay 10ms reorder 5% gap 3').reorder).toEqual({
      percent: 5,
      correlation: 0,
      gap: 3,
    });
  });

  it('formats back to text that parses to the same model', () => {
    for (const text of [
      'limit 50 delay 40ms 10ms distribution normal loss 10% duplicate 1% reorder 25% corrupt 0.1% rate 1mbit',
      'delay 5ms 1ms 25% loss gemodel 1% 30% 100% 0%',
      'delay 10ms reorder 5% 10% gap 3',
    ]) {
      const m = parseDirection(text);
      expect(parseDirection(formatDirection(m))).toEqual(m);
    }
    expect(formatDirection({})).toBe('none');
  });

  it('says what is wrong in one line per problem: the value, the rule and an example', () => {
    expect(problems('loss 140%')).toEqual(['loss must be 0–100%, got 140%; e.g. loss 10%']);
    expect(problems('delay 40')[0]).toMatch(/'40' needs a unit .* write 40ms/);
    expect(problems('lose 10%')[0]).toMatch(
      /^unknown impairment 'lose': the impairments are limit, delay, loss/,
    );
    expect(problems('reorder 25%')[0]).toMatch(/^reorder needs a delay/);
    expect(problems('delay 1ms delay 2ms')[0]).toMatch(/delay is given twice/);
    expect(problems('rate fast')[0]).toMatch(/^rate needs a rate, 'fast' is not a rate; e.g. rate 1mbit/);
    expect(problems('delay 10ms 2ms distribution gaussian')[0]).toMatch(
      /distribution must be one of uniform, normal, pareto, paretonormal, got 'gaussian'/,
    );
    expect(problems('duplicate 150% corrupt 101%')).toEqual([
      'duplicate must be 0–100%, got 150%; e.g. duplicate 1%',
      'corrupt must be 0–100%, got 101%; e.g. corrupt 0.1%',
    ]);
    expect(problems('limit 0')[0]).toMatch(/limit must be 1–10000000 packets, got 0/);
  });

  it('validates the object form for code with the same rules', () => {
    expect(validateDirection({ loss: { model: 'random', percent: -1, correlation: 0 } })).toEqual([
      'loss must be 0–100%, got -1%; e.g. loss 10%',
    ]);
    expect(
      validateDirection({
        delay: { ms: 10, jitterMs: 0, correlation: 0, distribution: 'uniform' },
        reorder: { percent: 10, correlation: 0, gap: 1 },
      }),
    ).toEqual([]);
    expect(() => buildLinkModel({ up: { rate: { bps: 0 } } })).toThrow(
      /up: rate must be 8bit–100gbit per second, got 0 bit\/s/,
    );
  });

  it('builds a link model: --impair for both directions, --up and --down replace its fields', () => {
    const m = buildLinkModel({ impair: 'delay 20ms loss 5%', up: 'loss 10%', seed: 42 });
    expect(m.up).toMatchObject({ delay: { ms: 20 }, loss: { percent: 10 } });
    expect(m.down).toMatchObject({ delay: { ms: 20 }, loss: { percent: 5 } });
    expect(m.seed).toBe(42);
    expect(buildLinkModel({ impair: 'none' }).up).toEqual({});
    expect(() => buildLinkModel({ up: 'loss 140%', down: 'delay x', seed: -1 })).toThrow(
      /up: loss must be 0–100%, got 140%.*\ndown: delay needs a time.*\nseed must be a whole number/s,
    );
  });

  it('knows the stationary loss of Gilbert–Elliott', () => {
    expect(expectedLoss(parseDirection('loss 10%'))).toBeCloseTo(0.1);
    expect(expectedLoss(parseDirection('loss gemodel 2% 20% 100% 0%'))).toBeCloseTo(0.02 / 0.22);
  });

  it('has one registered impairment per netem keyword, each with an example that parses', () => {
    expect(KEYWORDS).toEqual([
      'limit',
      'delay',
      'loss',
      'duplicate',
      'reorder',
      'corrupt',
      'rate',
      'trace',
      'outage',
    ]);
    for (const imp of IMPAIRMENTS) expect(() => parseDirection(imp.example)).not.toThrow();
  });
});

describe('units', () => {
  it('reads and writes times and rates', () => {
    expect(parseTime('40ms')).toEqual({ ms: 40 });
    expect(parseTime('2s')).toEqual({ ms: 2000 });
    expect(parseTime('40')).toHaveProperty('error');
    expect(parseTime('4 0ms')).toHaveProperty('error');
    expect(parseRate('1mbit')).toEqual({ bps: 1e6 });
    expect(parseRate('1mbps')).toEqual({ bps: 8e6 });
    expect(parseRate('1mbitz')).toHaveProperty('error');
    expect(formatTime(0.25)).toBe('250us');
    expect(formatTime(2000)).toBe('2s');
    expect(formatRate(1.5e6)).toBe('1500kbit');
    expect(formatRate(1e9)).toBe('1gbit');
  });
});
