// Verdicts from results and the model: statistical where randomness is involved.
import { describe, expect, it } from 'vitest';
import { evidenceDelta } from '../../../src/experiments/kernel-evidence.ts';
import {
  corruptionVerdict,
  retransmitVerdict,
  rttVerdict,
  udpDeliveryVerdict,
} from '../../../src/experiments/link-verdicts.ts';
import { allPassed } from '../../../src/experiments/verdict.ts';
import { emptyDirectionStats, type RelayStats } from '../../../src/link/control/relay-stats.ts';
import { buildLinkModel } from '../../../src/link/model/impairment-text.ts';

const model = (impair: string) => buildLinkModel({ impair });

describe('UDP delivery', () => {
  it('compounds loss over both directions', () => {
    const m = model('loss 20%');
    // 0.8 × 0.8 = 64% expected: 128 of 200 is right at the mean; 160 (80%, one direction only) is not.
    expect(udpDeliveryVerdict(m, { sent: 200, received: 128 }).status).toBe('pass');
    const oneWay = udpDeliveryVerdict(m, { sent: 200, received: 160 });
    expect(oneWay.status).toBe('fail');
    expect(oneWay.reason).toMatch(
      /160 of 200 came back \(80\.0%\).* 64\.0% are expected: 99\.9% interval \d+–\d+/,
    );
  });

  it('counts corruption as loss (the checksum drops it) and widens for bursts', () => {
    expect(udpDeliveryVerdict(model('corrupt 50%'), { sent: 400, received: 100 }).status).toBe('pass');
    const bursty = model('loss gemodel 5% 30% 80% 0%');
    expect(udpDeliveryVerdict(bursty, { sent: 200, received: 200 * 0.886 * 0.886 }).reason).toMatch(
      /widened for bursty loss/,
    );
  });

  it('does not judge a rate-limited link by the binomial model', () => {
    expect(udpDeliveryVerdict(model('rate 1mbit'), { sent: 10, received: 1 }).status).toBe('skip');
  });
});

describe('RTT', () => {
  it('needs the minimum at or above the two delays, the mean with jitter', () => {
    expect(rttVerdict(model('delay 50ms'), { min: 100.3, avg: 101 }, 20).status).toBe('pass');
    expect(rttVerdict(model('delay 50ms'), { min: 60, avg: 101 }, 20).status).toBe('fail');
    expect(
      rttVerdict(buildLinkModel({ up: 'delay 30ms', down: 'delay 10ms' }), { min: 39, avg: 41 }, 20).status,
    ).toBe('fail');
    expect(rttVerdict(model('delay 50ms 10ms'), { min: 80, avg: 99 }, 100).status).toBe('pass');
    expect(rttVerdict(model('delay 50ms 10ms'), { min: 80, avg: 90 }, 100).status).toBe('fail');
    expect(rttVerdict(model('loss 5%'), null, 0).status).toBe('skip');
    expect(rttVerdict(model('delay 50ms reorder 25%'), { min: 1, avg: 80 }, 20).status).toBe('skip');
  });
});

describe('retransmissions', () => {
  const counters = (retrans: number) => evidenceDelta({}, { 'Tcp.RetransSegs': retrans });
  it('are required when loss makes them all but certain, and not otherwise', () => {
    expect(retransmitVerdict(model('loss 10%'), 200, counters(30), counters(20)).status).toBe('pass');
    expect(retransmitVerdict(model('loss 10%'), 200, counters(0), counters(0)).status).toBe('fail');
    expect(retransmitVerdict(model('delay 5ms'), 200, counters(0), counters(0)).status).toBe('skip');
    // 0.1% of 20 messages each way: no loss is the likely outcome.
    expect(retransmitVerdict(model('loss 0.1%'), 20, counters(0), counters(0)).status).toBe('skip');
  });
});

describe('corruption', () => {
  const stats = (up: number, down: number): RelayStats => {
    const s = { up: emptyDirectionStats(), down: emptyDirectionStats() } as RelayStats;
    s.up.total.corrupted = up;
    s.down.total.corrupted = down;
    return s;
  };
  it('passes when each receiver dropped exactly what the link corrupted toward it', () => {
    const m = model('corrupt 2%');
    const server = evidenceDelta(
      {},
      { 'Udp.InErrors': 3, 'Udp.InCsumErrors': 3, 'Ip.InHdrErrors': 1, 'Tcp.InErrs': 3 },
    );
    const client = evidenceDelta({}, { 'Udp.InErrors': 2, 'Tcp.InErrs': 9 });
    expect(corruptionVerdict(m, stats(7, 11), client, server, { corrupted: 0 }).status).toBe('pass');
    expect(corruptionVerdict(m, stats(8, 11), client, server, { corrupted: 0 }).status).toBe('fail');
    expect(corruptionVerdict(m, stats(7, 11), client, server, { corrupted: 1 }).status).toBe('fail');
    expect(corruptionVerdict(model('loss 1%'), stats(0, 0), client, server, { corrupted: 0 }).status).toBe(
      'skip',
    );
  });
});

describe('allPassed', () => {
  it('lets skips through and stops at a failure', () => {
    expect(
      allPassed([
        { name: 'a', status: 'pass', reason: '' },
        { name: 'b', status: 'skip', reason: '' },
      ]),
    ).toBe(true);
    expect(allPassed([{ name: 'a', status: 'fail', reason: '' }])).toBe(false);
  });
});
