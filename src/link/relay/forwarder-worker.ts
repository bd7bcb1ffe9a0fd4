// The body of a forwarding thread (see link-relay.ts): its sockets and the engine of each direction
// it forwards. With one direction it receives only on that direction's side, so the two directions
// run on two cores; with both (the peers reach one local address) one socket does everything.
import { parentPort, workerData } from 'node:worker_threads';
import { type Direction, pathOf } from '../model/impairment-model.ts';
import { ALL, clientRouter } from './client-router.ts';
import { DirectionEngine, type FrameSender } from './direction-engine.ts';
import { DirectionMemory } from './direction-memory.ts';
import { loadBatchUdp } from './native-data-plane.ts';
import { openAlarms, openRelaySocket } from './open-relay-socket.ts';
import { PacketRecordRing } from './record-ring.ts';
import type { ForwarderConfig, FromForwarder, PeerAddress, ToForwarder } from './relay-messages.ts';
import type { FrameSource } from './relay-socket.ts';
import { raiseThisThread } from './thread-priority.ts';
import { emptyFrameInfo, innerSourceIs, parseVxlan } from './vxlan-frame.ts';

function post(m: FromForwarder, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(m, transfer);
}

/**
 * Which peer sent this: by address, and by port too where peers share an address (loopback
 * tests). -1 for anyone else.
 */
export function peerIndex(peers: readonly PeerAddress[], rinfo: FrameSource): number {
  let byAddress = -1;
  for (let i = 0; i < peers.length; i++) {
    const p = peers[i]!;
    if (p.address !== rinfo.address) continue;
    if (p.port === rinfo.port) return i;
    byAddress = byAddress === -1 ? i : -2;
  }
  // One peer at that address: it (its port may differ: the kernel picks the source port).
  return byAddress >= 0 ? byAddress : -1;
}

