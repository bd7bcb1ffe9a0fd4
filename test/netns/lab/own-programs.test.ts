// The netns backend with users' own programs at the ends: a program on this machine started in
// the server host's namespace (python's http.server, a UDP echo of a few lines), reached from this
// process through `expose` and the impaired link; several UDP peers apart; bad input in one line,
// nothing left behind.
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { exposePort } from '../../../src/lab/expose.ts';
import { netnsUnavailable } from '../../../src/lab/netns/netns-lab.ts';
import { startLab } from '../../../src/lab/start-lab.ts';
import { withDirectAddress } from '../../support/direct-address-host.ts';

const unavailable = await netnsUnavailable();
const namespaces = (): string => execFileSync('ip', ['netns', 'list']).toString();

const UDP_ECHO = `import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('', 9999))
print('echoing', flush=True)
while True:
    m, a = s.recvfrom(2048)
    s.sendto(m.upper(), a)
`;

/** One datagram from a socket of its own, and the reply it gets (or null after 2 s). */
async function ask(port: number, text: string): Promise<string | null> {
  const s = createSocket('udp4');
  try {
    return await new Promise((resolve) => {
      const t = setTimeout(() => resolve(null), 2000);
      s.on('message', (m) => {
        clearTimeout(t);
        resolve(m.toString());
      });
      s.send(text, port, '127.0.0.1');
    });
  } finally {
    s.close();
  }
}

describe.skipIf(unavailable !== null)(
  `your own program at an end, netns backend${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    it('serves its files to this process through the link (TCP), and its output is the server’s log', async () => {
      await using lab = await startLab({
        backend: 'netns',
        impair: 'delay 5ms loss 10%',
        server: {
          command: ['python3', '-m', 'http.server', '8000'],
          files: { 'index.html': 'hello from my own server\n' },
          ready: { port: 8000 },
        },
      });
      const web = await lab.expose(8000);
      for (let i = 0; i < 5; i++)
        expect(await (await fetch(`http://${web.host}:${web.port}/index.html`)).text()).toBe(
          'hello from my own server\n',
        );
      expect(await lab.server.logs(20)).toMatch(/"GET \/index.html HTTP\/1.1" 200/);
      // It crossed the link: linkd counted TCP up to the server.
      expect((await lab.linkStats()).up.byProtocol.tcp.received).toBeGreaterThan(10);
    }, 120_000);

    it('UDP: a lab-side socket per peer on this machine, each reply to its own sender', async () => {
      await using lab = await startLab({
        backend: 'netns',
        server: { command: ['python3', '-c', UDP_ECHO], ready: { port: 9999, proto: 'udp', log: 'echoing' } },
      });
      const udp = await lab.expose(9999, 'udp');
      const replies = await Promise.all(['one', 'two', 'three'].map((w) => ask(udp.port, `peer ${w}`)));
      expect(replies).toEqual(['PEER ONE', 'PEER TWO', 'PEER THREE']);
      expect(udp.channels).toBe(3);
      // socklab's own echo servers left the server end to it.
      expect((await lab.server.exec(['ss', '-Hlun', 'sport = :12000'])).stdout.trim()).toBe('');
    }, 120_000);

    it('expose where the host’s direct address cannot be reached from here: the frames stay on the stream', async () => {
      await using lab = await startLab({
        backend: 'netns',
        server: { command: ['python3', '-c', UDP_ECHO], ready: { port: 9999, proto: 'udp', log: 'echoing' } },
      });
      // The client host as an engine whose containers this machine cannot reach would have it:
      // the relay listens on 127.0.0.1 inside the client's namespace, so a connection from here
      // is refused (or meets someone else, who does not answer the token).
      const udp = await exposePort(withDirectAddress(lab.client, '127.0.0.1'), 9999, 'udp');
      try {
        expect(udp.tunnel).toBe('stream');
        expect(await ask(udp.port, 'still here')).toBe('STILL HERE');
      } finally {
        await udp.close();
      }
      // Where the host has no direct address (namespaces), the stream is the way.
      const plain = await lab.expose(9999, 'udp');
      expect(plain.tunnel).toBe('stream');
    }, 120_000);

    it('an image on this backend, and a program that ends before it is ready: one line each, nothing left', async () => {
      await expect(startLab({ backend: 'netns', server: { image: 'nginx' } })).rejects.toThrow(
        /^server: the netns backend runs no images: give command .* or use the Docker backend/,
      );
      const project = `socklab-own-${process.pid}`;
      await expect(
        startLab({
          backend: 'netns',
          project,
          server: { command: 'echo no config; exit 4', ready: { port: 80 } },
        }),
      ).rejects.toThrow(
        /the command 'sh -c echo no config; exit 4' at the server end exited \(code 4\) before it was ready; its last output:\n {2}\| no config/,
      );
      expect(namespaces()).not.toContain(project);
    }, 120_000);
  },
);
