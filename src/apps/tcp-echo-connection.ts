// One connection socket of the TCP echo server: uppercases the byte stream as it arrives. There
// are no message boundaries to respect, only characters split across reads (StreamUppercaser).
import type { Socket } from 'node:net';
import { StreamUppercaser } from './uppercase.ts';

export interface EchoOutcome {
  bytesIn: number;
  bytesOut: number;
  /** The error that ended the connection (ECONNRESET when the client reset it), if any. */
  error?: string;
}

export function echoConnection(socket: Socket): Promise<EchoOutcome> {
  return new Promise((resolve) => {
    const upper = new StreamUppercaser();
    const outcome: EchoOutcome = { bytesIn: 0, bytesOut: 0 };
    const send = (buf: Buffer): boolean => {
      outcome.bytesOut += buf.length;
      return buf.length === 0 || socket.write(buf);
    };
    socket.on('data', (chunk: Buffer) => {
      outcome.bytesIn += chunk.length;
      // Backpressure: a client that sends without reading must not make the server buffer
      // without bound; stop reading until the echo has drained.
      if (!send(upper.push(chunk))) socket.pause();
    });
    socket.on('drain', () => socket.resume());
    // The client half-closed: finish the echo, then close our side too.
    socket.on('end', () => socket.end(upper.end()));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      outcome.error = err.code ?? err.message;
    });
    socket.on('close', () => resolve(outcome));
    socket.resume();
  });
}
