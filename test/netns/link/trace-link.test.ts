// A delivery trace on a real lab of network namespaces: 500 datagrams of one opportunity each,
// sent back to back from the client's kernel, leave at 12 Mbit/s within 5% (by linkd's real
// departures), and all arrive: the queue holds them rather than the trace losing any.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROGRAM as UDP_ECHO_CLIENT } from '../../../src/apps/udp-echo-client.ts';
import { fidelity } from '../../../src/experiments/fidelity.ts';
import { netnsUnavailable } from '../../../src/lab/netns/netns-lab.ts';
import { runProgram } from '../../../src/lab/run-program.ts';
import { type StartedLab, startLab } from '../../../src/lab/start-lab.ts';

const unavailable = await netnsUnavailable();

describe.skipIf(unavailable !== null)(
  `a delivery trace, netns backend${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let lab: StartedLab;
    beforeAll(async () => {
      lab = await startLab({ backend: 'netns', up: 'trace steady-12mbit limit 3000', seed: 2 });
    });
    afterAll(async () => {
      await lab?.down();
    });

    it('steady-12mbit: 12 Mbit/s within 5%, nothing lost', async () => {
      await lab.resetLink();
      const udp = await runProgram(lab.client, UDP_ECHO_CLIENT, {
        host: 'server',
        count: 500,
        interval: 0,
        size: 1472,
        timeout: 10_000,
      });
      expect(udp).toMatchObject({ sent: 500, received: 500 });
      const metric = fidelity(lab.model, await lab.linkRecord()).up.metrics.find(
        (m) => m.name === 'trace rate',
      )!;
      console.log(`trace rate realized ${metric.realized} bit/s, configured ${metric.configured}`);
      expect(metric).toMatchObject({ configured: 12_000_000, status: 'ok' });
      expect(formatOf(await lab.show())).toContain('trace steady-12mbit');
    });
  },
);

const formatOf = (shown: { model: { up: { trace?: { name: string } } } }): string =>
  shown.model.up.trace ? `trace ${shown.model.up.trace.name}` : '';
