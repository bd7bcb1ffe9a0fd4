// The socklab CLI against a real engine: up, status, impair, run, down, as a user types them.
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { execIn, labProjects, serviceContainers } from '../../src/lab/docker/docker-engine.ts';
import { attachLab } from '../../src/lab/start-lab.ts';
import { ROOT, run } from '../support/programs.ts';

const socklab = (args: string[]) =>
  run(process.execPath, [`${ROOT}src/cli/socklab.ts`, ...args], '', 300_000);

/** Enhanced packet blocks (one per frame) in a little-endian pcapng file. */
function packetBlocks(pcapng: Buffer): number {
  expect(pcapng.readUInt32LE(0)).toBe(0x0a0d0d0a);
  let n = 0;
  for (let at = 0; at + 8 <= pcapng.length; at += pcapng.readUInt32LE(at + 4)) {
    if (pcapng.readUInt32LE(at) === 6) n++;
  }
  return n;
}

describe('socklab CLI', () => {
  it('up, status, impair, run, down', async () => {
    const project = `socklab-cli-${process.pid}`;
    const up = await socklab(['up', '--project', project, '--impair', 'delay 30ms', '--json']);
    expect(up.code, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({ project, model: { up: { delay: { ms: 30 } } } });
    try {
      const status = await socklab(['status', '--json']);
      const row = JSON.parse(status.stdout).find((s: { project: string }) => s.project === project);
      expect(row.link).toMatch(/^up: delay 30ms;/);
      expect(row.engine).toBe('relay');
      expect((await socklab(['status'])).stdout).toMatch(
        new RegExp(`^${project} \\(docker\\): engine relay; up: delay 30ms;`, 'm'),
      );
      const slow = JSON.parse(
        (await socklab(['run', 'udp', '--count', '10', '--project', project, '--json'])).stdout,
      );
      expect(slow.rttMs.min).toBeGreaterThanOrEqual(60);
      const impaired = await socklab(['impair', 'none', '--project', project]);
      expect(impaired.stdout).toBe('up: none; down: none; seed 1\n');
      const attached = await attachLab(project);
      await attached.resetLink();
      const fast = JSON.parse(
        (await socklab(['run', 'udp', '--count', '10', '--project', project, '--json'])).stdout,
      );
      expect(fast.received).toBe(10);
      // The link decided no delay for any frame since (its record; RTTs depend on the machine's load).
      const udp = (await attached.linkRecord()).filter((r) => r.proto === 'udp');
      expect(udp).toHaveLength(20);
      expect(udp.every((r) => r.delayMs === 0)).toBe(true);
      // capture while 20 echoes cross the link: 20 requests and 20 replies, each one frame.
      const pcap = join(tmpdir(), `${project}.pcapng`);
      const capturing = socklab(['capture', '--out', pcap, '--seconds', '3', '--project', project]);
      const link = (await serviceContainers(project)).get('link')!;
      // Where the lab has linkd write it: the link host's work directory.
      const inside = `${attached.link.workDir}/socklab-capture.pcap`;
      await vi.waitUntil(async () => (await execIn(link, ['test', '-f', inside])).exitCode === 0, {
        timeout: 20_000,
        interval: 100,
        message: 'the capture did not start',
      });
      await socklab(['run', 'udp', '--count', '20', '--project', project]);
      const captured = await capturing;
      expect(captured.code, captured.stderr).toBe(0);
      const frames = Number(captured.stdout.match(/^wrote .*: (\d+) frames/)?.[1]);
      expect(frames).toBeGreaterThanOrEqual(40);
      expect(packetBlocks(readFileSync(pcap))).toBe(frames);
      rmSync(pcap);
      const logs = await socklab(['logs', '--project', project, '--tail', '20']);
      expect(logs.stdout).toMatch(/^== link \(.*\)\nlinkd: relaying VXLAN/m);
      // The server's own lines: the last echoes, with the client's lab address.
      expect(logs.stdout).toMatch(/^== server \(.*\)\n(.*\n)*Received: 19:.* from 198\.19\.0\.1:\d+$/m);
      const compare = await socklab(['run', 'compare', '--count', '20', '--project', project]);
      expect(compare.code, compare.stderr).toBe(0);
      expect(compare.stdout).toMatch(/^UDP vs TCP echo; link up: none; down: none; seed 1$/m);
      expect(compare.stdout).toMatch(/^PASS {2}TCP intact and in order: all 20 messages came back/m);
    } finally {
      const down = await socklab(['down', '--project', project]);
      expect(down.stdout).toBe(`removed ${project}\n`);
    }
    const gone = await socklab(['run', 'udp', '--project', project]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(new RegExp(`^socklab: no lab named '${project}' is running`));
  });

  it('without the lab image, names the command that builds it and starts nothing', async () => {
    const project = `socklab-noimage-${process.pid}`;
    const r = await run(
      process.execPath,
      [`${ROOT}src/cli/socklab.ts`, 'up', '--project', project],
      '',
      60_000,
      { ...process.env, SOCKLAB_IMAGE: 'socklab-lab:no-such-tag' },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'socklab: the lab image socklab-lab:no-such-tag is missing; build it with: socklab images (offline: socklab images --offline)\n',
    );
    expect(await labProjects()).not.toContain(project);
  });
});
