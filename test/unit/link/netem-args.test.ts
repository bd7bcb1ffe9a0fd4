import { describe, expect, it } from 'vitest';
import { buildLinkModel, parseDirection } from '../../../src/link/impairment-text.ts';
import { netemArgs, netemCommands, netemLimit } from '../../../src/link/netem-args.ts';

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
    ]);
    expect(netemArgs(parseDirection('delay 10ms 2ms 25%'), 'eth0').slice(8)).toEqual([
      'delay',
      '10ms',
      '2ms',
      '25%',
    ]);
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
      ],
      ['qdisc', 'replace', 'dev', 'eth0', 'root', 'netem', 'limit', '1000', 'loss', 'random', '1%'],
    ]);
  });
});
