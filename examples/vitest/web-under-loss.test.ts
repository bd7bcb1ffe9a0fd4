// Your own web server under 20% loss, from your own vitest suite: socklab puts your image at the
// server end of an impaired link, and `expose` lets this test reach it through that link.

import { startLab } from 'socklab';
import { expect, it } from 'vitest';

const IMAGE = process.env.WEB_IMAGE ?? 'my-web-app:latest';

it('answers every request, intact, through 20% loss each way', async () => {
  await using lab = await startLab({
    server: { image: IMAGE, ready: { port: 80 } },
    impair: 'loss 20%',
    seed: 7,
  });
  const web = await lab.expose(80, 'tcp');
  const want = await (await fetch(`http://${web.host}:${web.port}/`)).text();
  for (let i = 0; i < 10; i++)
    expect(await (await fetch(`http://${web.host}:${web.port}/`)).text()).toBe(want);
  // TCP paid for it: the server's kernel retransmitted what the link lost.
  expect((await lab.counters('server'))['Tcp.RetransSegs']).toBeGreaterThan(0);
}, 180_000);
