// linkd's relay with 4 clients sending at once against 1: frames per second it forwards up to the
// server, measured in one run on loopback (the relay in its worker threads, the senders and the
// server socket in this process). Each client has its own path, so 4 clients means 4 engines per
// direction in the same thread: the ratio says what the per-client routing and state cost.
import { createSocket, type Socket } from 'node:dgram';
import { labMac } from '../src/common/lab-address.ts';
import { buildLinkModel } from '../src/link/model/impairment-text.ts';
import { vxlanUdpFrame } from '../src/link/relay/frame-builder.ts';
import { LinkRelay } from '../src/link/relay/link-relay.ts';

const SERVER = '198.19.0.2';
const address = (k: number): string => `198.19.0.${k === 0 ? 1 : k + 2}`;

const bound = (s: Socket): Promise<number> =>
  new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s.address().port)));

export interface RelayClientsRun {
  clients: number;
  sent: number;
  forwardedPerSecond: number;
  /** Frames the relay never read (its socket's buffer overflowed) or dropped. */
  notForwarded: number;
}

/** `clients` senders blasting 64-byte datagrams for `seconds`; what reached the server per second. */
export async function relayClients(clients: number, seconds: number): Promise<RelayClientsRun> {
  const senders = Array.from({ length: clients }, () =>
    createSocket({ type: 'udp4', sendBufferSize: 4 << 20 }),
  );
  const server = createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
  const ports = await Promise.all([...senders, server].map(bound));
  const relay = await LinkRelay.start({
    peers: [
      ...senders.map((_, k) => ({ host: '127.0.0.1', port: ports[k]!, labAddress: address(k) })),
      { host: '127.0.0.1', port: ports[clients]!, labAddress: SERVER },
    ],
    listenAddress: '127.0.0.1',
    listenPort: 0,
    sides: ['127.0.0.2', '127.0.0.3'],
    model: buildLinkModel({ seed: 1 }),
    log: () => {},
  });
  let atServer = 0;
  server.on('message', () => atServer++);
  const frames = senders.map((_, k) =>
    vxlanUdpFrame({ payload: Buffer.alloc(64, 0x61), srcIp: address(k), srcMac: labMac(address(k)) }),
  );
  let sent = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  // Bursts round the clients, yielding between them so the server socket is read too.
  while (performance.now() < end) {
    for (let i = 0; i < 16; i++)
      for (const [k, s] of senders.entries()) {
        s.send(frames[k]!, relay.address.port, '127.0.0.2');
        sent++;
      }
    await new Promise((r) => setImmediate(r));
  }
  // What is still in flight arrives within moments: wait until the count stops moving.
  for (let last = -1; last !== atServer; ) {
    last = atServer;
    await new Promise((r) => setTimeout(r, 200));
  }
  const elapsed = (performance.now() - t0) / 1000;
  await relay.close();
  for (const s of [...senders, server]) s.close();
  return { clients, sent, forwardedPerSecond: atServer / elapsed, notForwarded: sent - atServer };
}

export async function relayClientsReport(seconds: number): Promise<void> {
  // Alternated, so that a noisy neighbour weighs on both alike; the better of each pair counts.
  const one: RelayClientsRun[] = [];
  const four: RelayClientsRun[] = [];
  for (let i = 0; i < 3; i++) {
    one.push(await relayClients(1, seconds));
    four.push(await relayClients(4, seconds));
  }
  const best = (xs: RelayClientsRun[]): RelayClientsRun =>
    xs.reduce((a, b) => (b.forwardedPerSecond > a.forwardedPerSecond ? b : a));
  const [a, b] = [best(one), best(four)];
  const line = (r: RelayClientsRun): string =>
    `${String(r.clients).padStart(2)} client(s) sending at once: ${Math.round(r.forwardedPerSecond)} frames/s forwarded (64-byte datagrams; ${r.sent} sent, ${r.notForwarded} not forwarded)`;
  console.log(`relay throughput on loopback, best of 3 runs of ${seconds} s each`);
  console.log(line(a));
  console.log(line(b));
  console.log(`ratio 4 clients / 1 client: ${(b.forwardedPerSecond / a.forwardedPerSecond).toFixed(2)}`);
}

if (import.meta.main) await relayClientsReport(Number(process.env.BENCH_SECONDS ?? 3));
