// Real sockets on loopback for talking to the programs under test.
import { createSocket } from 'node:dgram';
import { connect, createServer, type Socket } from 'node:net';

/** Sends one datagram and waits for the reply (or null after `timeoutMs`). */
export async function udpRoundTrip(port: number, payload: Buffer, timeoutMs = 2000): Promise<Buffer | null> {
  const sock = createSocket({ type: 'udp4', recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
  try {
    return await new Promise<Buffer | null>((resolve, reject) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      sock.on('message', (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      sock.on('error', reject);
      sock.send(payload, port, '127.0.0.1');
    });
  } finally {
    sock.close();
  }
}

export function tcpConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Collects everything a socket receives until the peer closes. */
export function readAll(s: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('end', () => resolve(Buffer.concat(parts)));
    s.on('error', reject);
  });
}

/** Waits until `n` bytes have arrived. */
export function readBytes(s: Socket, n: number, timeoutMs = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => reject(new Error(`only ${got} of ${n} bytes arrived`)), timeoutMs);
    const onData = (d: Buffer): void => {
      parts.push(d);
      got += d.length;
      if (got >= n) {
        clearTimeout(timer);
        s.off('data', onData);
        resolve(Buffer.concat(parts));
      }
    };
    s.on('data', onData);
  });
}

/** A port that was free a moment ago (for programs that cannot pick their own, like textbook ones). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A seeded PRNG (mulberry32), so that random inputs reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(rand: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}
