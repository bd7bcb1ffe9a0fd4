// Reading linkd's record across a reset, against a real linkd process: readers keep their place
// by record number, and a reset starts the numbers again from 1.
import { createSocket, type Socket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { recordReplay } from '../../../src/lab/replay-io.ts';
import { LinkControl, unixTransport } from '../../../src/link/control/control-client.ts';
import { vxlanUdpFrame } from '../../../src/link/relay/frame-builder.ts';
import { LiveFeed } from '../../../src/ui/live-feed.ts';
import { ROOT, type Running, start } from '../../support/programs.ts';

const bound = async (): Promise<Socket> => {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return s;
};

describe("linkd's record across a reset", () => {
  let client: Socket;
  let server: Socket;
  let linkd: Running;
  const controlPath = join(tmpdir(), `socklab-resets-${process.pid}.sock`);
  const link = new LinkControl(unixTransport(controlPath));
  const recorded = async (): Promise<number> => (await link.call({ cmd: 'record', since: 0, limit: 1 })).last;
  // Sends probes up, a few hundred at a time so that no socket overflows, until the record holds `last`.
  const sendUp = async (from: number, count: number, last: number): Promise<void> => {
    for (let seq = from; seq < from + count; ) {
      const before = await recorded();
      const n = Math.min(500, from + count - seq);
      for (let i = 0; i < n; i++, seq++)
        client.send(vxlanUdpFrame({ payload: Buffer.from(`${seq}:probe`) }), linkd.port, '127.0.0.1');
      await vi.waitUntil(async () => (await recorded()) === before + n, { timeout: 10_000 });
    }
    expect(await recorded()).toBe(last);
  };

  beforeAll(async () => {
    [client, server] = [await bound(), await bound()];
    linkd = await start(
      process.execPath,
      [
        `${ROOT}src/link/linkd.ts`,
        ...['--peer', `127.0.0.1:${client.address().port}`, '--peer', `127.0.0.1:${server.address().port}`],
        ...['--listen', '127.0.0.1:0', '--control', controlPath],
      ],
      /linkd: relaying VXLAN on 127\.0\.0\.1:(\d+)/,
    );
  });
  afterAll(async () => {
    await linkd?.stop();
    client?.close();
    server?.close();
  });

  it('the live feed shows the new frames from the first, though their numbers passed its place before it polled', async () => {
    await link.call({ cmd: 'reset' });
    const feed = new LiveFeed({ project: 'feed', backend: 'netns', control: link });
    await sendUp(0, 10, 10);
    expect((await feed.snapshot()).frames.map((f) => f.seq)).toEqual([...Array(10).keys()]);
    // Reset, then more frames than the feed had seen, all before it polls again.
    await link.call({ cmd: 'reset' });
    await sendUp(100, 30, 30);
    const after = await feed.snapshot();
    expect(after.frames.map((f) => f.seq)).toEqual(Array.from({ length: 30 }, (_, i) => 100 + i));
    expect(after.skipped).toBe(0);
  });

  it('a record read in pages (a replay file) that a reset cut in two is refused in one line, not mixed', async () => {
    await link.call({ cmd: 'reset' });
    // One page holds 20,000 records: this record takes two.
    await sendUp(0, 20_100, 20_100);
    expect((await recordReplay(link)).frames).toBe(20_100);
    // The same read with a reset right after its first page.
    let cut = false;
    const resetAfterFirstPage = new LinkControl(async (line) => {
      const reply = await unixTransport(controlPath)(line);
      if (!cut && (JSON.parse(line) as { cmd: string }).cmd === 'record') {
        cut = true;
        await link.call({ cmd: 'reset' });
        await sendUp(0, 20_050, 20_050);
      }
      return reply;
    });
    await expect(recordReplay(resetAfterFirstPage)).rejects.toThrow(
      /^the link was reset while its record was read \(its numbers began again, so the pages would mix two runs\); read it again/,
    );
  });
});
