// A relay between three clients and a server, each client on its own path: real datagrams on
// loopback, each end a socket of its own. Only client2's path is lossy; only client2 loses, within
// its interval; the server's replies reach only the client they are addressed to; the record names
// each frame's client, and the counters are kept per client and added up.
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labMac } from '../../../src/common/lab-address.ts';
import { replicaNumber } from '../../../src/common/replica-name.ts';
import { clientIndex, clientName, pathOf } from '../../../src/link/model/impairment-model.ts';
import { buildLinkModel, formatLinkModel } from '../../../src/link/model/impairment-text.ts';
import { clientSeed } from '../../../src/link/relay/direction-engine.ts';
import { vxlanArpFrame, vxlanUdpFrame } from '../../../src/link/relay/frame-builder.ts';
import { LinkRelay } from '../../../src/link/relay/link-relay.ts';
import { replySeqFromFrame } from '../../helpers/frames.ts';
import { binomialInterval } from '../../helpers/stats.ts';

const SEED = 2024;
const LAB = ['198.19.0.1', '198.19.0.3', '198.19.0.4'];
const SERVER = '198.19.0.2';
const N = 400;

const bound = (s: Socket): Promise<number> =>
  new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s.address().port)));

async function until(what: () => boolean, why: () => string): Promise<void> {
  // Exact accounting, not a time window; the limit only turns a broken relay into a failure.
  const end = performance.now() + 60_000;
  while (!what()) {
    if (performance.now() > end) throw new Error(why());
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('client names', () => {
  it('are client, client2, ... and back', () => {
    expect([0, 1, 7].map(clientName)).toEqual(['client', 'client2', 'client8']);
    expect(['client', 'client2', 'client8', 'client1', 'client02', 'server'].map(clientIndex)).toEqual([
      0, 1, 7, -1, -1, -1,
    ]);
  });

  it('a scaled service’s replica numbers come from the containers’ names (Compose v2 and v1)', () => {
    expect(replicaNumber('lab-x-client-2.lab-x_client_net', 'client')).toBe(2);
    expect(replicaNumber('lab_x_client_3.lab_x_client_net', 'client')).toBe(3);
    expect(replicaNumber('lab-x-server-1.lab-x_server_net', 'client')).toBeNull();
    expect(replicaNumber('client', 'client')).toBeNull();
  });

  it('a lab of one client draws exactly as before; each other client has streams of its own', () => {
    expect(clientSeed(SEED, 0)).toBe(SEED);
    const seeds = new Set([0, 1, 2, 3, 4, 5, 6, 7].map((k) => clientSeed(SEED, k)));
    expect(seeds.size).toBe(8);
  });
});

describe('per-client models', () => {
  it('a client’s line replaces that client’s direction only; the text says every path', () => {
    const m = buildLinkModel({
      impair: 'delay 10ms',
      seed: 3,
      paths: { client2: { impair: 'loss 30%' }, client3: { down: 'delay 250ms' } },
    });
    expect(pathOf(m, 'client', 'up')).toEqual(m.up);
    expect(pathOf(m, 'client2', 'up').loss).toMatchObject({ percent: 30 });
    expect(pathOf(m, 'client2', 'up').delay).toBeUndefined();
    expect(pathOf(m, 'client3', 'up')).toEqual(m.up);
    expect(pathOf(m, 'client3', 'down').delay?.ms).toBe(250);
    expect(formatLinkModel(m)).toBe(
      'up: delay 10ms; down: delay 10ms; client2 up: loss 30%; client2 down: loss 30%; client3 down: delay 250ms; seed 3',
    );
  });

  it('a name that is no client’s, and a client’s bad line, are refused with the rule', () => {
    expect(() => buildLinkModel({ paths: { server: { impair: 'loss 1%' } } })).toThrow(
      /'server' is not a client's name: the clients are client, client2, ... client8; e.g. client2/,
    );
    expect(() => buildLinkModel({ paths: { client9: { impair: 'loss 1%' } } })).toThrow(
      /not a client's name/,
    );
    expect(() => buildLinkModel({ paths: { client2: { up: 'loss 140%' } } })).toThrow(
      /^client2 up: loss must be 0–100%/,
    );
  });
});

describe('a relay with three clients', () => {
  it('only client2’s lossy path loses, within its interval; replies reach only their own client', async () => {
    const clients = [createSocket('udp4'), createSocket('udp4'), createSocket('udp4')];
    const server = createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
    const ports = await Promise.all([...clients, server].map(bound));
    const model = buildLinkModel({ seed: SEED, paths: { client2: { up: 'loss 30%' } } });
    console.log(`seed ${SEED}`);
    const relay = await LinkRelay.start({
      peers: [
        ...clients.map((_, k) => ({ host: '127.0.0.1', port: ports[k]!, labAddress: LAB[k] })),
        { host: '127.0.0.1', port: ports[3]!, labAddress: SERVER },
      ],
      listenAddress: '127.0.0.1',
      listenPort: 0,
      sides: ['127.0.0.2', '127.0.0.3'],
      model,
      log: () => {},
    });
    const capturePath = join(tmpdir(), `socklab-clients-${process.pid}.pcap`);
    await relay.startCapture(capturePath);
    try {
      const got: number[][] = clients.map(() => []);
      const wrong: string[] = [];
      for (const [k, s] of clients.entries())
        s.on('message', (frame) => {
          const seq = replySeqFromFrame(frame);
          // Each reply carries the client it is for in its sequence number (k * 10000 + i).
          if (Math.floor(seq / 10_000) !== k) wrong.push(`client ${k} got ${seq}`);
          got[k]!.push(seq);
        });
      // The server answers each datagram to its sender's lab address: the relay must route it.
      let atServer = 0;
      server.on('message', (frame) => {
        atServer++;
        const seq = replySeqFromFrame(frame);
        const k = Math.floor(seq / 10_000);
        const payload = Buffer.from(`${seq}:reply`);
        server.send(
          vxlanUdpFrame({
            payload,
            srcIp: SERVER,
            dstIp: LAB[k]!,
            srcMac: labMac(SERVER),
            sport: 12000,
            dport: 40000,
          }),
          relay.address.port,
          '127.0.0.3',
        );
      });
      for (let i = 0; i < N; i++)
        for (const [k, s] of clients.entries()) {
          const payload = Buffer.from(`${k * 10_000 + i}:hello`);
          s.send(
            vxlanUdpFrame({ payload, srcIp: LAB[k]!, srcMac: labMac(LAB[k]!) }),
            relay.address.port,
            '127.0.0.2',
          );
          if (i % 50 === 49) await new Promise((r) => setImmediate(r));
        }
      const sum = () => got.reduce((n, g) => n + g.length, 0);
      await until(
        () => {
          const st = relay.stats();
          return st.up.total.received === 3 * N && atServer === st.up.total.forwarded && sum() === atServer;
        },
        () => `not settled: ${JSON.stringify(relay.stats().up.total)}, server ${atServer}, clients ${sum()}`,
      );
      expect(wrong).toEqual([]);
      const lost = clients.map((_, k) => N - got[k]!.length);
      const [lo, hi] = binomialInterval(N, 0.3, 0.999);
      expect(lost[0]).toBe(0);
      expect(lost[2]).toBe(0);
      expect(lost[1]).toBeGreaterThanOrEqual(lo);
      expect(lost[1]).toBeLessThanOrEqual(hi);

      const st = relay.stats();
      expect(Object.keys(st.clients ?? {})).toEqual(['client', 'client2', 'client3']);
      expect(st.clients?.client2?.up.total.droppedLoss).toBe(lost[1]);
      expect(st.clients?.client?.up.total.droppedLoss).toBe(0);
      expect(st.up.total.droppedLoss).toBe(lost[1]);
      expect(st.down.total.forwarded).toBe(3 * N - lost[1]!);
      for (const name of ['client', 'client2', 'client3'])
        expect(st.clients?.[name]?.down.total.forwarded).toBe(N - (name === 'client2' ? lost[1]! : 0));

      const records = relay.record().records;
      const byClient = (c: string) => records.filter((r) => r.client === c && r.proto === 'udp');
      expect(byClient('client2').filter((r) => r.fate === 'lost').length).toBe(lost[1]);
      expect(byClient('client').every((r) => r.src === LAB[0] || r.dst === LAB[0])).toBe(true);
      expect(byClient('client3').every((r) => r.src === LAB[2] || r.dst === LAB[2])).toBe(true);

      // The server's ARP request for client3 goes to client3's path only; a broadcast is everyone's.
      const before = relay.record().last;
      server.send(
        vxlanArpFrame(42, { srcMac: labMac(SERVER), senderIp: SERVER, targetIp: LAB[2] }),
        relay.address.port,
        '127.0.0.3',
      );
      const bcast = vxlanUdpFrame({
        payload: Buffer.from('99999:all'),
        srcIp: SERVER,
        dstIp: '198.19.0.255',
        srcMac: labMac(SERVER),
      });
      server.send(bcast, relay.address.port, '127.0.0.3');
      await until(
        () => relay.record(before).records.length === 4,
        () => `records after the ARP and broadcast: ${JSON.stringify(relay.record(before).records)}`,
      );
      const after = relay.record(before).records.map((r) => `${r.proto} ${r.client}`);
      expect(after).toEqual(['arp client3', 'udp client', 'udp client2', 'udp client3']);

      // The capture names every frame's path, as the record does.
      await relay.stopCapture();
      const text = readFileSync(capturePath, 'latin1');
      const count = (s: string) => text.split(s).length - 1;
      expect(count('client2 up DROPPED (loss)')).toBe(lost[1]);
      expect(count('client up forwarded')).toBe(N);
      expect(count('client3 up forwarded')).toBe(N);
      expect(count('client2 up forwarded')).toBe(N - lost[1]!);
    } finally {
      await relay.close();
      for (const s of [...clients, server]) s.close();
    }
  });

  it('a one-client relay has no per-client breakdown: its totals are its own', async () => {
    const s = createSocket('udp4');
    const port = await bound(s);
    const relay = await LinkRelay.start({
      peers: [
        { host: '127.0.0.1', port },
        { host: '127.0.0.1', port: port + 1 },
      ],
      listenAddress: '127.0.0.1',
      listenPort: 0,
      model: buildLinkModel({}),
      log: () => {},
    });
    expect(relay.stats().clients).toBeUndefined();
    expect(relay.clients).toEqual(['client']);
    await relay.close();
    s.close();
  });
});
