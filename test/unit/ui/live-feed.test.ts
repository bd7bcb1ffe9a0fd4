// The live view's feed (socklab ui, watch) against a real linkd process: it reads the link's
// record by number, and a reset starts the numbers again from 1.
import { createSocket, type Socket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { LinkControl, unixTransport } from '../../../src/link/control/control-client.ts';
import { vxlanUdpFrame } from '../../../src/link/relay/frame-builder.ts';
import { LiveFeed } from '../../../src/ui/live-feed.ts';
import { ROOT, start } from '../../support/programs.ts';

const bound = async (): Promise<Socket> => {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return s;
};

describe('the live feed', () => {
  it('after a reset shows the new frames from the first, though their numbers passed its place before it polled', async () => {
    const [client, server] = [await bound(), await bound()];
    const control = join(tmpdir(), `socklab-feed-${process.pid}.sock`);
    await using linkd = await start(
      process.execPath,
      [
        `${ROOT}src/link/linkd.ts`,
        ...['--peer', `127.0.0.1:${client.address().port}`, '--peer', `127.0.0.1:${server.address().port}`],
        ...['--listen', '127.0.0.1:0', '--control', control],
      ],
      /linkd: relaying VXLAN on 127\.0\.0\.1:(\d+)/,
    );
    const link = new LinkControl(unixTransport(control));
    // Sends probes up and waits until the record holds `last` frames.
    const sendUp = async (from: number, count: number, last: number): Promise<void> => {
      for (let seq = from; seq < from + count; seq++)
        client.send(vxlanUdpFrame({ payload: Buffer.from(`${seq}:probe`) }), linkd.port, '127.0.0.1');
      const recorded = async () => (await link.call({ cmd: 'record', since: 0, limit: 1 })).last;
      await vi.waitUntil(async () => (await recorded()) === last, { timeout: 10_000 });
    };
    const feed = new LiveFeed({ project: 'feed', backend: 'netns', control: link });

    await sendUp(0, 10, 10);
    expect((await feed.snapshot()).frames.map((f) => f.seq)).toEqual([...Array(10).keys()]);
    // Reset, then more frames than the feed had seen, all before it polls again.
    await link.call({ cmd: 'reset' });
    await sendUp(100, 30, 30);
    const after = await feed.snapshot();
    expect(after.frames.map((f) => f.seq)).toEqual(Array.from({ length: 30 }, (_, i) => 100 + i));
    expect(after.skipped).toBe(0);
    client.close();
    server.close();
  });
});
