import { connect, type Socket } from 'node:net';
import { deadline } from '../common/deadline.ts';
import { describeSocketError } from '../common/program-errors.ts';
import { formatEndpoint } from './resolve-host.ts';

/** Connects within `timeoutMs`; rejects with an SocklabError that says what to do. */
export function connectTcp(address: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port, allowHalfOpen: true, noDelay: true });
    const where = `TCP server ${formatEndpoint(address, port)}`;
    const timer = deadline(timeoutMs, () => {
      socket.destroy();
      const err = Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' });
      reject(describeSocketError(err, where));
    });
    socket.once('connect', () => {
      timer.cancel();
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err) => {
      timer.cancel();
      reject(describeSocketError(err, where));
    });
  });
}
