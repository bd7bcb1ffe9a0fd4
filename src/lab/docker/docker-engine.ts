// The dockerode adapter: everything at run time (exec with separated output and exit code,
// copying files in, inspect, logs, finding what the lab labelled). Only this file talks to
// the Docker API.
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { SocklabError } from '../../common/errors.ts';
import type { ExecOptions, ExecResult, HostStream } from '../lab-host.ts';
import { filesOfTar, tarOf } from './tar.ts';

export const LAB_LABEL = 'dev.socklab.lab';
/** Which labs this process sees in `down --all` and `status`: the value of the lab label. */
export const labScope = (): string => process.env.SOCKLAB_SCOPE || 'true';

let docker: Docker | null = null;

export function engine(): Docker {
  docker ??= new Docker();
  return docker;
}

/** Rejects with the fix when no engine answers. */
export async function assertEngine(): Promise<void> {
  try {
    await engine().ping();
  } catch (err) {
    throw new SocklabError(
      'docker.no-engine',
      `no Docker engine answers (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); start one: sudo systemctl start docker, or dockerd & (Debian: apt-get install docker.io)`,
    );
  }
}

export async function execIn(
  container: string,
  cmd: string[],
  opts: ExecOptions & { env?: string[] } = {},
): Promise<ExecResult> {
  const c = engine().getContainer(container);
  const exec = await c.exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: opts.stdin !== undefined,
    Env: opts.env,
  });
  const stream = await exec.start({ hijack: true, stdin: opts.stdin !== undefined });
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (d: Buffer) => chunks.out.push(d));
  err.on('data', (d: Buffer) => chunks.err.push(d));
  engine().modem.demuxStream(stream, out, err);
  if (opts.stdin !== undefined) stream.end(opts.stdin);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(
        new SocklabError(
          'host.exec-timeout',
          `${cmd.join(' ')} in ${container} did not finish within ${opts.timeoutMs} ms`,
        ),
      );
    }, opts.timeoutMs ?? 600_000);
    stream.on('end', () => {
      clearTimeout(timer);
      resolve();
    });
    stream.on('error', reject);
  });
  const info = await exec.inspect();
  return {
    stdout: Buffer.concat(chunks.out).toString(),
    stderr: Buffer.concat(chunks.err).toString(),
    exitCode: info.ExitCode ?? -1,
  };
}

/** A command in a container with its stdin and stdout as byte streams (stdout demultiplexed). */
export async function execStream(container: string, cmd: string[]): Promise<HostStream> {
  const exec = await engine().getContainer(container).exec({
    Cmd: cmd,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: true });
  const output = new PassThrough();
  engine().modem.demuxStream(stream, output, new PassThrough());
  const ended = new Promise<void>((resolve) => {
    stream.on('end', () => {
      output.end();
      resolve();
    });
    stream.on('close', () => resolve());
    stream.on('error', () => resolve());
  });
  return {
    input: stream,
    output,
    ended,
    close() {
      stream.end();
      stream.destroy();
    },
  };
}

/**
 * A long-lived command in a container that reads lines on stdin and answers a line each on
 * stdout (linkctl raw): each `request` writes a line and resolves with the next answer. Requests
 * may overlap; the command answers in order, so they resolve in order.
 */
export interface LineSession {
  request(line: string, timeoutMs: number): Promise<string>;
  close(): void;
  readonly closed: boolean;
}

export async function lineSession(container: string, cmd: string[]): Promise<LineSession> {
  const exec = await engine().getContainer(container).exec({
    Cmd: cmd,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: true });
  // An open session must not keep this process alive: only a request waiting for its answer
  // does (its timer).
  (stream as unknown as { unref?: () => void }).unref?.();
  const out = new PassThrough();
  const err = new PassThrough();
  engine().modem.demuxStream(stream, out, err);
  const waiting: { resolve: (l: string) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  let buffered = '';
  let stderr = '';
  let closed = false;
  const fail = (why: string): void => {
    closed = true;
    for (const w of waiting.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new SocklabError('link.control-unreachable', why));
    }
  };
  out.on('data', (d: Buffer) => {
    buffered += d.toString();
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const w = waiting.shift();
      if (w) {
        clearTimeout(w.timer);
        w.resolve(line);
      }
    }
  });
  err.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  stream.on('end', () =>
    fail(`${cmd.join(' ')} in ${container} ended${stderr ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`),
  );
  stream.on('error', (e: Error) => fail(`${cmd.join(' ')} in ${container}: ${e.message}`));
  return {
    get closed() {
      return closed;
    },
    request(line, timeoutMs) {
      if (closed)
        return Promise.reject(
          new SocklabError('link.control-unreachable', `${cmd.join(' ')} in ${container} has ended`),
        );
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          // A late answer would be taken for the next request's: the session cannot go on.
          stream.destroy();
          fail(`${cmd.join(' ')} in ${container} did not answer within ${timeoutMs} ms`);
        }, timeoutMs);
        waiting.push({ resolve, reject, timer });
        stream.write(`${line}\n`);
      });
    },
    close() {
      closed = true;
      stream.end();
      stream.destroy();
    },
  };
}

