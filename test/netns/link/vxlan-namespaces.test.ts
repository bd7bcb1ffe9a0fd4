// End to end over real kernel VXLAN: client and server in network namespaces, each with lab0,
// and linkd relaying between them from a third namespace. Real TCP, real UDP, real checksums.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binomialInterval } from '../../helpers/stats.ts';
import {
  type BareLab,
  canRunNetns,
  SERVER_LAB_IP,
  startAppIn,
  startBareLab,
} from '../../support/bare-lab.ts';
import { appPath } from '../../support/programs.ts';

const cannot = canRunNetns();

describe.skipIf(cannot !== null)(
  `kernel VXLAN through linkd, between network namespaces${cannot ? ` (skipped: ${cannot})` : ''}`,
  () => {
    let lab: BareLab;

    beforeAll(async () => {
      lab = await startBareLab({
        tag: `v${process.pid % 10000}`,
        path: 'relay',
        linkdArgs: ['--impair', 'loss 10%', '--seed', '7'],
      });
      await startAppIn(lab, lab.server, 'tcp-echo-server', ['--quiet']);
      await startAppIn(lab, lab.server, 'udp-echo-server', ['--quiet']);
    }, 60_000);

    afterAll(async () => {
      await lab?.[Symbol.asyncDispose]();
    });

    it('1 MB over TCP through 10% loss each way arrives intact, paid for in retransmissions', async () => {
      const before = await lab.counter(lab.client, 'Tcp', 'RetransSegs');
      const r = await lab.exec(lab.client, process.execPath, [
        appPath('tcp-echo-client'),
        '--host',
        SERVER_LAB_IP,
        '--count',
        '1',
        '--size',
        '1000000',
        '--timeout',
        '120000',
        '--json',
      ]);
      const result = JSON.parse(r.stdout);
      expect(result).toMatchObject({ intact: true, bytes: 1_000_000, received: 1 });
      // ~700 data segments through 10% loss: P(none lost) = 0.9^700 ≈ 1e-32, so a retransmission is certain.
      expect(await lab.counter(lab.client, 'Tcp', 'RetransSegs')).toBeGreaterThan(before);
    });

    it('UDP loses what the model says: both directions compounded, inside the 99% interval, every loss the relay’s', async () => {
      await lab.linkd!.call({ cmd: 'reset' });
      const n = 2000;
      const r = await lab.exec(lab.client, process.execPath, [
        appPath('udp-echo-client'),
        '--host',
        SERVER_LAB_IP,
        '--count',
        String(n),
        '--interval',
        '1',
        // A reply is late only on a stalled machine; long enough that late is never taken for lost.
        '--timeout',
        '5000',
        '--json',
      ]);
      const result = JSON.parse(r.stdout);
      const [lo, hi] = binomialInterval(n, 0.9 * 0.9);
      expect(result.received).toBeGreaterThanOrEqual(lo);
      expect(result.received).toBeLessThanOrEqual(hi);
      // Cross-check with the link: each datagram the client missed was dropped by the model, going
      // or coming back, and nothing else.
      const { stats } = await lab.linkd!.call({ cmd: 'stats' });
      const udpUp = stats.up.byProtocol.udp;
      const udpDown = stats.down.byProtocol.udp;
      expect(udpUp.received).toBe(n);
      expect(udpUp.droppedLoss + udpDown.droppedLoss).toBe(result.lost);
      expect(stats.unintendedDrops).toBe(0);
      const rec = await lab.linkd!.call({ cmd: 'record' });
      const droppedUp = new Set(
        rec.records
          .filter((x) => x.dir === 'up' && x.fate === 'lost' && x.proto === 'udp' && x.seq >= 0)
          .map((x) => x.seq),
      );
      const droppedDown = new Set(
        rec.records
          .filter((x) => x.dir === 'down' && x.fate === 'lost' && x.proto === 'udp' && x.seq >= 0)
          .map((x) => x.seq),
      );
      expect(new Set(result.lostSeqs)).toEqual(new Set([...droppedUp, ...droppedDown]));
    });
  },
);
