import { connect, type Socket } from 'node:net';
import { describeSocketError } from '../common/program-errors.ts';
import { formatEndpoint } from './resolve-host.ts';

/** Connects within `timeoutMs`; rejects with an SocklabError that says what to do. */
export function connectTcp(address: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port, allowHalfOpen: true, noDelay: true });
    const where = `TCP server ${formatEndpoint(address, port)}`;
    const timer = setTimeout(() => {
      socket.destroy();
      const err = Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' });
      reject(describeSocketError(err, where));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(describeSocketError(err, where));
    });
  });
}
