// One host of a lab, as experiments see it: run a command, copy files in, its addresses. Backed
// by a container here; a network-namespace backend can implement the same interface later
// without touching the experiments.
import { copyInto, type ExecResult, execIn } from './docker-engine.ts';

export type Role = 'client' | 'link' | 'server';

export interface LabHost {
  readonly role: Role;
  /** The lab0 address (client and server), or null for the link. */
  readonly labAddress: string | null;
  exec(cmd: string[], opts?: { stdin?: string; timeoutMs?: number }): Promise<ExecResult>;
  copyIn(dir: string, files: Record<string, Buffer | string>): Promise<void>;
}

export class ContainerHost implements LabHost {
  readonly role: Role;
  readonly labAddress: string | null;
  readonly container: string;

  constructor(role: Role, container: string, labAddress: string | null) {
    this.role = role;
    this.container = container;
    this.labAddress = labAddress;
  }

  exec(cmd: string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    return execIn(this.container, cmd, opts);
  }

  copyIn(dir: string, files: Record<string, Buffer | string>): Promise<void> {
    return copyInto(this.container, dir, files);
  }
}
