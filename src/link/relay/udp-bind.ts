// Binding a UDP socket as a promise, exclusively (no other process or thread shares the port):
// linkd's main socket and each forwarding thread's.
import type { Socket } from 'node:dgram';

/** Binds `socket`; rejects with the bind error (EADDRINUSE, say) instead of emitting it. */
export function bindUdp(socket: Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}
