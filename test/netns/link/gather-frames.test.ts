// The netns backend's link veths gather a flow's frames for linkd (netns-devices.ts, gatherAtLink):
// under TCP bulk on a clean link the native plane receives runs of frames as one datagram (UDP
// GRO), and still decides every frame on its own: each one the sockets received is counted by
// the engines, none lost on the way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROGRAM as TCP_ECHO_CLIENT } from '../../../src/apps/tcp-echo-client.ts';
import { netnsUnavailable } from '../../../src/lab/netns/netns-lab.ts';
import { runProgram } from '../../../src/lab/run-program.ts';
import { type StartedLab, startLab } from '../../../src/lab/start-lab.ts';

const unavailable = await netnsUnavailable();

describe.skipIf(unavailable !== null)(
  `frames gathered for linkd, netns backend${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let lab: StartedLab;
    beforeAll(async () => {
      lab = await startLab({ backend: 'netns', impair: '', seed: 1 });
    });
    afterAll(async () => {
      await lab?.down();
    });

    it('TCP bulk reaches linkd in datagrams of several frames, each frame decided on its own', async () => {
      const shown = await lab.show();
      // Gathering is the native plane's (its socket asks for UDP GRO); Node's dgram gets frames alone.
      expect(shown.dataPlane).toMatchObject({ name: 'native', offload: true });
      await lab.resetLink();
      const r = await runProgram(lab.client, TCP_ECHO_CLIENT, {
        host: 'server',
        count: 1,
        size: 20_000_000,
        timeout: 120_000,
      });
      expect(r).toMatchObject({ intact: true, bytes: 20_000_000 });
      const st = await lab.linkStats();
      const io = st.io!;
      console.log(
        `gathered: ${io.receivedFrames} frames in ${io.receivedDatagrams} datagrams (${io.coalesced} of several), ${io.receiveCalls} receive calls`,
      );
      // About 14,000 full frames each way: far more than one a datagram on average.
      expect(io.coalesced).toBeGreaterThan(0);
      expect(io.receivedFrames / io.receivedDatagrams).toBeGreaterThan(2);
      expect(io.truncated).toBe(0);
      const decided = st.up.total.received + st.down.total.received + st.foreign + st.malformed;
      expect(decided).toBe(io.receivedFrames);
      expect(st.unintendedDrops).toBe(0);
    });
  },
);
