import { describe, expect, it } from 'vitest';
import { buildLinkModel, parseDirection } from '../../../src/link/model/impairment-text.ts';
import { netemArgs, netemCommands, netemLimit } from '../../../src/link/model/netem-args.ts';

describe('netem engine: the model as tc arguments', () => {
  it('translates every impairment into netem’s own words', () => {
    const m = parseDirection(
      'delay 40ms 10ms distribution normal loss 10% duplicate 1% reorder 25% corrupt 0.1% rate 1mbit limit 1000',
    );
    expect(netemArgs(m, 'eth1')).toEqual([
      'qdisc',
      'replace',
      'dev',
      'eth1',
      'root',
      'netem',
      'limit',
      String(netemLimit(m)),
      'delay',
      '40ms',
      '10ms',
      'distribution',
      'normal',
      'loss',
      'random',
      '10%',
      // Random loss names its correlation, 0% when none: tc then resets all three (see below).
      '0%',
      'duplicate',
      '1%',
      'reorder',
      '25%',
      'corrupt',
      '0.1%',
      'rate',
      '1mbit',
    ]);
    expect(netemArgs(parseDirection('loss gemodel 1% 30%'), 'eth0').slice(8)).toEqual([
      'loss',
      'gemodel',
      '1%',
      '30%',
      '100%',
      '0%',
      ...['reorder', '0%', 'corrupt', '0%', 'rate', '0bit'],
    ]);
    expect(netemArgs(parseDirection('delay 10ms 2ms 25%'), 'eth0').slice(8)).toEqual([
      'delay',
      '10ms',
      '2ms',
      '25%',
      ...['loss', 'random', '0%', '0%', 'reorder', '0%', 'corrupt', '0%', 'rate', '0bit'],
    ]);
  });

  it('names at zero what netem would keep from the model before (a change keeps what it does not name)', () => {
    // Measured on a real sch_netem: `replace` after `corrupt 1% reorder 10% rate 2mbit loss 5% 25%`
    // with only `delay 10ms` kept all four. Named at zero, the qdisc is the new model only.
    expect(netemArgs(parseDirection('delay 10ms'), 'eth0').slice(8)).toEqual([
      ...['delay', '10ms'],
      ...['loss', 'random', '0%', '0%', 'reorder', '0%', 'corrupt', '0%', 'rate', '0bit'],
    ]);
    expect(netemArgs(parseDirection('outage'), 'eth0').slice(8)).toEqual([
      ...['loss', '100%', '0%'],
      ...['reorder', '0%', 'corrupt', '0%', 'rate', '0bit'],
    ]);
    // Gilbert–Elliott loss names no correlation; with jitter, delay's does it.
    expect(netemArgs(parseDirection('delay 10ms 2ms loss gemodel 1% 30%'), 'eth0').slice(8, 12)).toEqual([
      ...['delay', '10ms', '2ms', '0%'],
    ]);
  });

  it('makes the qdisc anew only when jitter goes back to uniform after a table (tc cannot name uniform)', () => {
    const devs = { towardServer: 'eth1', towardClient: 'eth0' };
    const before = buildLinkModel({ up: 'delay 10ms 5ms distribution normal', down: 'delay 10ms 5ms' });
    const after = buildLinkModel({ up: 'delay 10ms 5ms', down: 'delay 20ms 5ms' });
    const cmds = netemCommands(after, devs, before);
    expect(cmds.map((c) => c.slice(0, 4).join(' '))).toEqual([
      'qdisc del dev eth1',
      'qdisc replace dev eth1',
      'qdisc replace dev eth0',
    ]);
    expect(netemCommands(before, devs, before)).toHaveLength(2);
    // Correlations that Gilbert–Elliott loss without jitter cannot name at zero: anew as well.
    const correlated = buildLinkModel({ impair: 'loss 5% 25%' });
    const ge = buildLinkModel({ impair: 'loss gemodel 1% 30%' });
    expect(netemCommands(ge, devs, correlated)).toHaveLength(4);
    expect(netemCommands(correlated, devs, ge)).toHaveLength(2);
  });

  it('deletes the qdisc of a clean direction', () => {
    expect(netemArgs({}, 'eth0')).toEqual(['qdisc', 'del', 'dev', 'eth0', 'root']);
  });

  it('sizes the limit to hold what delay × rate keeps in flight, so the default does not drop', () => {
    expect(netemLimit(parseDirection('loss 1%'))).toBe(1000);
    // 100 ms at 1 Gbit/s is 12.5 MB in flight: 8334 full-size frames, on top of the queue.
    expect(netemLimit(parseDirection('delay 100ms rate 1gbit'))).toBe(1000 + 8334);
    expect(netemLimit(parseDirection('delay 100ms rate 1gbit limit 50'))).toBe(50 + 8334);
    // Without a rate, a fast line is assumed.
    expect(netemLimit(parseDirection('delay 40ms'))).toBeGreaterThan(30_000);
  });

  it('impairs up on the way to the server and down on the way to the client', () => {
    const model = buildLinkModel({ up: 'delay 5ms', down: 'loss 1%' });
    expect(netemCommands(model, { towardServer: 'eth1', towardClient: 'eth0' })).toEqual([
      [
        'qdisc',
        'replace',
        'dev',
        'eth1',
        'root',
        'netem',
        'limit',
        String(netemLimit(model.up)),
        'delay',
        '5ms',
        ...['loss', 'random', '0%', '0%', 'reorder', '0%', 'corrupt', '0%', 'rate', '0bit'],
      ],
      [
        ...[
          'qdisc',
          'replace',
          'dev',
          'eth0',
          'root',
          'netem',
          'limit',
          '1000',
          'loss',
          'random',
          '1%',
          '0%',
        ],
        ...['reorder', '0%', 'corrupt', '0%', 'rate', '0bit'],
      ],
    ]);
  });
});