async function run(cfg: ForwarderConfig): Promise<void> {
  // Real time through the addon where it loads (on Node's plane too, so the planes compare alike).
  const addon = loadBatchUdp();
  const realtime =
    typeof addon !== 'string' && typeof addon.realtime === 'function' ? addon.realtime : undefined;
  const priority = raiseThisThread(cfg.priority, realtime);
  const peers = cfg.peers;
  const identities = cfg.identities;
  const clients = cfg.clients.length;
  const server = clients;
  const record = new PacketRecordRing(cfg.record.capacity, cfg.record.buffer);
  const memory: Record<Direction, DirectionMemory[]> = {
    up: cfg.memory.up.map((b) => new DirectionMemory(b)),
    down: cfg.memory.down.map((b) => new DirectionMemory(b)),
  };
  // This thread's clock has its own origin: record times count from the relay's start.
  const timeShiftMs = performance.timeOrigin - cfg.startEpochMs;
  const single = cfg.directions.length === 2;
  const buffers = {
    receiveBufferBytes: cfg.receiveBufferBytes,
    sendBufferBytes: cfg.receiveBufferBytes,
    offload: cfg.offload,
  };
  const rx = openRelaySocket(cfg.dataPlane, { ...buffers, reuseAddr: true });
  const tx = single
    ? rx
    : openRelaySocket(cfg.dataPlane, { ...buffers, receiveBufferBytes: 0, reuseAddr: false });
  const alarms = openAlarms(cfg.dataPlane, cfg.timerfd);
  // An engine per client and direction: each client's path has its own model, streams, counters.
  const engines: Partial<Record<Direction, DirectionEngine[]>> = {};
  for (const dir of cfg.directions)
    engines[dir] = cfg.clients.map((name, k) => {
      const to = peers[dir === 'up' ? server : k]!;
      const sender: FrameSender = {
        ready: () => to.address !== null,
        send: (data) => tx.send(data, to.port, to.address!),
      };
      return new DirectionEngine({
        dir,
        client: k,
        // A lab of one client captures as it always did; of several, each comment names its path.
        captureLabel: clients > 1 ? `${name} ` : '',
        model: pathOf(cfg.model, name, dir),
        seed: cfg.model.seed,
        memory: memory[dir][k]!,
        record,
        sender,
        impairDiscovery: cfg.impairDiscovery,
        timeShiftMs,
        replay: cfg.replay?.[name]?.[dir],
        alarms,
      });
    });
  const all = Object.values(engines).flat();
  const first = cfg.directions[0]!;
  const counts = memory[first][0]!;
  // The sockets' system calls and datagrams, in this thread's own memory (one writer).
  const io = counts.io();
  rx.track(io);
  if (!single) tx.track(io);
  const setCapture = (on: boolean): void => {
    for (const e of all) {
      e.capture = on
        ? (data, comment, up) => {
            // A copy of exactly the frame's bytes (the received buffer may be a view on more).
            const copy = new Uint8Array(data);
            post(
              {
                type: 'frame',
                data: copy,
                micros: Math.round((performance.timeOrigin + performance.now()) * 1000),
                comment,
                up,
              },
              [copy.buffer as ArrayBuffer],
            );
          }
        : null;
    }
  };
  setCapture(cfg.capturing);

  const info = emptyFrameInfo();
  const route = clientRouter(identities.slice(0, clients));
  rx.onFrame((msg, rinfo) => {
    const from = peerIndex(peers, rinfo);
    const fromServer = from === server;
    if (from < 0 || (!single && fromServer !== (first === 'down'))) {
      counts.foreign();
      return;
    }
    if (!parseVxlan(msg, info)) {
      counts.malformed();
      return;
    }
    const id = identities[from];
    const forged = id !== null && id !== undefined && !innerSourceIs(msg, info, id);
    if (!fromServer) {
      const engine = engines.up![from]!;
      if (forged) engine.onForged(msg, info);
      else engine.onFrame(msg, info);
      return;
    }
    // From the server: to the client it is for (each client's path), or to every one (a broadcast).
    const to = route(msg, info);
    const down = engines.down!;
    if (to === ALL) for (const e of down) forged ? e.onForged(msg, info) : e.onFrame(msg, info);
    else if (forged) down[to]!.onForged(msg, info);
    else down[to]!.onFrame(msg, info);
  });
  // Sends go without a callback (one less allocation per frame); their errors arrive here.
  const onError = (err: Error): void => {
    counts.sendError();
    post({ type: 'log', line: `linkd: socket error: ${err.message}` });
  };

  try {
    if (!single) await tx.bind(0, cfg.sendFrom ?? '0.0.0.0');
    await rx.bind(cfg.receive.port, cfg.receive.address);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    post({ type: 'failed', message: e.message, ...(e.code ? { code: e.code } : {}) });
    return;
  }
  rx.onError(onError);
  if (!single) tx.onError(onError);

  parentPort!.on('message', (m: ToForwarder) => {
    switch (m.type) {
      case 'model':
        for (const e of all) e.setModel(pathOf(m.model, cfg.clients[e.client]!, e.dir), m.model.seed, m.step);
        post({ type: 'ack', id: m.id });
        break;
      case 'reset':
        for (const e of all) e.reset();
        post({ type: 'ack', id: m.id });
        break;
      case 'replay':
        for (const e of all) e.setReplay(m.plan?.[cfg.clients[e.client]!]?.[e.dir]);
        post({ type: 'ack', id: m.id });
        break;
      case 'peers':
        // In place: the senders and the source check read these objects.
        for (const [i, p] of m.peers.entries()) Object.assign(peers[i]!, p);
        break;
      case 'capture':
        setCapture(m.on);
        post({ type: 'ack', id: m.id });
        break;
      case 'close':
        for (const e of all) e.close();
        rx.close();
        if (!single) tx.close();
        post({ type: 'ack', id: m.id });
        parentPort!.close();
        break;
    }
  });
  post({ type: 'ready', port: rx.port, priority });
}

await run(workerData as ForwarderConfig);
