// The Docker backend's jail: a container of its own in the network namespace of the end host (see
// startJailContainer). Its home and /tmp, /var/tmp, /run/lock are tmpfs of the budget's sizes and
// its /dev/shm is sized too; the engine's cgroup holds its memory (tmpfs included), processes and
// CPU; removing the container ends every process in it, however it forked.
import {
  budgetParts,
  copyOutThroughExec,
  copyThroughExec,
  type Jail,
  type JailSpec,
  programProcesses,
} from '../jail.ts';
import { execIn, removeContainer, startJailContainer } from './docker-engine.ts';

export interface JailOf {
  name: string;
  labAddress: string | null;
  container: string;
  project: string;
  program(name: string): string;
}

export async function openContainerJail(host: JailOf, spec: JailSpec): Promise<Jail> {
  const b = spec.budget;
  const home = `/opt/jail/${spec.name}`;
  const tmpfs = `size=${b.tmpBytes},mode=1777,nosuid,nodev`;
  const id = await startJailContainer({
    name: `${host.project}-jail-${spec.name}`,
    project: host.project,
    host: host.container,
    mounts: {
      '/tmp': tmpfs,
      '/var/tmp': tmpfs,
      '/run/lock': tmpfs,
      [home]: `size=${b.diskBytes},mode=0700,nosuid,nodev,exec`,
    },
    memoryBytes: b.memoryBytes,
    processes: b.processes,
    cpus: b.cpus,
    shmBytes: b.tmpBytes,
  });
  const parts = budgetParts(b);
  const exec: Jail['exec'] = (cmd, opts) => execIn(id, cmd, opts);
  let closed = false;
  const jail: Jail = {
    name: host.name,
    labAddress: host.labAddress,
    workDir: home,
    home,
    describe: `container ${host.project}-jail-${spec.name} (in ${host.container}'s network)`,
    budget: {
      applied: [
        `${parts.memory} (the container's)`,
        `${parts.processes} (the container's)`,
        `${parts.cpu} (the container's)`,
        `${parts.disk} (tmpfs)`,
        parts.tmp,
        'processes of its own (a container)',
      ],
      notApplied: [],
    },
    program: (name) => host.program(name),
    get observer() {
      return jail;
    },
    exec,
    copyIn: (dir, files) => copyThroughExec(exec, jail.describe, dir, files),
    copyOut: (path) => copyOutThroughExec(exec, path),
    logs: async () => '',
    shellCommand: () => ['docker', 'exec', '-it', id, 'bash'],
    async close() {
      if (closed) return { killed: 0 };
      closed = true;
      const killed = await programProcesses(exec);
      await removeContainer(id);
      return { killed };
    },
    async [Symbol.asyncDispose]() {
      await jail.close();
    },
  };
  return jail;
}
