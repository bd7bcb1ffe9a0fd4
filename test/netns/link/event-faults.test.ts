// Faults aimed at protocol events, on a real lab of network namespaces: the client's own kernel is
// what answers them. One lost SYN-ACK is one retransmitted SYN, counted by the client's kernel, and
// the connection then carries everything; one duplicated UDP reply is one duplicate the client sees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROGRAM as TCP_ECHO_CLIENT } from '../../../src/apps/tcp-echo-client.ts';
import { PROGRAM as UDP_ECHO_CLIENT } from '../../../src/apps/udp-echo-client.ts';
import { netnsUnavailable } from '../../../src/lab/netns/netns-lab.ts';
import { runProgram } from '../../../src/lab/run-program.ts';
import { type StartedLab, startLab } from '../../../src/lab/start-lab.ts';

const unavailable = await netnsUnavailable();

describe.skipIf(unavailable !== null)(
  `faults aimed at events, netns backend${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let lab: StartedLab;
    beforeAll(async () => {
      // 20 ms each way: the client's SYN timer (started at its SYN) fires 40 ms before the server's
      // SYN-ACK timer would, so it is the client that resends, once.
      lab = await startLab({
        backend: 'netns',
        impair: 'delay 20ms',
        down: 'delay 20ms drop tcp syn-ack #1 duplicate udp reply #3',
        seed: 3,
      });
    });
    afterAll(async () => {
      await lab?.down();
    });

    it('drop tcp syn-ack #1: exactly one SYN-ACK disappears, the client retransmits its SYN once, and TCP delivers all', async () => {
      await lab.resetLink();
      const before = await lab.counters('client');
      const tcp = await runProgram(lab.client, TCP_ECHO_CLIENT, {
        host: 'server',
        count: 20,
        interval: 0,
        timeout: 30_000,
      });
      const after = await lab.counters('client');
      expect(tcp).toMatchObject({ intact: true, received: 20 });
      expect(after['TcpExt.TCPSynRetrans']! - before['TcpExt.TCPSynRetrans']!).toBe(1);
      const synAcks = (await lab.linkRecord()).filter((r) => r.proto === 'tcp' && r.flags === 18);
      // The first is the rule's; the server's kernel may also resend its own SYN-ACK when its
      // timer fires, and that one, like the answer to the resent SYN, crosses.
      const fates = synAcks.map((r) => `${r.fate}${r.rule ? ` (${r.rule})` : ''}`);
      expect(fates[0]).toBe('lost (drop tcp syn-ack #1)');
      expect(fates.slice(1).length).toBeGreaterThanOrEqual(1);
      expect(new Set(fates.slice(1))).toEqual(new Set(['forwarded']));
    });

    it('duplicate udp reply #3: the client sees exactly one duplicate, of its third datagram', async () => {
      await lab.resetLink();
      const udp = await runProgram(lab.client, UDP_ECHO_CLIENT, {
        host: 'server',
        count: 10,
        interval: 20,
        timeout: 2000,
        'per-seq': true,
      });
      expect(udp).toMatchObject({ sent: 10, received: 10, duplicated: 1, lost: 0 });
      const ruled = (await lab.linkRecord()).filter((r) => r.rule !== undefined);
      expect(ruled.map((r) => `${r.dir} ${r.seq} ${r.rule}`)).toEqual(['down 2 duplicate udp datagram #3']);
    });
  },
);
