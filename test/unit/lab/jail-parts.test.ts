// The parts of a jail that are pure: which cgroups this machine offers, the shell that applies a
// budget to them and what the report says of each part, and the first process's private mounts.
import { describe, expect, it } from 'vitest';
import { budgetReport, cgroupPlan, parseProbe } from '../../../src/lab/netns/cgroup-budget.ts';
import { jailInitScript } from '../../../src/lab/netns/namespace-jail.ts';

const budget = {
  memoryBytes: 1024 ** 3,
  processes: 96,
  cpus: 1,
  diskBytes: 256 * 1024 ** 2,
  tmpBytes: 64 * 1024 ** 2,
};

describe('a jail’s budget as cgroups', () => {
  it('finds cgroup v2 where its controllers are, else the v1 hierarchies', () => {
    expect(parseProbe('v2 /sys/fs/cgroup\n')).toEqual({
      v2: '/sys/fs/cgroup',
      v1: { memory: null, pids: null, cpu: null },
    });
    expect(parseProbe('v1 memory /sys/fs/cgroup/memory\nv1 pids /sys/fs/cgroup/pids\n')).toEqual({
      v2: null,
      v1: { memory: '/sys/fs/cgroup/memory', pids: '/sys/fs/cgroup/pids', cpu: null },
    });
  });

  it('v2: memory.max with no swap, pids.max, cpu.max, joined through cgroup.procs, killed with cgroup.kill', () => {
    const p = cgroupPlan(
      { v2: '/sys/fs/cgroup', v1: { memory: null, pids: null, cpu: null } },
      'lab-s-20001',
      budget,
    );
    expect(p.setup).toContain("echo 1073741824 > '/sys/fs/cgroup/socklab/lab-s-20001/memory.max'");
    expect(p.setup).toContain("echo 0 > '/sys/fs/cgroup/socklab/lab-s-20001/memory.swap.max'");
    expect(p.setup).toContain("echo 96 > '/sys/fs/cgroup/socklab/lab-s-20001/pids.max'");
    expect(p.setup).toContain("echo '100000 100000' > '/sys/fs/cgroup/socklab/lab-s-20001/cpu.max'");
    expect(p.join).toBe("echo $$ > '/sys/fs/cgroup/socklab/lab-s-20001/cgroup.procs' 2>/dev/null; ");
    expect(p.remove).toContain("echo 1 > '/sys/fs/cgroup/socklab/lab-s-20001/cgroup.kill'");
  });

  it('says which parts it applied, and of the others why not', () => {
    const layout = { v2: null, v1: { memory: '/sys/fs/cgroup/memory', pids: null, cpu: null } };
    const r = budgetReport('ok memory\nno processes\nno cpu\n', layout, budget);
    expect(r.applied).toEqual(['memory 1 GiB in all (tmpfs included) (cgroup v1)']);
    expect(r.notApplied).toEqual([
      '96 processes and threads: this machine has no cgroup pids controller',
      '1 CPU: this machine has no cgroup cpu controller',
    ]);
    expect(cgroupPlan(layout, 'x', budget).setup).toMatch(/echo no processes[\s\S]*echo no cpu/);
  });

  it('gives the first process private /tmp, /var/tmp, /dev/shm, /run/lock and a home of the disk budget', () => {
    const s = jailInitScript('/run/x/jail-20001', budget);
    for (const dir of ['/tmp', '/var/tmp', '/dev/shm', '/run/lock'])
      expect(s).toContain(`mount -t tmpfs -o size=${64 * 1024 ** 2},mode=1777,nosuid,nodev tmpfs ${dir}`);
    expect(s).toContain(
      `mount -t tmpfs -o size=${256 * 1024 ** 2},mode=0700,nosuid,nodev tmpfs '/run/x/jail-20001'`,
    );
    expect(s.trim().endsWith('exec sleep infinity')).toBe(true);
  });
});
