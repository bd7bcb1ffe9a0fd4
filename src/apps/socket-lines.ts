// Reads newline-framed replies from a TCP socket one at a time, with a timeout, and tells apart
// the ways a wait can end: a line, the server closing (with any unframed rest), an error, or time.
import type { Socket } from 'node:net';
import { deadline } from '../common/deadline.ts';
import { LineFramer } from '../common/line-framer.ts';

export type LineResult =
  | { kind: 'line'; data: Buffer }
  | { kind: 'end'; rest: Buffer }
  | { kind: 'error'; code: string }
  | { kind: 'timeout' };

export class SocketLines {
  readonly #framer = new LineFramer();
  readonly #lines: Buffer[] = [];
  #ended: LineResult | null = null;
  #wake: (() => void) | null = null;
  bytes = 0;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.bytes += chunk.length;
      this.#lines.push(...this.#framer.push(chunk));
      this.#wake?.();
    });
    socket.on('end', () => {
      this.#ended ??= { kind: 'end', rest: this.#framer.rest() };
      this.#wake?.();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.#ended ??= { kind: 'error', code: err.code ?? err.message };
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#ended ??= { kind: 'end', rest: this.#framer.rest() };
      this.#wake?.();
    });
  }

  next(timeoutMs: number): Promise<LineResult> {
    const ready = (): LineResult | null => {
      const line = this.#lines.shift();
      return line ? { kind: 'line', data: line } : this.#ended;
    };
    const now = ready();
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => {
      const timer = deadline(timeoutMs, () => {
        this.#wake = null;
        resolve({ kind: 'timeout' });
      });
      this.#wake = () => {
        const r = ready();
        if (!r) return;
        timer.cancel();
        this.#wake = null;
        resolve(r);
      };
    });
  }
}
