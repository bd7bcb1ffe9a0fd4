import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { SocklabError } from '../common/errors.ts';

export interface ResolvedHost {
  name: string;
  address: string;
  family: 4 | 6;
}

/** Resolves a host name once, up front, so that a typo fails before anything is sent. */
export async function resolveHost(name: string): Promise<ResolvedHost> {
  const ip = isIP(name);
  if (ip === 4 || ip === 6) return { name, address: name, family: ip };
  try {
    const { address, family } = await lookup(name);
    return { name, address, family: family === 6 ? 6 : 4 };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'ENOTFOUND';
    throw new SocklabError(
      'socket.name-not-found',
      `cannot resolve host '${name}' (${code}): the name must be in DNS or /etc/hosts; pass --host with an address or a name that resolves (in the lab: server or client)`,
    );
  }
}

/** `::ffff:1.2.3.4` as `1.2.3.4`: how a dual-stack socket reports IPv4 peers. */
export function plainAddress(address: string | undefined): string {
  if (!address) return '?';
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export function formatEndpoint(address: string | undefined, port: number | undefined): string {
  const a = plainAddress(address);
  return a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`;
}
