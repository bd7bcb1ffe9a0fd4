// One host of a lab, as experiments, check and grade see it: run a command, copy files in and
// out, its logs, its address. Two backends implement it: containers (Docker, container-host.ts)
// and network namespaces on this machine (namespace-host.ts). Nothing outside those adapters
// knows which one it has.

/**
 * A host's name in its lab, which is also how the other hosts reach it: `client`, `link`,
 * `server` in every lab. A name, not a closed union: more clients and users' own containers
 * join a lab under names of their own.
 */
import type { Proto } from '../common/proto.ts';
import type { Jail, JailSpec } from './jail.ts';

export type HostName = string;

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface ExecOptions {
  stdin?: string | Buffer;
  timeoutMs?: number;
}

/** What running programs on a host takes: a lab's host, or a jail in one. */
export interface HostAccess {
  readonly name: HostName;
  /** The lab0 address (client and server), or null for the link. */
  readonly labAddress: string | null;
  /** The path of one of socklab's programs on this host: `apps/udp-echo-client`, `link/linkctl`. */
  program(name: string): string;
  /** A directory of this host's own for the lab's files (a student's program, say). */
  readonly workDir: string;
  exec(cmd: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Copies files into `dir`: `files` maps a path inside it to its contents. */
  copyIn(dir: string, files: Record<string, Buffer | string>): Promise<void>;
  /** One file's contents. */
  copyOut(path: string): Promise<Buffer>;
  /** The last lines the host's own processes printed (its entry point, linkd). */
  logs(tail: number): Promise<string>;
  /** The command line that opens an interactive shell in it (for `socklab shell`). */
  shellCommand(): string[];
  /** Where it runs, for people: a container's name, a namespace's. */
  readonly describe: string;
  /** Where socklab can see its processes and sockets without running a command there (a namespace jail). */
  readonly inspect?: HostInspector;
}

/** Answers about a host read without running a command in it: what a check polls. */
export interface HostInspector {
  /** Whether process `pid` (as the host numbers it) still runs; a zombie has ended. */
  alive(pid: number): Promise<boolean>;
  /** Whether a socket listens on the port (tcp) or is bound to it unconnected (udp). */
  listening(proto: Proto, port: number): Promise<boolean>;
  /** The effective uid of each of its processes that has not ended (zombies are left out). */
  users(): Promise<number[]>;
}

/** A long-running command's stdin and stdout, as bytes (an expose tunnel's relay, say). */
export interface HostStream {
  input: NodeJS.WritableStream;
  output: NodeJS.ReadableStream;
  /** Settles when the command has ended. */
  ended: Promise<void>;
  close(): void;
}

export interface LabHost extends HostAccess {
  /** Starts `cmd` with its stdin and stdout open to this process (its stderr is dropped). */
  openStream(cmd: string[]): Promise<HostStream>;
  /**
   * An address of the host's own that this machine may reach straight, outside the lab's link (a
   * container's on its bridge network), or null. A stream through the engine costs several
   * process hops each way; a connection to this address, one.
   */
  directAddress?(): Promise<string | null>;
  /** A jail for one program under test, sharing this host's network (client and server hosts). */
  jail(spec: JailSpec): Promise<Jail>;
}

/** The path of one of socklab's host programs (src/apps/) on a host. */
export const appOn = (host: HostAccess, app: string): string => host.program(`apps/${app}`);
