// A bare lab of network namespaces for the link's own tests: client and server each with a kernel
// VXLAN device (lab0), reaching each other only through linkd in a third namespace, as in the
// containers but without Docker and without the netns backend's hosts, programs or state. Needs root.
// Also a direct variant (VXLAN straight from client to server) for comparing the relay against the
// kernel's own path. Addresses stay inside the namespaces.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { addNamespace, gatherAtLink, veth, vxlanEnd } from '../../src/lab/netns/netns-devices.ts';
import { LinkControl, unixTransport } from '../../src/link/control/control-client.ts';
import { appPath, ROOT, type Running, run as runToEnd, start } from './programs.ts';

const run = promisify(execFile);

export const CLIENT_LAB_IP = '198.19.0.1';
export const SERVER_LAB_IP = '198.19.0.2';

export interface BareLab extends AsyncDisposable {
  client: string;
  server: string;
  link: string | null;
  /** Runs a command in a namespace to completion. */
  exec(
    ns: string,
    cmd: string,
    args: string[],
    timeoutMs?: number,
  ): Promise<{ stdout: string; stderr: string; code: number }>;
  /** Starts a long-running command in a namespace, returning once its output matches `ready`. */
  start(ns: string, cmd: string, args: string[], ready: RegExp): Promise<Running>;
  /** linkd's control socket (relay variant). */
  control: string | null;
  /** linkd's control, typed (relay variant). */
  linkd: LinkControl | null;
  /** A kernel counter of the client's or server's TCP/UDP stack, e.g. ('Tcp', 'RetransSegs'). */
  counter(ns: string, group: string, name: string): Promise<number>;
}

export function canRunNetns(): string | null {
  if (process.getuid?.() !== 0) return 'needs root for ip netns';
  return null;
}

export interface BareLabOptions {
  /** Short unique tag for names (namespaces and sockets). */
  tag: string;
  /** `relay`: through linkd with these arguments; `direct`: VXLAN straight between the ends. */
  path: 'relay' | 'direct';
  linkdArgs?: string[];
  /** Variables for linkd's environment (SOCKLAB_UDP_OFFLOAD, say). */
  linkdEnv?: Record<string, string | undefined>;
  /** How long linkd may take to start (ms): longer in an emulated VM. */
  readyTimeoutMs?: number;
  /** The link's veths gather frames for linkd's UDP GRO, as the netns backend's do (default: yes). */
  gather?: boolean;
}

export async function startBareLab(opts: BareLabOptions): Promise<BareLab> {
  const client = `sl${opts.tag}c`;
  const server = `sl${opts.tag}s`;
  const link = opts.path === 'relay' ? `sl${opts.tag}l` : null;
  const names = [client, server, ...(link ? [link] : [])];
  const processes: Running[] = [];
  const cleanup = async (): Promise<void> => {
    await Promise.all(processes.map((p) => p.stop()));
    for (const n of names) await run('ip', ['netns', 'del', n]).catch(() => {});
  };
  const control = link ? `/tmp/socklab-${opts.tag}-linkd.sock` : null;
  const exec = async (ns: string, cmd: string, args: string[], timeoutMs = 120_000) => {
    const r = await runToEnd('ip', ['netns', 'exec', ns, cmd, ...args], '', timeoutMs);
    return { stdout: r.stdout, stderr: r.stderr, code: r.code ?? -1 };
  };
  const startIn = async (ns: string, cmd: string, args: string[], ready: RegExp): Promise<Running> => {
    const p = await start('ip', ['netns', 'exec', ns, cmd, ...args], ready, opts.readyTimeoutMs);
    processes.push(p);
    return p;
  };
  try {
    for (const n of names) {
      await run('ip', ['netns', 'del', n]).catch(() => {});
      await addNamespace(n);
    }
    if (link) {
      await veth(client, 'c0', '198.19.250.1', link, 'lc', '198.19.250.2');
      await veth(server, 's0', '198.19.251.1', link, 'ls', '198.19.251.2');
      if (opts.gather !== false) {
        await gatherAtLink(client, 'c0', link, 'lc');
        await gatherAtLink(server, 's0', link, 'ls');
      }
      await vxlanEnd(client, 'c0', '198.19.250.2', CLIENT_LAB_IP);
      await vxlanEnd(server, 's0', '198.19.251.2', SERVER_LAB_IP);
      const env = Object.entries(opts.linkdEnv ?? {}).map(([k, v]) => `${k}=${v ?? ''}`);
      await startIn(
        link,
        'env',
        [
          ...env,
          process.execPath,
          `${ROOT}src/link/linkd.ts`,
          '--peer',
          '198.19.250.1',
          '--peer',
          '198.19.251.1',
          '--control',
          control!,
          ...(opts.linkdArgs ?? []),
        ],
        /linkd: relaying VXLAN/,
      );
    } else {
      await veth(client, 'c0', '198.19.250.1', server, 's0', '198.19.250.2');
      await vxlanEnd(client, 'c0', '198.19.250.2', CLIENT_LAB_IP);
      await vxlanEnd(server, 's0', '198.19.250.1', SERVER_LAB_IP);
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
  return {
    client,
    server,
    link,
    control,
    linkd: control ? new LinkControl(unixTransport(control)) : null,
    exec,
    start: startIn,
    async counter(ns, group, name) {
      const { stdout } = await exec(ns, 'cat', ['/proc/net/snmp']);
      const lines = stdout.split('\n').filter((l) => l.startsWith(`${group}:`));
      const keys = lines[0]?.split(/\s+/) ?? [];
      const values = lines[1]?.split(/\s+/) ?? [];
      const i = keys.indexOf(name);
      if (i < 0) throw new Error(`no ${group} ${name} in /proc/net/snmp`);
      return Number(values[i]);
    },
    [Symbol.asyncDispose]: cleanup,
  };
}

/** Starts one of our servers inside a namespace on the lab address. */
export function startAppIn(lab: BareLab, ns: string, name: string, args: string[] = []): Promise<Running> {
  return lab.start(ns, process.execPath, [appPath(name), '--port', '12000', ...args], /ready to receive/);
}
