// A lab host as expose sees it, with its direct address replaced: none (the tunnel takes the
// engine's stream, as where this machine cannot reach the host), or one that leads nowhere.
import type { LabHost } from '../../src/lab/lab-host.ts';

export function withDirectAddress(host: LabHost, address: string | null): LabHost {
  return {
    name: host.name,
    program: (name: string) => host.program(name),
    openStream: (cmd: string[]) => host.openStream(cmd),
    directAddress: async () => address,
  } as unknown as LabHost;
}
