// The body of a forwarding thread (see link-relay.ts): its sockets and the engine of each direction
// it forwards. With one direction it receives only on that direction's side, so the two directions
// run on two cores; with both (the peers reach one local address) one socket does everything.
import { createSocket, type RemoteInfo } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import type { Direction } from '../model/impairment-model.ts';
import { DirectionEngine, type FrameSender } from './direction-engine.ts';
import { DirectionMemory } from './direction-memory.ts';
import { PacketRecordRing } from './record-ring.ts';
import type { ForwarderConfig, FromForwarder, PeerAddress, ToForwarder } from './relay-messages.ts';
import { bindUdp } from './udp-bind.ts';
import { emptyFrameInfo, innerSourceIs, parseVxlan } from './vxlan-frame.ts';

function post(m: FromForwarder, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(m, transfer);
}

/** Which peer sent this: by address, and by port too when both peers share an address. */
function peerIndex(peers: readonly PeerAddress[], rinfo: RemoteInfo): number {
  const [a, b] = peers as [PeerAddress, PeerAddress];
  const sameAddress = a.address === b.address;
  if (a.address === rinfo.address && (!sameAddress || a.port === rinfo.port)) return 0;
  if (b.address === rinfo.address && (!sameAddress || b.port === rinfo.port)) return 1;
  return -1;
}

async function run(cfg: ForwarderConfig): Promise<void> {
  const peers = cfg.peers;
  const identities = cfg.identities;
  const record = new PacketRecordRing(cfg.record.capacity, cfg.record.buffer);
  const memory: Record<Direction, DirectionMemory> = {
    up: new DirectionMemory(cfg.memory.up),
    down: new DirectionMemory(cfg.memory.down),
  };
  // This thread's clock has its own origin: record times count from the relay's start.
  const timeShiftMs = performance.timeOrigin - cfg.startEpochMs;
  const single = cfg.directions.length === 2;
  const rx = createSocket({
    type: 'udp4',
    reuseAddr: true,
    recvBufferSize: cfg.receiveBufferBytes,
    sendBufferSize: cfg.receiveBufferBytes,
  });
  const tx = single ? rx : createSocket({ type: 'udp4', sendBufferSize: cfg.receiveBufferBytes });
  const engines: Partial<Record<Direction, DirectionEngine>> = {};
  for (const dir of cfg.directions) {
    const to = peers[dir === 'up' ? 1 : 0];
    const sender: FrameSender = {
      ready: () => to.address !== null,
      send: (data) => tx.send(data, to.port, to.address!),
    };
    engines[dir] = new DirectionEngine({
      dir,
      model: cfg.model[dir],
      seed: cfg.model.seed,
      memory: memory[dir],
      record,
      sender,
      impairDiscovery: cfg.impairDiscovery,
      timeShiftMs,
    });
  }
  const first = cfg.directions[0]!;
  const counts = memory[first];
  const setCapture = (on: boolean): void => {
    for (const e of Object.values(engines)) {
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
  const expected = first === 'up' ? 0 : 1;
  rx.on('message', (msg, rinfo) => {
    const from = peerIndex(peers, rinfo);
    if (from < 0 || (!single && from !== expected)) {
      counts.foreign();
      return;
    }
    if (!parseVxlan(msg, info)) {
      counts.malformed();
      return;
    }
    const engine = engines[from === 0 ? 'up' : 'down']!;
    const id = identities[from];
    if (id && !innerSourceIs(msg, info, id)) engine.onForged(msg, info);
    else engine.onFrame(msg, info);
  });
  // Sends go without a callback (one less allocation per frame); their errors arrive here.
  const onError = (err: Error): void => {
    counts.sendError();
    post({ type: 'log', line: `linkd: socket error: ${err.message}` });
  };

  try {
    if (!single) await bindUdp(tx, 0, cfg.sendFrom ?? '0.0.0.0');
    await bindUdp(rx, cfg.receive.port, cfg.receive.address);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    post({ type: 'failed', message: e.message, ...(e.code ? { code: e.code } : {}) });
    return;
  }
  rx.on('error', onError);
  if (!single) tx.on('error', onError);

  parentPort!.on('message', (m: ToForwarder) => {
    switch (m.type) {
      case 'model':
        for (const e of Object.values(engines)) e.setModel(m.model[e.dir], m.model.seed);
        post({ type: 'ack', id: m.id });
        break;
      case 'reset':
        for (const e of Object.values(engines)) e.reset();
        post({ type: 'ack', id: m.id });
        break;
      case 'peers':
        // In place: the senders and the source check read these objects.
        for (const i of [0, 1] as const) Object.assign(peers[i], m.peers[i]);
        break;
      case 'capture':
        setCapture(m.on);
        post({ type: 'ack', id: m.id });
        break;
      case 'close':
        for (const e of Object.values(engines)) e.close();
        rx.close();
        if (!single) tx.close();
        post({ type: 'ack', id: m.id });
        parentPort!.close();
        break;
    }
  });
  post({ type: 'ready', port: rx.address().port });
}

await run(workerData as ForwarderConfig);
