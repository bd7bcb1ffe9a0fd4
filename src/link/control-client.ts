// Talks to linkd's control socket: one request, one reply.
import { connect } from 'node:net';
import { AppError } from '../apps/app-error.ts';
import { LineFramer } from '../apps/line-framer.ts';
import type { ControlReply, ControlRequest } from './control-protocol.ts';

export function controlRequest(path: string, req: ControlRequest, timeoutMs = 10_000): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    const framer = new LineFramer();
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new AppError('ETIMEDOUT', `linkd did not answer on ${path} within ${timeoutMs} ms`, 1));
    }, timeoutMs);
    sock.on('connect', () => sock.write(`${JSON.stringify(req)}\n`));
    sock.on('data', (chunk: Buffer) => {
      const line = framer.push(chunk)[0];
      if (!line) return;
      clearTimeout(timer);
      sock.end();
      resolve(JSON.parse(line.toString('utf8')) as ControlReply);
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new AppError(
          'ECONTROL',
          `cannot reach linkd's control socket ${path} (${err.code}): is linkd running with --control ${path}? pass --control with its path`,
          1,
        ),
      );
    });
  });
}
