// The native data plane's socket: frames arrive in batches (one recvmmsg each) and are handed to
// the handler one by one, in arrival order; sends made in one turn of the event loop leave together
// in one sendmmsg (a microtask flushes them, so none waits for a later turn: none leaves late).
import { isIPv4 } from 'node:net';
import { constants } from 'node:os';
import { ipv4Number, ipv4Text } from '../../common/lab-address.ts';
import type { BatchUdpAddon } from './native-data-plane.ts';
import type { FrameSource, RelaySocket, RelaySocketOptions } from './relay-socket.ts';

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** As Node words them: `bind EADDRINUSE 0.0.0.0:4789`. */
function errnoError(errno: number, syscall: string, where = ''): NodeJS.ErrnoException {
  const code = ERRNO_NAMES.get(errno) ?? `E${errno}`;
  const err = new Error(`${syscall} ${code}${where ? ` ${where}` : ''}`) as NodeJS.ErrnoException;
  err.code = code;
  err.errno = -errno;
  return err;
}

/** 198.19.0.1 → 0xc6130001; null for what is not a dotted IPv4 address. */
const ipv4ToU32 = (address: string): number | null => (isIPv4(address) ? ipv4Number(address) : null);

export function batchRelaySocket(addon: BatchUdpAddon, o: RelaySocketOptions): RelaySocket {
  const opened = addon.open(o.receiveBufferBytes, o.sendBufferBytes, o.reuseAddr, o.offload);
  if (typeof opened === 'number') throw errnoError(-opened, 'socket');
  const handle = opened;
  // A lab has a handful of peers: their addresses' text and numbers are looked up, not rebuilt.
  const names = new Map<number, string>();
  const numbers = new Map<string, number>();
  const from: FrameSource = { address: '', port: 0 };
  const failed = new Uint32Array(1);
  let onError: (err: Error) => void = () => {};
  let flushing = false;
  let closed = false;
  let port = 0;
  const flush = (): void => {
    flushing = false;
    if (closed) return;
    const last = addon.flush(handle, failed);
    if (last < 0) {
      const err = errnoError(-last, 'send');
      // Each failed frame counts once, as dgram reports each failed send.
      for (let i = 0; i < failed[0]!; i++) onError(err);
    }
  };
  return {
    onFrame(handler) {
      addon.start(handle, (bytes, meta, count) => {
        for (let i = 0; i < count; i++) {
          const j = 4 * i;
          const address = meta[j + 2]!;
          let name = names.get(address);
          if (name === undefined) {
            name = ipv4Text(address);
            names.set(address, name);
          }
          from.address = name;
          from.port = meta[j + 3]!;
          handler(Buffer.from(bytes, meta[j]!, meta[j + 1]!), from);
          if (closed) return;
        }
      });
    },
    onError(handler) {
      onError = handler;
    },
    send(data, toPort, address) {
      if (closed) return;
      let n = numbers.get(address);
      if (n === undefined) {
        const parsed = ipv4ToU32(address);
        if (parsed === null) {
          onError(new Error(`send: ${address} is not an IPv4 address`));
          return;
        }
        n = parsed;
        numbers.set(address, n);
      }
      addon.send(handle, data, n, toPort);
      if (!flushing) {
        flushing = true;
        queueMicrotask(flush);
      }
    },
    async bind(toPort, address) {
      const n = ipv4ToU32(address);
      if (n === null) throw new Error(`bind: ${address} is not an IPv4 address`);
      const r = addon.bind(handle, n, toPort);
      if (r < 0) throw errnoError(-r, 'bind', `${address}:${toPort}`);
      port = r;
    },
    get port() {
      return port;
    },
    track(counts) {
      addon.track(handle, counts);
    },
    close() {
      if (closed) return;
      flush();
      closed = true;
      addon.close(handle);
    },
  };
}
