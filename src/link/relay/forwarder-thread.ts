// The main thread's handle on one forwarding thread: starts it, asks it for a change and waits for
// its acknowledgement (so that frames sent after a `set` meet the new model), and hands over what
// it reports (captured frames, log lines).
import { Worker } from 'node:worker_threads';
import type { ForwarderConfig, FromForwarder, ToForwarder } from './relay-messages.ts';
import type { ThreadPriority } from './thread-priority.ts';

// The worker's source sits next to this module, compiled (.js) or not (.ts, run by type stripping).
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './forwarder-worker.ts' : './forwarder-worker.js',
  import.meta.url,
);

type Request = ToForwarder extends infer T ? (T extends { id: number } ? Omit<T, 'id'> : never) : never;

export interface ForwarderEvents {
  frame(m: Extract<FromForwarder, { type: 'frame' }>): void;
  log(line: string): void;
}

export class ForwarderThread {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, () => void>();
  #next = 1;
  #exited = false;
  port = 0;
  /** The priority the thread runs at (or why it could not raise it). */
  priority: ThreadPriority = { got: { nice: 0 }, refused: [] };

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /** Starts a thread and resolves once its sockets are bound; rejects with the bind error. */
  static start(config: ForwarderConfig, events: ForwarderEvents): Promise<ForwarderThread> {
    const worker = new Worker(WORKER_URL, {
      workerData: config,
      name: `linkd ${config.directions.join('+')}`,
    });
    const thread = new ForwarderThread(worker);
    return new Promise((resolve, reject) => {
      worker.on('message', (m: FromForwarder) => {
        switch (m.type) {
          case 'ready':
            thread.port = m.port;
            thread.priority = m.priority;
            resolve(thread);
            break;
          case 'failed': {
            const err = new Error(m.message) as NodeJS.ErrnoException;
            if (m.code) err.code = m.code;
            reject(err);
            void worker.terminate();
            break;
          }
          case 'ack':
            thread.#waiting.get(m.id)?.();
            thread.#waiting.delete(m.id);
            break;
          case 'log':
            events.log(m.line);
            break;
          case 'frame':
            events.frame(m);
            break;
        }
      });
      worker.on('error', (err) => {
        events.log(`linkd: forwarding thread failed: ${err.stack ?? err.message}`);
        reject(err);
      });
      worker.on('exit', () => {
        thread.#exited = true;
        // Nobody waits forever on a thread that is gone.
        for (const done of thread.#waiting.values()) done();
        thread.#waiting.clear();
        reject(new Error('the forwarding thread exited before it was ready'));
      });
    });
  }

  post(m: Extract<ToForwarder, { type: 'peers' }>): void {
    if (!this.#exited) this.#worker.postMessage(m);
  }

  /** Sends a request and resolves when the thread has applied it. */
  ask(m: Request): Promise<void> {
    if (this.#exited) return Promise.resolve();
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      this.#worker.postMessage({ ...m, id } as ToForwarder);
    });
  }

  async close(): Promise<void> {
    await this.ask({ type: 'close' });
    await this.#worker.terminate();
  }
}
