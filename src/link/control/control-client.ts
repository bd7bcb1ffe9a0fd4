// Talks to linkd's control socket: one typed request, one typed result. The transport carries one
// JSON line each way: a unix socket here (linkctl, a lab of namespaces on this machine), or an
// exec into the link's container (the Docker backend, see src/lab/link-control.ts).
import { connect } from 'node:net';
import { isErrorCode, SocklabError } from '../../common/errors.ts';
import { LineFramer } from '../../common/line-framer.ts';
import type {
  ControlCommand,
  ControlReply,
  ControlRequest,
  RequestOf,
  ResultOf,
} from './control-protocol.ts';

/** Sends one request line and resolves with the one reply line (without its newline). */
export type ControlTransport = (requestLine: string) => Promise<string>;

export function unixTransport(path: string, timeoutMs = 10_000): ControlTransport {
  return (line) =>
    new Promise((resolve, reject) => {
      const sock = connect(path);
      const framer = new LineFramer();
      const timer = setTimeout(() => {
        sock.destroy();
        reject(
          new SocklabError('link.control-timeout', `linkd did not answer on ${path} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      sock.on('connect', () => sock.write(`${line}\n`));
      sock.on('data', (chunk: Buffer) => {
        const reply = framer.push(chunk)[0];
        if (!reply) return;
        clearTimeout(timer);
        sock.end();
        // The reply without its newline: a transport hands out lines, and `linkctl raw` adds one
        // newline to each. With this one kept, every reply there was followed by an empty line,
        // which the Docker session took as the answer to a request sent meanwhile (the live view
        // asks for show and stats at once).
        resolve(reply.subarray(0, reply.length - 1).toString('utf8'));
      });
      sock.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          new SocklabError(
            'link.control-unreachable',
            `cannot reach linkd's control socket ${path} (${err.code}): is linkd running with --control ${path}? pass --control with its path`,
          ),
        );
      });
    });
}

/** The raw reply to one request over the unix socket (ok or not): what linkctl prints. */
export async function controlRequest(
  path: string,
  req: ControlRequest,
  timeoutMs = 10_000,
): Promise<ControlReply> {
  return JSON.parse(await unixTransport(path, timeoutMs)(JSON.stringify(req))) as ControlReply;
}

/** linkd's control, typed: each call returns its command's result or throws linkd's error. */
export class LinkControl {
  readonly #transport: ControlTransport;

  constructor(transport: ControlTransport) {
    this.#transport = transport;
  }

  async call<C extends ControlCommand>(req: RequestOf<C>): Promise<ResultOf<C>> {
    const text = await this.#transport(JSON.stringify(req));
    let reply: ControlReply<C>;
    try {
      reply = JSON.parse(text) as ControlReply<C>;
    } catch {
      throw new SocklabError(
        'link.bad-reply',
        `linkd answered ${req.cmd} with something that is not JSON: ${text.slice(0, 200)}`,
      );
    }
    if (!reply.ok) throw new SocklabError(isErrorCode(reply.code) ? reply.code : 'link.refused', reply.error);
    const { ok: _ok, ...result } = reply;
    return result as unknown as ResultOf<C>;
  }
}
