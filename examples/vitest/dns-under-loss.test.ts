// Your own DNS server under 30% loss: queries from this machine enter the lab at the client end
// (`expose`, UDP), a client that retries on a 1 s timeout, and the link's record: every retry is a
// query or an answer the link dropped, number by number.
import { createSocket } from 'node:dgram';
import { startLab } from 'socklab';
import { expect, it } from 'vitest';

const IMAGE = process.env.DNS_IMAGE ?? 'my-dns-server:latest';

/** A DNS query for `name` (type A), with its id. */
function query(id: number, name: string): Buffer {
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  return Buffer.concat([
    Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
    ...labels,
    Buffer.from([0, 0, 1, 0, 1]),
  ]);
}

it('answers every name through 30% loss; the client retries exactly what the link dropped', async () => {
  await using lab = await startLab({
    server: { image: IMAGE, ready: { port: 53, proto: 'udp' } },
    impair: 'loss 30%',
    seed: 11,
  });
  const dns = await lab.expose(53, 'udp');
  await lab.resetLink();
  const sock = createSocket('udp4');
  let retries = 0;
  for (let id = 1; id <= 40; id++) {
    for (;;) {
      sock.send(query(id, 'app.lab.test'), dns.port, dns.host);
      const answer = await new Promise<Buffer | null>((resolve) => {
        const done = (m: Buffer | null): void => {
          clearTimeout(timer);
          sock.off('message', got);
          resolve(m);
        };
        const got = (m: Buffer): void => {
          if (m.readUInt16BE(0) === id) done(m);
        };
        const timer = setTimeout(() => done(null), 1000);
        sock.on('message', got);
      });
      if (answer) {
        expect([...answer.subarray(-4)].join('.')).toBe('198.19.0.2');
        break;
      }
      retries++;
    }
  }
  sock.close();
  const dropped = (await lab.linkRecord()).filter(
    (r) => r.proto === 'udp' && (r.dport === 53 || r.sport === 53) && r.fate !== 'forwarded',
  );
  expect(retries).toBe(dropped.length);
  expect(retries).toBeGreaterThan(0);
}, 300_000);
