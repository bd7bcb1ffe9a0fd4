// A user's own software at one end of the link: their image (Docker), which joins the network
// namespace of socklab's host at that end, or a program on this machine started in that host's
// namespace (netns). It sees lab0, reaches the other end by name, and its packets cross linkd like
// any other; it needs no privilege and none of socklab's tools. Validated before anything starts.
import { SocklabError } from '../common/errors.ts';
import type { Proto } from '../common/proto.ts';
import type { Backend } from './started-lab.ts';

/** When the user's software is ready: a port that listens, or a line in its output. */
export interface ReadySpec {
  port?: number;
  proto?: Proto;
  log?: string | RegExp;
  /** How long it may take (default 30 s): then the start fails with its last output. */
  timeoutMs?: number;
}

export interface EndpointSpec {
  /** Docker: the image to run (built or pulled beforehand: socklab never pulls). */
  image?: string;
  /** Docker: the image's command instead of its own; netns: the program to start (a shell line or argv). */
  command?: string | string[];
  env?: Record<string, string>;
  /** Files to put in place before it starts: a path (absolute, or relative to its working directory) to contents. */
  files?: Record<string, string | Buffer>;
  ready?: ReadySpec;
}

export type EndName = 'client' | 'server';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Every rule of an endpoint, checked before any host starts; the first broken one, in one line. */
export function validateEndpoint(end: EndName, e: EndpointSpec, backend: Backend): EndpointSpec {
  const where = `${end}`;
  const bad = (rule: string): never => {
    throw new SocklabError('usage.invalid', `${where}: ${rule}`);
  };
  if (backend === 'netns' && e.image !== undefined)
    bad(
      `the netns backend runs no images: give command (a program on this machine, started in the ${end} host's namespace) instead, or use the Docker backend (--backend docker)`,
    );
  if (backend !== 'netns' && !e.image)
    bad(`give the image to run at the ${end} end, e.g. { image: 'nginx:latest' }`);
  if (backend === 'netns' && !e.command)
    bad(`give the command to start in the ${end} host, e.g. { command: 'python3 -m http.server 8000' }`);
  if (e.image !== undefined && !/^[\w./:@-]+$/.test(e.image))
    bad(`image must be an image name such as nginx:1.25, got '${e.image}'`);
  for (const k of Object.keys(e.env ?? {}))
    if (!ENV_NAME.test(k)) bad(`env names are letters, digits and _, got '${k}'`);
  const r = e.ready;
  if (r) {
    if (r.port === undefined && r.log === undefined)
      bad('ready needs a port or a log line, e.g. ready: { port: 80 }');
    if (r.port !== undefined && !(Number.isInteger(r.port) && r.port >= 1 && r.port <= 65535))
      bad(`ready.port must be 1–65535, got ${r.port}`);
    if (r.proto !== undefined && r.proto !== 'tcp' && r.proto !== 'udp')
      bad(`ready.proto must be tcp or udp, got '${r.proto}'`);
    if (r.timeoutMs !== undefined && !(r.timeoutMs > 0 && r.timeoutMs <= 600_000))
      bad(`ready.timeoutMs must be 1–600000, got ${r.timeoutMs}`);
  }
  return e;
}

/** `6789/tcp`, `53/udp` (tcp when the protocol is left out). */
export function parsePortSpec(text: string): { port: number; proto: Proto } {
  const m = /^(\d{1,5})(?:\/(tcp|udp))?$/.exec(text.trim());
  const port = Number(m?.[1]);
  if (!m || port < 1 || port > 65535)
    throw new SocklabError(
      'usage.invalid',
      `--expose must be PORT/PROTO such as 6789/tcp or 53/udp, got '${text}'`,
    );
  return { port, proto: (m[2] as Proto | undefined) ?? 'tcp' };
}

/** The last lines of a user's software's output, for an error that says what it said. */
export const lastLines = (text: string, n = 20): string =>
  text
    .trim()
    .split('\n')
    .slice(-n)
    .map((l) => `  | ${l}`)
    .join('\n');
