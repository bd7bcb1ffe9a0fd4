// Where linkd's peers are: their names looked up (again and again, as a restarted container may
// come back with a new address), and which of linkd's own addresses faces each of them.
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { replicaNumber } from '../../common/replica-name.ts';

// Docker's DNS answers for containers that exist; for one that does not exist yet it may forward
// to upstream servers that never answer: queries are short and retried.
const dnsQuery = new Resolver({ timeout: 250, tries: 1 });

/** The IPv4 address /etc/hosts gives a name, if any. */
export function hostsFileAddress(name: string, text = readHostsFile()): string | null {
  for (const line of text.split('\n')) {
    const [addr, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (addr && isIP(addr) === 4 && names.includes(name)) return addr;
  }
  return null;
}

function readHostsFile(): string {
  try {
    return readFileSync('/etc/hosts', 'utf8');
  } catch {
    return '';
  }
}

/**
 * A peer's IPv4 address: /etc/hosts first, then DNS; null when not found (not up yet, or gone for
 * a moment). Not getaddrinfo: on a name Docker's DNS does not know yet it can hang for seconds in
 * libuv's thread pool, and the process cannot exit until it returns.
 */
export async function lookupPeer(host: string): Promise<string | null> {
  if (isIP(host)) return host;
  return hostsFileAddress(host) ?? (await dnsQuery.resolve4(host).catch(() => null))?.[0] ?? null;
}

/**
 * The local address the kernel sends from toward `address` (the address of linkd's side facing
 * that peer): a UDP socket connected there says, and nothing is sent. null when there is no route.
 */
export async function localAddressToward(address: string, port: number): Promise<string | null> {
  const s = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.connect(port, address, () => resolve());
    });
    return s.address().address;
  } catch {
    return null;
  } finally {
    s.close();
  }
}

/**
 * The replicas of a scaled Compose service (`client` with `scale: 3`), by replica number: each
 * address the name has, named by its reverse lookup, which Docker's DNS answers with the
 * container's name (`lab-client-2.lab_client_net` under Compose v2, `lab_client_2.…` under v1).
 * An address whose name is not yet known is left out until the next look.
 */
export async function lookupReplicas(service: string): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const addresses = (await dnsQuery.resolve4(service).catch(() => null)) ?? [];
  await Promise.all(
    addresses.map(async (address) => {
      const ptr = `${address.split('.').reverse().join('.')}.in-addr.arpa`;
      const names = (await dnsQuery.resolvePtr(ptr).catch(() => null)) ?? [];
      for (const name of names) {
        const n = replicaNumber(name, service);
        if (n !== null) out.set(n, address);
      }
    }),
  );
  return out;
}
