// A lab's life on a real engine: down leaves nothing of it behind, and Ctrl-C while `socklab up`
// is still bringing it up removes what was already started.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { engine } from '../../src/lab/docker/docker-engine.ts';
import { startLab } from '../../src/lab/start-lab.ts';
import { ROOT, spawnCollecting } from '../support/programs.ts';

/** Everything Compose made for a project: containers (stopped ones too) and networks. */
async function resources(project: string): Promise<{ containers: string[]; networks: string[] }> {
  const label = [`com.docker.compose.project=${project}`];
  const [containers, networks] = await Promise.all([
    engine().listContainers({ all: true, filters: { label } }),
    engine().listNetworks({ filters: { label } }),
  ]);
  return {
    containers: containers.map((c) => c.Names[0]!.replace(/^\//, '')).sort(),
    networks: networks.map((n) => n.Name).sort(),
  };
}

describe('lifecycle', () => {
  it('down removes the three containers and the two networks', async () => {
    const lab = await startLab({});
    const alive = await resources(lab.project);
    expect(alive.containers).toHaveLength(3);
    expect(alive.networks).toHaveLength(2);
    await lab.down();
    expect(await resources(lab.project)).toEqual({ containers: [], networks: [] });
  });

  // A terminal's Ctrl-C reaches the whole foreground group, Compose's process included.
  it.each([
    ['socklab alone', false],
    ['the process group, as a terminal does', true],
  ])('Ctrl-C during `socklab up` (to %s) removes what was started, and exits 130', async (_, group) => {
    const project = `socklab-int-${process.pid}-${group ? 'g' : 'p'}`;
    const { child, stderr, exited } = spawnCollecting(
      process.execPath,
      [`${ROOT}src/cli/socklab.ts`, 'up', '--project', project],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: group },
    );
    try {
      // Interrupt as soon as the first container exists: the lab is half made.
      await vi.waitUntil(
        async () => {
          expect(child.exitCode, `socklab up exited early: ${stderr()}`).toBeNull();
          return (await resources(project)).containers.length > 0;
        },
        { timeout: 60_000, interval: 50, message: `no container of ${project} appeared` },
      );
      if (group) process.kill(-child.pid!, 'SIGINT');
      else child.kill('SIGINT');
      const r = await exited;
      expect(r.stderr).toContain(`socklab: interrupted; removing ${project}`);
      expect(r.code).toBe(130);
      expect(r.stdout).not.toContain('is up');
      // What compose was still creating when the signal came must be gone too.
      await sleep(3000);
      expect(await resources(project)).toEqual({ containers: [], networks: [] });
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      const left = await resources(project);
      await Promise.all(left.containers.map((c) => engine().getContainer(c).remove({ force: true })));
      await Promise.all(
        left.networks.map((n) =>
          engine()
            .getNetwork(n)
            .remove()
            .catch(() => {}),
        ),
      );
    }
  });
});