/** Copies files into a container: `files` maps a path inside `dir` to its contents. */
export async function copyInto(
  container: string,
  dir: string,
  files: Record<string, Buffer | string>,
): Promise<void> {
  await engine().getContainer(container).putArchive(tarOf(files), { path: dir });
}

/** The contents of one file in a container (a capture, say), through the archive API. */
export async function copyOut(container: string, path: string): Promise<Buffer> {
  const stream = await engine().getContainer(container).getArchive({ path });
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  const file = [...filesOfTar(Buffer.concat(chunks)).values()][0];
  if (!file) throw new SocklabError('host.not-a-file', `${path} in ${container} is not a regular file`);
  return file;
}

export async function containerLogs(container: string, tail = 200): Promise<string> {
  const buf = (await engine()
    .getContainer(container)
    .logs({ stdout: true, stderr: true, tail, follow: false })) as unknown as Buffer;
  // Without a TTY the log is multiplexed: 8-byte frame headers before each chunk.
  const parts: Buffer[] = [];
  for (let i = 0; i + 8 <= buf.length; ) {
    const len = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  return Buffer.concat(parts).toString();
}

export async function containerIp(container: string, network?: string): Promise<string> {
  const info = await engine().getContainer(container).inspect();
  const nets = info.NetworkSettings.Networks;
  const key = network ? Object.keys(nets).find((n) => n.endsWith(network)) : Object.keys(nets)[0];
  return (key && nets[key]?.IPAddress) || '';
}

/**
 * The label of a container socklab attached to a lab's end host (a jail, a user's app): the lab
 * it belongs to, since it is no service of the lab's Compose project. Its end: ATTACHED_END.
 */
export const ATTACHED_LABEL = 'dev.socklab.attached-to';
export const ATTACHED_END = 'dev.socklab.end';
export const ATTACHED_KIND = 'dev.socklab.kind';

/** Compose projects that have containers labelled as socklab labs of this scope (jails count too). */
export async function labProjects(): Promise<string[]> {
  const list = await engine().listContainers({
    all: true,
    filters: { label: [`${LAB_LABEL}=${labScope()}`] },
  });
  const project = (labels: Record<string, string>) =>
    labels['com.docker.compose.project'] ?? labels[ATTACHED_LABEL];
  return [...new Set(list.map((c) => project(c.Labels)).filter((p): p is string => !!p))];
}

export interface JailContainerSpec {
  name: string;
  project: string;
  /** The end host whose network namespace it joins. */
  host: string;
  mounts: Record<string, string>;
  memoryBytes: number;
  processes: number;
  cpus: number;
  shmBytes: number;
}

/**
 * A container for one program under test, in the network namespace of its end host: the lab's
 * image, read-only but for its tmpfs mounts, with only the capabilities its root needs to run the
 * program as its own user and to count its threads (the program itself gets none), limits on
 * memory, processes and CPU. Its own pid namespace: removing it ends everything in it.
 */
export async function startJailContainer(s: JailContainerSpec): Promise<string> {
  const host = await engine().getContainer(s.host).inspect();
  const c = await engine().createContainer({
    name: s.name,
    Image: host.Config.Image,
    Entrypoint: ['sleep'],
    Cmd: ['infinity'],
    User: '0',
    Labels: { [LAB_LABEL]: labScope(), [ATTACHED_LABEL]: s.project, [ATTACHED_KIND]: 'jail' },
    HostConfig: {
      NetworkMode: `container:${host.Id}`,
      Init: true,
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      CapAdd: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETUID', 'SETGID', 'KILL', 'SYS_PTRACE'],
      SecurityOpt: ['no-new-privileges'],
      Memory: s.memoryBytes,
      MemorySwap: s.memoryBytes,
      PidsLimit: s.processes,
      NanoCpus: Math.round(s.cpus * 1e9),
      ShmSize: s.shmBytes,
      Tmpfs: s.mounts,
    },
  });
  await c.start();
  return c.id;
}

/** Removes a container and everything running in it. */
export async function removeContainer(id: string): Promise<void> {
  await engine()
    .getContainer(id)
    .remove({ force: true })
    .catch((err: { statusCode?: number }) => {
      if (err.statusCode !== 404) throw err;
    });
}

/** The containers attached to a lab's hosts (jails, users' apps), with their kind and end. */
export async function attachedContainers(
  project: string,
): Promise<{ id: string; name: string; kind: string; end: string }[]> {
  const list = await engine().listContainers({
    all: true,
    filters: { label: [`${ATTACHED_LABEL}=${project}`] },
  });
  return list.map((c) => ({
    id: c.Id,
    name: c.Names[0]?.replace(/^\//, '') ?? c.Id,
    kind: c.Labels[ATTACHED_KIND] ?? '',
    end: c.Labels[ATTACHED_END] ?? '',
  }));
}

export interface AppContainerSpec {
  name: string;
  project: string;
  end: string;
  /** The end host whose network namespace it joins. */
  host: string;
  image: string;
  command?: string[];
  env?: Record<string, string>;
  files?: Record<string, string | Buffer>;
}

/**
 * A user's own image at one end of a lab: it joins the end host's network namespace (lab0, the
 * lab's names in its hosts file), with no capability beyond Docker's defaults and none of
 * socklab's tools. Never pulled: a missing image is said with how to get it.
 */
export async function startAppContainer(s: AppContainerSpec): Promise<string> {
  const image = await engine()
    .getImage(s.image)
    .inspect()
    .catch(() => null);
  if (!image)
    throw new SocklabError(
      'docker.no-image',
      `no image '${s.image}' on this Docker engine (socklab never pulls); build it (docker build -t ${s.image} .) or pull it (docker pull ${s.image})`,
    );
  const host = await engine().getContainer(s.host).inspect();
  const c = await engine().createContainer({
    name: s.name,
    Image: s.image,
    ...(s.command ? { Cmd: s.command } : {}),
    Env: Object.entries(s.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Labels: {
      [LAB_LABEL]: labScope(),
      [ATTACHED_LABEL]: s.project,
      [ATTACHED_KIND]: 'app',
      [ATTACHED_END]: s.end,
    },
    HostConfig: { NetworkMode: `container:${host.Id}`, Init: true },
  });
  try {
    const workDir = image.Config?.WorkingDir || '/';
    for (const [path, data] of Object.entries(s.files ?? {})) {
      const abs = path.startsWith('/') ? path : `${workDir.replace(/\/$/, '')}/${path}`;
      const dir = abs.slice(0, abs.lastIndexOf('/')) || '/';
      await c.putArchive(tarOf({ [abs.slice(dir.length + 1)]: data }), { path: dir });
    }
    await c.start();
  } catch (err) {
    await c.remove({ force: true }).catch(() => {});
    throw err;
  }
  return c.id;
}

/** Whether a container runs, and its exit code when it does not. */
export async function containerState(id: string): Promise<{ running: boolean; exitCode: number }> {
  const st = (await engine().getContainer(id).inspect()).State;
  return { running: st.Running, exitCode: st.ExitCode };
}

/**
 * The container of each service of a Compose project, found by Compose's own labels rather than
 * by name: v1 names them project_service_1, v2 project-service-1, and a standalone v2 binary is
 * also called docker-compose. Stopped containers count (a link that refused to start is one).
 */
/**
 * A lab's containers by host name: each Compose service's, and a scaled service's replicas by
 * number after the first (`client`, `client2`, `client3`: the lab's names for them).
 */
export async function serviceContainers(project: string): Promise<Map<string, string>> {
  const list = await engine().listContainers({
    all: true,
    filters: { label: [LAB_LABEL, `com.docker.compose.project=${project}`] },
  });
  const byHost = new Map<string, string>();
  for (const c of list) {
    // One-off containers (compose run) are not the service's host.
    if (c.Labels['com.docker.compose.oneoff'] === 'True') continue;
    const service = c.Labels['com.docker.compose.service'];
    const number = Number(c.Labels['com.docker.compose.container-number'] ?? '1');
    const name = c.Names[0]?.replace(/^\//, '');
    if (service && name) byHost.set(number > 1 ? `${service}${number}` : service, name);
  }
  return byHost;
}
