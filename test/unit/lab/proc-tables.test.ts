// The /proc readings a namespace jail answers "still running?" and "listening yet?" with, read from
// this process's own sockets and status: a real UDP socket and TCP listener, not sample text.
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { euidOf, nsPids, stateOf, tableListens } from '../../../src/lab/netns/proc-inspector.ts';

const table = (name: string): string => readFileSync(`/proc/self/net/${name}`, 'utf8');

describe('the /proc tables a jail is read from', () => {
  it('finds a bound UDP socket and a listening TCP one by port, and not a connected one', async () => {
    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    const uport = udp.address().port;
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const tport = (server.address() as { port: number }).port;
    const client = connect(tport, '127.0.0.1');
    await new Promise<void>((r) => client.on('connect', r));
    try {
      expect(tableListens(table('udp'), 'udp', uport)).toBe(true);
      expect(tableListens(table('tcp'), 'tcp', tport)).toBe(true);
      // The client's own port is an established connection, not a listener.
      expect(tableListens(table('tcp'), 'tcp', client.localPort!)).toBe(false);
      expect(tableListens(table('tcp'), 'tcp', uport)).toBe(false);
      udp.connect(tport, '127.0.0.1');
      await new Promise((r) => udp.once('connect', r));
      // Connected, a UDP socket is no longer what `ss -lu` lists.
      expect(tableListens(table('udp'), 'udp', uport)).toBe(false);
    } finally {
      client.destroy();
      server.close();
      udp.close();
    }
  });

  it('reads a process state and its pids from its status', () => {
    const self = readFileSync('/proc/self/status', 'utf8');
    expect(stateOf(self)).toBe('R');
    expect(nsPids(self).at(0)).toBe(Number(/^Pid:\s+(\d+)/m.exec(self)![1]));
    expect(stateOf('Name:\tpython3\nState:\tZ (zombie)\n')).toBe('Z');
    expect(nsPids('NSpid:\t412\t22\n')).toEqual([412, 22]);
    expect(stateOf('')).toBeNull();
    expect(euidOf(self)).toBe(process.geteuid!());
    expect(euidOf('Uid:\t1000\t54321\t54321\t54321\n')).toBe(54321);
  });
});
