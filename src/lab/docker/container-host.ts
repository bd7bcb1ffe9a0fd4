// The Docker backend's host: a container of the lab's Compose project, driven through dockerode.

import { localSubnetOf } from '../../common/local-subnets.ts';
import type { Jail, JailSpec } from '../jail.ts';
import type { ExecOptions, ExecResult, HostName, HostStream, LabHost } from '../lab-host.ts';
import { openContainerJail } from './container-jail.ts';
import { containerIp, containerLogs, copyInto, copyOut, execIn, execStream } from './docker-engine.ts';

/** Where the image puts socklab's sources (docker/Dockerfile). */
export const IMAGE_ROOT = '/opt/socklab';

export class ContainerHost implements LabHost {
  readonly name: HostName;
  readonly labAddress: string | null;
  readonly container: string;
  readonly workDir = '/opt/work';

  /** The lab (Compose project) it belongs to. */
  readonly project: string;

  constructor(name: HostName, container: string, labAddress: string | null, project: string) {
    this.name = name;
    this.container = container;
    this.labAddress = labAddress;
    this.project = project;
  }

  openStream(cmd: string[]): Promise<HostStream> {
    return execStream(this.container, cmd);
  }

  /**
   * Its address on its bridge network, where that network is one of this machine's own (Docker
   * running natively); null where only a gateway could reach it (an engine in a VM).
   */
  async directAddress(): Promise<string | null> {
    const ip = await containerIp(this.container).catch(() => '');
    return ip && localSubnetOf(ip) ? ip : null;
  }

  jail(spec: JailSpec): Promise<Jail> {
    return openContainerJail(this, spec);
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
