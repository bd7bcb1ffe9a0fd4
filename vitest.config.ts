import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          // Pure: no root, no namespace, no engine; programs on loopback at most.
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          // Labs of network namespaces on this machine (root): the netns backend, grading, the live page.
          name: 'netns',
          include: ['test/netns/**/*.test.ts'],
          // A limit only so that a hang fails instead of stalling the run, not a speed check: the
          // CLI scenarios take 12–21 s alone and passed 30 s once when the machine was shared.
          testTimeout: 90_000,
          hookTimeout: 90_000,
          // Its long files mostly wait (on timeouts, held connections, the link's delays): three at
          // once take a third of the time (12 → 4.3 min) for about a quarter of two cores; each
          // file's duration is the same as alone. After the unit project, by itself.
          maxWorkers: 3,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          // One lab at a time: the machines have two cores. After the netns project, not beside it.
          fileParallelism: false,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
      // The netem engine against a real sch_netem: only inside the VM of scripts/netem-vm.sh
      // (`npm run test:netem` sets SOCKLAB_NETEM_VM), where the kernel has it; elsewhere its
      // tests would fail, as they must rather than skip.
      ...(process.env.SOCKLAB_NETEM_VM === '1'
        ? [
            {
              test: {
                name: 'netem',
                include: ['test/netem/**/*.test.ts'],
                testTimeout: 120_000,
                hookTimeout: 180_000,
                maxWorkers: 1,
                sequence: { groupOrder: 3 },
              },
            },
          ]
        : []),
    ],
  },
});
