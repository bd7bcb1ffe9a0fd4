// The data plane on Node's dgram: one recvmsg and one sendmsg per frame. Where the native plane
// cannot be built or loaded, and the reference the native one is compared with.
import { createSocket } from 'node:dgram';
import { IO_COUNTS } from '../control/relay-stats.ts';
import type { FrameSource, RelaySocket, RelaySocketOptions } from './relay-socket.ts';
import { bindUdp } from './udp-bind.ts';

// IO_COUNTS' slots this plane fills: one call, one datagram and one frame each way.
const slots = (...names: (typeof IO_COUNTS)[number][]): number[] => names.map((n) => IO_COUNTS.indexOf(n));
const RECEIVE = slots('receiveCalls', 'receivedDatagrams', 'receivedFrames');
const SEND = slots('sendCalls', 'sentDatagrams', 'sentFrames');

export function dgramRelaySocket(o: RelaySocketOptions): RelaySocket {
  const socket = createSocket({
    type: 'udp4',
    reuseAddr: o.reuseAddr,
    // 0: the kernel's default (a socket that only sends).
    ...(o.receiveBufferBytes > 0 ? { recvBufferSize: o.receiveBufferBytes } : {}),
    sendBufferSize: o.sendBufferBytes,
  });
  let io: Float64Array | null = null;
  const add = (slots: number[]): void => {
    if (io) for (const k of slots) io[k]! += 1;
  };
  return {
    onFrame: (handler) =>
      socket.on('message', (msg, rinfo) => {
        add(RECEIVE);
        handler(msg, rinfo as FrameSource);
      }),
    onError: (handler) => socket.on('error', handler),
    // Without a callback (one less allocation per frame): errors arrive through onError.
    send: (data, port, address) => {
      add(SEND);
      socket.send(data, port, address);
    },
    bind: (port, address) => bindUdp(socket, port, address),
    get port() {
      return socket.address().port;
    },
    track: (counts) => {
      io = counts;
    },
    close: () => socket.close(),
  };
}
