// The checker's clients for one check from one process on the client host: socket-script --serve
// runs each script a verdict sends and answers it on a line of its own. A check runs five or so
// scripts; each used to be a new Node process, about a second of start-up apiece under the vm
// backend's emulated CPU (0.1 s on a namespace lab). The worker starts with the check, while the
// program is deployed, so even the first script finds it ready.
//
// Where it cannot start (an image whose socket-script has no --serve, say), scripts run one
// process each as before, and that path says what is wrong (a stale image names its fix).
import {
  SCRIPT_SCHEMA,
  type ScriptLine,
  type ScriptReply,
  type ScriptRequest,
  type ScriptResult,
  PROGRAM as SOCKET_SCRIPT,
} from '../apps/socket-script.ts';
import { SocklabError } from '../common/errors.ts';
import { appOn, type HostStream, type LabHost } from '../lab/lab-host.ts';
import { runProgram } from '../lab/run-program.ts';

/** How long the worker may take to say it is ready: a Node start under TCG on a loaded machine. */
const READY_MS = 30_000;

interface Pending {
  resolve: (r: ScriptResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

interface Worker {
  stream: HostStream;
  pending: Map<number, Pending>;
  ended: boolean;
}

export class ScriptWorker implements AsyncDisposable {
  readonly #host: LabHost;
  /** The worker being started or running; null before the first start or after it ended. */
  #worker: Promise<Worker | null> | null = null;
  /** It could not start: scripts run one process each from now on. */
  #oneShot = false;
  #nextId = 1;

  constructor(host: LabHost) {
    this.#host = host;
  }

  /** Starts the worker now (its start-up overlaps what the check does meanwhile). */
  start(): void {
    this.#worker ??= this.#open();
  }

  async run(request: ScriptRequest, timeoutMs: number): Promise<ScriptResult> {
    if (!this.#oneShot) this.start();
    const worker = this.#oneShot ? null : await this.#worker;
    if (!worker)
      return runProgram(this.#host, SOCKET_SCRIPT, {}, { stdin: JSON.stringify(request), timeoutMs });
    const id = this.#nextId++;
    return new Promise<ScriptResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Its sockets may still be busy: the process goes, and the next script gets a new one.
        this.#end(
          worker,
          `socket-script on the ${this.#host.name} host gave no result within ${Math.round(timeoutMs / 1000)} s`,
        );
      }, timeoutMs);
      worker.pending.set(id, { resolve, reject, timer });
      const line: ScriptLine = { id, request };
      worker.stream.input.write(`${JSON.stringify(line)}\n`);
    });
  }

  async #open(): Promise<Worker | null> {
    const stream = await this.#host
      .openStream(['node', appOn(this.#host, SOCKET_SCRIPT.name), ...SOCKET_SCRIPT.argv({ serve: true })])
      .catch(() => null);
    if (!stream) return this.#giveUp(null);
    const worker: Worker = { stream, pending: new Map(), ended: false };
    let ready!: (ok: boolean) => void;
    const isReady = new Promise<boolean>((r) => {
      ready = r;
    });
    const readyTimer = setTimeout(() => ready(false), READY_MS);
    let buffered = '';
    stream.output.on('data', (d: Buffer) => {
      buffered += d.toString();
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const text = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let reply: ScriptReply;
        try {
          reply = JSON.parse(text) as ScriptReply;
        } catch {
          continue; // not one of its replies (a warning of Node's, say)
        }
        if ('ready' in reply) ready(reply.schema === SCRIPT_SCHEMA);
        else this.#answer(worker, reply);
      }
    });
    void stream.ended.then(() => {
      ready(false);
      this.#end(worker, `socket-script on the ${this.#host.name} host ended before it answered`);
    });
    const ok = await isReady;
    clearTimeout(readyTimer);
    return ok ? worker : this.#giveUp(worker);
  }

  #answer(worker: Worker, reply: Extract<ScriptReply, { id: number }>): void {
    const p = worker.pending.get(reply.id);
    if (!p) return;
    worker.pending.delete(reply.id);
    clearTimeout(p.timer);
    if ('result' in reply) p.resolve(reply.result);
    else
      p.reject(
        new SocklabError('program.failed', `socket-script on the ${this.#host.name} host: ${reply.error}`),
      );
  }

  /** The worker is gone: what waited on it fails, and the next script starts another. */
  #end(worker: Worker, why: string): void {
    if (worker.ended) return;
    worker.ended = true;
    worker.stream.close();
    for (const p of worker.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new SocklabError('program.failed', why));
    }
    worker.pending.clear();
    this.#worker = null;
  }

  #giveUp(worker: Worker | null): null {
    if (worker) this.#end(worker, 'socket-script --serve did not start');
    this.#oneShot = true;
    return null;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const worker = await this.#worker?.catch(() => null);
    if (worker) this.#end(worker, 'the check ended');
  }
}
