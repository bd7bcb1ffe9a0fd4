// The data plane on Node's dgram: one recvmsg and one sendmsg per frame. Where the native plane
// cannot be built or loaded, and the reference the native one is compared with.
import { createSocket } from 'node:dgram';
import type { FrameSource, RelaySocket, RelaySocketOptions } from './relay-socket.ts';
import { bindUdp } from './udp-bind.ts';

export function dgramRelaySocket(o: RelaySocketOptions): RelaySocket {
  const socket = createSocket({
    type: 'udp4',
    reuseAddr: o.reuseAddr,
    // 0: the kernel's default (a socket that only sends).
    ...(o.receiveBufferBytes > 0 ? { recvBufferSize: o.receiveBufferBytes } : {}),
    sendBufferSize: o.sendBufferBytes,
  });
  return {
    onFrame: (handler) => socket.on('message', (msg, rinfo) => handler(msg, rinfo as FrameSource)),
    onError: (handler) => socket.on('error', handler),
    // Without a callback (one less allocation per frame): errors arrive through onError.
    send: (data, port, address) => socket.send(data, port, address),
    bind: (port, address) => bindUdp(socket, port, address),
    get port() {
      return socket.address().port;
    },
    close: () => socket.close(),
  };
}
