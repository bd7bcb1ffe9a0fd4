// The Docker backend's host: a container of the lab's Compose project, driven through dockerode.

import type { ExecOptions, ExecResult, HostName, LabHost } from '../lab-host.ts';
import { containerLogs, copyInto, copyOut, execIn } from './docker-engine.ts';

/** Where the image puts socklab's sources (docker/Dockerfile). */
export const IMAGE_ROOT = '/opt/socklab';

export class ContainerHost implements LabHost {
  readonly name: HostName;
  readonly labAddress: string | null;
  readonly container: string;
  readonly workDir = '/opt/work';

  constructor(name: HostName, container: string, labAddress: string | null) {
    this.name = name;
    this.container = container;
    this.labAddress = labAddress;
  }

  program(name: string): string {
    return `${IMAGE_ROOT}/src/${name}.ts`;
  }

  get describe(): string {
    return `container ${this.container}`;
  }

  exec(cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return execIn(this.container, cmd, opts);
  }

  copyIn(dir: string, files: Record<string, Buffer | string>): Promise<void> {
    return copyInto(this.container, dir, files);
  }

  copyOut(path: string): Promise<Buffer> {
    return copyOut(this.container, path);
  }

  logs(tail: number): Promise<string> {
    return containerLogs(this.container, tail);
  }

  shellCommand(): string[] {
    return ['docker', 'exec', '-it', this.container, 'bash'];
  }
}
