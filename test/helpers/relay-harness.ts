// An in-process relay between two fake end hosts: real dgram sockets on 127.0.0.1 that send and
// receive VXLAN datagrams, so the relay is exercised without root, Docker or a kernel VXLAN device.
import { createSocket, type Socket } from 'node:dgram';
import { vxlanUdpFrame } from '../../src/link/frame-builder.ts';
import { buildLinkModel, type LinkModelInput } from '../../src/link/impairment-text.ts';
import { LinkRelay } from '../../src/link/link-relay.ts';
import { replySeqFromFrame } from './frames.ts';

export interface Arrival {
  seq: number;
  at: number;
  frame: Buffer;
}

export interface Harness extends AsyncDisposable {
  relay: LinkRelay;
  client: Socket;
  server: Socket;
  /** Frames that reached the server side, in arrival order. */
  atServer: Arrival[];
  atClient: Arrival[];
  sentAt: Map<number, number>;
  /** Sends `count` probe frames up, `perTick` at a time, spaced by `spacingMs` (0: a tick apart). */
  sendUp(count: number, opts?: { size?: number; spacingMs?: number; perTick?: number }): Promise<void>;
  /** Waits until nothing has arrived for `quietMs`. */
  settle(quietMs?: number): Promise<void>;
}

const bound = (s: Socket): Promise<number> =>
  new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s.address().port)));

export async function startHarness(input: LinkModelInput, recordCapacity?: number): Promise<Harness> {
  // A built LinkModel is a LinkModelInput too; building validates it either way.
  const model = buildLinkModel(input);
  const client = createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
  const server = createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
  const [cp, sp] = await Promise.all([bound(client), bound(server)]);
  const relay = await LinkRelay.start({
    peers: [
      { host: '127.0.0.1', port: cp },
      { host: '127.0.0.1', port: sp },
    ],
    listenAddress: '127.0.0.1',
    listenPort: 0,
    model,
    recordCapacity,
    log: () => {},
  });
  const atServer: Arrival[] = [];
  const atClient: Arrival[] = [];
  let lastArrival = performance.now();
  server.on('message', (frame) => {
    lastArrival = performance.now();
    atServer.push({ seq: replySeqFromFrame(frame), at: lastArrival, frame });
  });
  client.on('message', (frame) => {
    lastArrival = performance.now();
    atClient.push({ seq: replySeqFromFrame(frame), at: lastArrival, frame });
  });
  const sentAt = new Map<number, number>();
  const relayPort = relay.address.port;
  return {
    relay,
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
        client.send(vxlanUdpFrame({ payload }), relayPort, '127.0.0.1');
        if ((seq + 1) % perTick === 0) {
          const due = start + ((seq + 1) / perTick) * spacingMs;
          const wait = due - performance.now();
          await new Promise((r) => (wait > 0 ? setTimeout(r, wait) : setImmediate(r)));
        }
      }
    },
    async settle(quietMs = 150) {
      lastArrival = performance.now();
      while (performance.now() - lastArrival < quietMs) await new Promise((r) => setTimeout(r, 20));
    },
    async [Symbol.asyncDispose]() {
      await relay.close();
      client.close();
      server.close();
    },
  };
}
