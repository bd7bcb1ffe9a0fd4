// An in-process relay between two fake end hosts: real dgram sockets on 127.0.0.1 that send and
// receive VXLAN datagrams, so the relay is exercised without root, Docker or a kernel VXLAN device.
// The relay's two sides are two loopback addresses (127.0.0.2 faces the client, 127.0.0.3 the
// server), so each direction has its thread as in a lab; `threads: 'shared'` puts both on one
// socket and thread (what linkd does when both peers are reached from one address).
import { createSocket, type Socket } from 'node:dgram';
import { buildLinkModel, type LinkModelInput } from '../../src/link/model/impairment-text.ts';
import { vxlanUdpFrame } from '../../src/link/relay/frame-builder.ts';
import { LinkRelay } from '../../src/link/relay/link-relay.ts';
import type { DataPlaneName } from '../../src/link/relay/relay-socket.ts';
import { replySeqFromFrame } from './frames.ts';

export interface Arrival {
  seq: number;
  at: number;
  frame: Buffer;
}

export interface Harness extends AsyncDisposable {
  relay: LinkRelay;
  /** Where an end sends to reach the relay: spread into send(), `h.client.send(f, ...h.toRelay('client'))`. */
  toRelay(from: 'client' | 'server'): [number, string];
  client: Socket;
  server: Socket;
  /** Frames that reached the server side, in arrival order. */
  atServer: Arrival[];
  atClient: Arrival[];
  sentAt: Map<number, number>;
  /** Sends `count` probe frames up, `perTick` at a time, spaced by `spacingMs` (0: a tick apart). */
  sendUp(count: number, opts?: { size?: number; spacingMs?: number; perTick?: number }): Promise<void>;
  /** Counts datagrams sent to the relay from a socket of the test's own (a stranger, say). */
  sentElsewhere(n: number): void;
  /**
   * Waits until every datagram sent to the relay is accounted for: received by it, and each one
   * either dropped by decision or arrived at its end (no time window: exact, whatever the load).
   */
  settle(): Promise<void>;
}

const bound = (s: Socket): Promise<number> =>
  new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s.address().port)));

export type HarnessThreads = 'per-direction' | 'shared';
const SIDES: [string, string] = ['127.0.0.2', '127.0.0.3'];

export async function startHarness(
  input: LinkModelInput,
  recordCapacity?: number,
  threads: HarnessThreads = 'per-direction',
  /** Each end's lab0 address: frames from an end with another inner source are forged. */
  labAddresses?: [string, string],
  /** The data plane (default: native where native/build.sh built it, as linkd chooses). */
  dataPlane?: DataPlaneName,
): Promise<Harness> {
  // A built LinkModel is a LinkModelInput too; building validates it either way.
  const model = buildLinkModel(input);
  const client = createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
  const server = createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
  const [cp, sp] = await Promise.all([bound(client), bound(server)]);
  const relay = await LinkRelay.start({
    peers: [
      { host: '127.0.0.1', port: cp, labAddress: labAddresses?.[0] },
      { host: '127.0.0.1', port: sp, labAddress: labAddresses?.[1] },
    ],
    listenAddress: '127.0.0.1',
    listenPort: 0,
    ...(threads === 'per-direction' ? { sides: SIDES } : {}),
    model,
    recordCapacity,
    ...(dataPlane ? { dataPlane } : {}),
    log: () => {},
  });
  const atServer: Arrival[] = [];
  const atClient: Arrival[] = [];
  server.on('message', (frame) => {
    atServer.push({ seq: replySeqFromFrame(frame), at: performance.now(), frame });
  });
  client.on('message', (frame) => {
    atClient.push({ seq: replySeqFromFrame(frame), at: performance.now(), frame });
  });
  // Every datagram the test sends toward the relay is counted, so that settle() knows what to expect.
  let sent = 0;
  for (const s of [client, server]) {
    const send = s.send.bind(s) as (...args: unknown[]) => void;
    (s as unknown as { send: (...args: unknown[]) => void }).send = (...args: unknown[]) => {
      sent++;
      send(...args);
    };
  }
  const sentAt = new Map<number, number>();
  const relayPort = relay.address.port;
  const toRelay = (from: 'client' | 'server'): [number, string] =>
    threads === 'per-direction' ? [relayPort, SIDES[from === 'client' ? 0 : 1]] : [relayPort, '127.0.0.1'];
  return {
    relay,
    toRelay,
    client,
    server,
    atServer,
    atClient,
    sentAt,
    async sendUp(count, opts = {}) {
      const { size = 64, spacingMs = 0, perTick = 1 } = opts;
      const start = performance.now();
      for (let seq = 0; seq < count; seq++) {
        const payload = Buffer.alloc(Math.max(size, 12), 'a');
        payload.write(`${seq}:`);
        sentAt.set(seq, performance.now());
        client.send(vxlanUdpFrame({ payload }), ...toRelay('client'));
        if ((seq + 1) % perTick === 0) {
          const due = start + ((seq + 1) / perTick) * spacingMs;
          const wait = due - performance.now();
          await new Promise((r) => (wait > 0 ? setTimeout(r, wait) : setImmediate(r)));
        }
      }
    },
    sentElsewhere(n) {
      sent += n;
    },
    async settle() {
      let why = '';
      const done = (): boolean => {
        const st = relay.stats();
        const received = st.up.total.received + st.down.total.received + st.foreign + st.malformed;
        why = `relay received ${received} of ${sent} (kernel drops ${st.unintendedDrops}), ${st.inFlight} in flight, server got ${atServer.length} of ${st.up.total.forwarded} forwarded, client ${atClient.length} of ${st.down.total.forwarded}`;
        return (
          received + st.unintendedDrops >= sent &&
          st.inFlight === 0 &&
          atServer.length === st.up.total.forwarded &&
          atClient.length === st.down.total.forwarded
        );
      };
      // A generous limit, only so that a broken relay fails the test instead of hanging it.
      const end = performance.now() + 60_000;
      while (!done()) {
        if (performance.now() > end) throw new Error(`the relay did not settle: ${why}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async [Symbol.asyncDispose]() {
      await relay.close();
      client.close();
      server.close();
    },
  };
}
